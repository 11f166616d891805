/**
 * The steps between "an agent is reserved" and "the customer is dialed" that wait for a person:
 *  - agent preview (`_agent_preview`, GMS "User Terminated Preview"): the reserved agent sees the callback's
 *    data and accepts or rejects it before the dial;
 *  - user confirmation (`_wait_for_user_confirm`): the customer is notified that an agent is ready and
 *    confirms (or declines) before the dial.
 * Pending approvals live in memory only: they belong to a running attempt, and an attempt that a crash
 * interrupts is recovered by the scheduler like any other (closed as FAILED "interrupted", retried).
 */

import { DomainError } from '../errors';
import { systemClock, systemTimers, type Clock, type TimerScheduler } from '../time';

export type PreviewAnswer = 'accept' | 'reject';
export type PreviewOutcome = 'ACCEPTED' | 'REJECTED' | 'TIMEOUT' | 'ABORTED';
export type ConfirmOutcome = 'CONFIRMED' | 'DECLINED' | 'TIMEOUT' | 'ABORTED';

export interface ApprovalSubject {
  callbackId: string;
  attemptId: string;
  serviceName: string;
  customerNumber: string;
  userData: Record<string, string>;
  /** the reserved agent */
  agentId: string;
}

export interface PendingPreview extends ApprovalSubject {
  kind: 'agent_preview';
  allowReject: boolean;
  offeredAt: number;
  expiresAt: number;
}

export interface PendingConfirm extends ApprovalSubject {
  kind: 'user_confirm';
  requestedAt: number;
  expiresAt: number;
}

export type PendingApproval = PendingPreview | PendingConfirm;

/** What happened to an approval, for the live stream, the push notification and the logs. */
export interface ApprovalEvent {
  type: 'PREVIEW_OFFERED' | 'PREVIEW_ANSWERED' | 'CONFIRM_REQUESTED' | 'CONFIRM_ANSWERED';
  at: number;
  approval: PendingApproval;
  outcome?: PreviewOutcome | ConfirmOutcome;
}

/** A refused answer: NOT_FOUND (nothing such is pending) or CONFLICT (pending, but this answer is not allowed). */
export class ApprovalError extends DomainError {
  constructor(code: 'NOT_FOUND' | 'CONFLICT', message: string) {
    super(code, message);
    this.name = 'ApprovalError';
  }
}

interface Waiting<P extends PendingApproval, O> {
  pending: P;
  settle: (outcome: O) => void;
}

export class ApprovalBoard {
  private readonly previews = new Map<string, Waiting<PendingPreview, PreviewOutcome>>();
  private readonly confirms = new Map<string, Waiting<PendingConfirm, ConfirmOutcome>>();
  private readonly listeners = new Set<(e: ApprovalEvent) => void>();

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly timers: TimerScheduler = systemTimers,
  ) {}

  /** listen to approval events; returns the unsubscribe function */
  onEvent(listener: (e: ApprovalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Offer the callback to its reserved agent; settles on the agent's answer, the timeout or `signal`. */
  offerPreview(subject: ApprovalSubject, opts: { timeoutMs: number; allowReject: boolean; signal?: AbortSignal }): Promise<PreviewOutcome> {
    const at = this.clock.now();
    const pending: PendingPreview = { ...subject, kind: 'agent_preview', allowReject: opts.allowReject, offeredAt: at, expiresAt: at + opts.timeoutMs };
    return this.wait(this.previews, pending, opts.timeoutMs, opts.signal, 'PREVIEW_OFFERED', 'PREVIEW_ANSWERED');
  }

  /** Ask the customer to confirm they are ready; settles on the answer, the timeout or `signal`. */
  askCustomer(subject: ApprovalSubject, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ConfirmOutcome> {
    const at = this.clock.now();
    const pending: PendingConfirm = { ...subject, kind: 'user_confirm', requestedAt: at, expiresAt: at + opts.timeoutMs };
    return this.wait(this.confirms, pending, opts.timeoutMs, opts.signal, 'CONFIRM_REQUESTED', 'CONFIRM_ANSWERED');
  }

  /** The agent's answer to the preview of `callbackId`. Only the agent it was offered to may answer. */
  answerPreview(callbackId: string, agentId: string, answer: PreviewAnswer): PreviewOutcome {
    const w = this.previews.get(callbackId);
    if (!w || w.pending.agentId !== agentId) throw new ApprovalError('NOT_FOUND', `no preview of callback "${callbackId}" is offered to agent "${agentId}"`);
    if (answer === 'reject' && !w.pending.allowReject) throw new ApprovalError('CONFLICT', `the service of callback "${callbackId}" does not allow rejecting a preview (_agent_preview_allow_reject)`);
    const outcome: PreviewOutcome = answer === 'accept' ? 'ACCEPTED' : 'REJECTED';
    w.settle(outcome);
    return outcome;
  }

  /** The customer's answer for `callbackId`. */
  answerConfirm(callbackId: string, confirmed: boolean): ConfirmOutcome {
    const w = this.confirms.get(callbackId);
    if (!w) throw new ApprovalError('CONFLICT', `callback "${callbackId}" is not waiting for the customer's confirmation`);
    const outcome: ConfirmOutcome = confirmed ? 'CONFIRMED' : 'DECLINED';
    w.settle(outcome);
    return outcome;
  }

  /** the preview offered to this agent now, if any */
  previewFor(agentId: string): PendingPreview | undefined {
    for (const w of this.previews.values()) if (w.pending.agentId === agentId) return w.pending;
    return undefined;
  }

  /** the confirmation the customer of this callback is asked for now, if any */
  confirmFor(callbackId: string): PendingConfirm | undefined {
    return this.confirms.get(callbackId)?.pending;
  }

  get pendingCount(): number {
    return this.previews.size + this.confirms.size;
  }

  private wait<P extends PendingApproval, O extends PreviewOutcome | ConfirmOutcome>(
    map: Map<string, Waiting<P, O>>,
    pending: P,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    offered: ApprovalEvent['type'],
    answered: ApprovalEvent['type'],
  ): Promise<O> {
    const existing = map.get(pending.callbackId);
    if (existing) existing.settle('ABORTED' as O); // a newer attempt of the same callback replaces it
    return new Promise<O>((resolve) => {
      let done = false;
      const settle = (outcome: O): void => {
        if (done) return;
        done = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        if (map.get(pending.callbackId)?.pending === pending) map.delete(pending.callbackId);
        this.emit({ type: answered, at: this.clock.now(), approval: pending, outcome });
        resolve(outcome);
      };
      const onAbort = (): void => settle('ABORTED' as O);
      const timer = this.timers.schedule(timeoutMs, () => settle('TIMEOUT' as O));
      map.set(pending.callbackId, { pending, settle });
      this.emit({ type: offered, at: pending.kind === 'agent_preview' ? pending.offeredAt : pending.requestedAt, approval: pending });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emit(e: ApprovalEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure (a closed stream) never changes the approval
      }
    }
  }
}

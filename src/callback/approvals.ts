/**
 * The steps between "an agent is reserved" and "the customer is dialed" that wait for a person:
 *  - agent preview (`_agent_preview`, GMS "User Terminated Preview"): the reserved agent sees the callback's
 *    data and accepts or rejects it before the dial;
 *  - user confirmation (`_wait_for_user_confirm`): the customer is notified that an agent is ready and
 *    confirms (or declines) before the dial.
 * The board holds them in memory for the attempts waiting on them and, given a store, keeps them there too
 * (written as they are offered and answered, in order, errors logged), so that a restart finds them again:
 * `restore()` brings back each one whose deadline has not passed (the agent page shows the preview, the
 * customer may still confirm) until that deadline; one whose deadline passed while the service was down times
 * out at once. The attempt that waited on it died with the process and is recovered by the scheduler like any
 * other (closed as FAILED "interrupted", retried); the callback's next attempt takes the restored approval
 * over — its answer if it was given meanwhile, else the wait until the original deadline — when it asks the
 * same agent (a preview) or the same customer (a confirmation). A service that stops (`close()`) leaves its
 * pending approvals in the store for the next start.
 */

import type { Logger } from 'pino';
import { DomainError } from '../errors';
import type { QueueStateStore, StoredApproval } from '../ports/queue-state';
import { systemClock, systemTimers, type Clock, type TimerHandle, type TimerScheduler } from '../time';

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

type Outcome = PreviewOutcome | ConfirmOutcome;

interface Waiting<P extends PendingApproval, O> {
  pending: P;
  settle: (outcome: O) => void;
  /** who hears the outcome: the attempt waiting on it; for a restored one, none until an attempt takes it over */
  onSettled: ((outcome: O) => void) | undefined;
  restored: boolean;
  timer?: TimerHandle;
}

/** where the board keeps its approvals (the store) */
export type ApprovalStore = Pick<QueueStateStore, 'putPendingApproval' | 'deletePendingApproval' | 'pendingApprovals'>;

const isAnswer = (o: Outcome): boolean => o !== 'TIMEOUT' && o !== 'ABORTED';

export class ApprovalBoard {
  private readonly previews = new Map<string, Waiting<PendingPreview, PreviewOutcome>>();
  private readonly confirms = new Map<string, Waiting<PendingConfirm, ConfirmOutcome>>();
  /** restored approvals answered while no attempt waited on them: the answer, for the callback's next attempt */
  private readonly held = new Map<string, { pending: PendingApproval; outcome: Outcome; timer: TimerHandle }>();
  private readonly listeners = new Set<(e: ApprovalEvent) => void>();
  private writes: Promise<void> = Promise.resolve();
  private writing: boolean;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly timers: TimerScheduler = systemTimers,
    private readonly persist?: { store: ApprovalStore; logger?: Logger },
  ) {
    this.writing = persist !== undefined;
  }

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

  /**
   * Bring back the approvals the store kept (at start, before any attempt runs): each one until its deadline,
   * answerable; one whose deadline has passed times out now. Returns how many of each.
   */
  async restore(): Promise<{ restored: number; timedOut: number }> {
    if (!this.persist) return { restored: 0, timedOut: 0 };
    const now = this.clock.now();
    let restored = 0;
    let timedOut = 0;
    for (const row of await this.persist.store.pendingApprovals()) {
      const pending = row.pending as unknown as PendingApproval & { answer?: Outcome };
      const { answer, ...approval } = pending;
      if (row.expiresAt <= now) {
        timedOut++;
        this.write((s) => s.deletePendingApproval(row.callbackId, row.kind));
        this.persist.logger?.info({ event: 'approval_expired_while_down', kind: row.kind, callbackId: row.callbackId, agentId: row.agentId }, 'approvals: its deadline passed while the service was down');
        if (!answer) this.emit({ type: row.kind === 'agent_preview' ? 'PREVIEW_ANSWERED' : 'CONFIRM_ANSWERED', at: now, approval: approval as PendingApproval, outcome: 'TIMEOUT' });
        continue;
      }
      restored++;
      if (answer) this.hold(approval as PendingApproval, answer);
      else if (approval.kind === 'agent_preview') this.track(this.previews, approval, row.expiresAt - now, 'PREVIEW_ANSWERED', true);
      else this.track(this.confirms, approval as PendingConfirm, row.expiresAt - now, 'CONFIRM_ANSWERED', true);
    }
    if (restored + timedOut > 0) this.persist.logger?.info({ event: 'approvals_restored', restored, timedOut }, 'approvals: pending previews and confirmations taken back from the store');
    return { restored, timedOut };
  }

  /** resolves once the writes to the store made so far are done */
  async written(): Promise<void> {
    await this.writes;
  }

  /**
   * the service stops: what is pending stays in the store for the next start (the attempts aborted by the
   * shutdown do not remove it), and the restored ones' timers stop
   */
  async close(): Promise<void> {
    this.writing = false;
    for (const map of [this.previews, this.confirms] as Map<string, Waiting<PendingApproval, Outcome>>[]) {
      for (const [id, w] of map) {
        if (!w.restored) continue; // an attempt waits on it: the attempt's abort settles it
        w.timer?.cancel();
        map.delete(id);
      }
    }
    for (const h of this.held.values()) h.timer.cancel();
    this.held.clear();
    await this.writes;
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

  private wait<P extends PendingApproval, O extends Outcome>(
    map: Map<string, Waiting<P, O>>,
    pending: P,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    offered: ApprovalEvent['type'],
    answered: ApprovalEvent['type'],
  ): Promise<O> {
    const sameAsked = (p: PendingApproval) => p.kind === 'user_confirm' || p.agentId === pending.agentId;
    // a restored approval answered meanwhile: its answer is this attempt's, when asked of the same agent / customer
    const key = `${pending.kind}:${pending.callbackId}`;
    const held = this.held.get(key);
    if (held) {
      this.held.delete(key);
      held.timer.cancel();
      this.write((s) => s.deletePendingApproval(pending.callbackId, pending.kind));
      if (sameAsked(held.pending)) return Promise.resolve(held.outcome as O);
    }
    const existing = map.get(pending.callbackId);
    // a restored one still waiting: this attempt takes it over, with its deadline; anything else is replaced
    const adopted = existing?.restored && sameAsked(existing.pending) ? existing : undefined;
    if (existing && !adopted) existing.settle('ABORTED' as O); // a newer attempt of the same callback replaces it
    return new Promise<O>((resolve) => {
      const w = adopted ?? this.track(map, pending, timeoutMs, answered, false);
      const onAbort = (): void => w.settle('ABORTED' as O);
      w.restored = false;
      w.onSettled = (outcome) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      if (!adopted) this.emit({ type: offered, at: pending.kind === 'agent_preview' ? pending.offeredAt : pending.requestedAt, approval: pending });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** an approval waiting for its answer until `timeoutMs` from now, kept in the store until it settles */
  private track<P extends PendingApproval, O extends Outcome>(map: Map<string, Waiting<P, O>>, pending: P, timeoutMs: number, answered: ApprovalEvent['type'], restored: boolean): Waiting<P, O> {
    let done = false;
    const w: Waiting<P, O> = {
      pending,
      restored,
      onSettled: undefined,
      settle: (outcome: O): void => {
        if (done) return;
        done = true;
        w.timer?.cancel();
        if (map.get(pending.callbackId) === w) map.delete(pending.callbackId);
        if (w.restored && isAnswer(outcome)) this.hold(pending, outcome);
        else this.write((s) => s.deletePendingApproval(pending.callbackId, pending.kind));
        this.emit({ type: answered, at: this.clock.now(), approval: pending, outcome });
        w.onSettled?.(outcome);
      },
    };
    w.timer = this.timers.schedule(timeoutMs, () => w.settle('TIMEOUT' as O));
    map.set(pending.callbackId, w);
    if (!restored) this.write((s) => s.putPendingApproval(this.row(pending)));
    return w;
  }

  /** a restored approval's answer, kept (in the store too) for the callback's next attempt until its deadline */
  private hold(pending: PendingApproval, outcome: Outcome): void {
    const key = `${pending.kind}:${pending.callbackId}`;
    this.held.get(key)?.timer.cancel();
    const timer = this.timers.schedule(Math.max(0, pending.expiresAt - this.clock.now()), () => {
      this.held.delete(key);
      this.write((s) => s.deletePendingApproval(pending.callbackId, pending.kind));
    });
    this.held.set(key, { pending, outcome, timer });
    this.write((s) => s.putPendingApproval(this.row(pending, outcome)));
  }

  private row(pending: PendingApproval, answer?: Outcome): StoredApproval {
    return {
      callbackId: pending.callbackId,
      kind: pending.kind,
      agentId: pending.agentId,
      expiresAt: pending.expiresAt,
      pending: { ...pending, ...(answer ? { answer } : {}) } as unknown as Record<string, unknown>,
    };
  }

  /** one write to the store after the ones before (in order); a failure is logged, not thrown */
  private write(step: (store: ApprovalStore) => Promise<void>): void {
    const p = this.persist;
    if (!p || !this.writing) return;
    this.writes = this.writes.then(() =>
      step(p.store).catch((err: unknown) => p.logger?.error({ err, event: 'approval_write_failed' }, 'approvals: could not write a pending approval to the store')),
    );
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

import type { Logger } from 'pino';
import type { ApprovalSteps, AttemptResult, Dialer, DialRequest } from '../ports/dialer';
import type { QueuePort, ReservationHandle } from '../ports/queue';
import type { ApprovalBoard, ApprovalSubject } from './approvals';
import type { Clock } from '../time';

export interface ApprovingDialerDeps {
  inner: Dialer;
  queue: QueuePort;
  approvals: ApprovalBoard;
  /** longest wait for an agent to be reserved before the preview / confirmation */
  reserveTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Preview and user confirmation, in front of the dialer that places the call:
 *   reserve the target's agent → (agent preview) the agent accepts → (user confirmation) the customer
 *   confirms → the inner dialer calls the customer and connects them to that same agent.
 * An agent who rejects or lets the preview lapse is released (a lapse leaves them NOT_READY) and the
 * callback waits for the next agent (AGENT_UNAVAILABLE, not counted as a dial attempt). A customer who
 * declines ends the callback (USER_DECLINED); no answer in time is NO_CONFIRMATION, retried per policy.
 * Requests without either step go straight to the inner dialer.
 */
export class ApprovingDialer implements Dialer {
  constructor(private readonly d: ApprovingDialerDeps) {}

  get orphanedCallMs(): number | undefined {
    return this.d.inner.orphanedCallMs;
  }

  isReady(): boolean {
    return this.d.inner.isReady?.() ?? true;
  }

  async dial(req: DialRequest, signal: AbortSignal): Promise<AttemptResult> {
    const steps = req.approval;
    if (!steps || (!steps.agentPreview && !steps.userConfirm) || !this.d.queue.hasTarget(req.target)) return this.d.inner.dial(req, signal);
    const log = this.d.logger.child({ callbackId: req.callbackId, attemptId: req.attemptId, service: req.serviceName });
    const ended = (outcome: AttemptResult['outcome'], detail: string, agentId?: string): AttemptResult => ({
      outcome,
      detail,
      ...(agentId ? { agentId } : {}),
      endedAt: this.d.clock.now(),
    });

    // the callback waits for its agent as itself, from its place in line (see DialRequest.queuedSince)
    const contactId = req.callbackId;
    this.d.queue.enqueue({ contactId, kind: 'callback', target: req.target, enqueuedAt: req.queuedSince ?? this.d.clock.now() });
    const reservation = await this.d.queue.reserveAgentFor(contactId, { timeoutMs: this.d.reserveTimeoutMs, signal });
    if (!reservation) {
      this.d.queue.remove(contactId);
      log.info('no agent reserved for the preview / confirmation');
      return signal.aborted ? ended('FAILED', 'aborted') : ended('AGENT_UNAVAILABLE', 'no agent reserved before the dial');
    }
    // ours until it is handed to the inner dialer: refused, it is released here; anything thrown releases it
    try {
      const refused = await this.approve(req, steps, reservation, contactId, signal, log);
      if (refused) return refused;
    } catch (err) {
      reservation.release();
      throw err;
    }
    log.info({ agentId: reservation.agent.agentId, reservationId: reservation.reservationId }, 'approved; dialing the customer for the reserved agent');
    // the inner dialer owns the reservation from here (DialRequest.reservation)
    return this.d.inner.dial({ ...req, reservation }, signal);
  }

  /** the preview and/or the customer's confirmation; a refusal (the reservation released) or undefined */
  private async approve(req: DialRequest, steps: ApprovalSteps, reservation: ReservationHandle, contactId: string, signal: AbortSignal, log: Logger): Promise<AttemptResult | undefined> {
    const ended = (outcome: AttemptResult['outcome'], detail: string, agentId?: string): AttemptResult => ({
      outcome,
      detail,
      ...(agentId ? { agentId } : {}),
      endedAt: this.d.clock.now(),
    });
    const agentId = reservation.agent.agentId;
    const alog = log.child({ agentId, reservationId: reservation.reservationId });
    const subject: ApprovalSubject = {
      callbackId: req.callbackId,
      attemptId: req.attemptId,
      serviceName: req.serviceName,
      customerNumber: req.customerNumber,
      userData: req.userData,
      agentId,
    };

    if (steps.agentPreview) {
      alog.info({ timeoutSec: steps.agentPreview.timeoutSec }, 'preview offered to the agent');
      const answer = await this.d.approvals.offerPreview(subject, {
        timeoutMs: steps.agentPreview.timeoutSec * 1000,
        allowReject: steps.agentPreview.allowReject,
        signal,
      });
      alog.info({ answer }, 'preview answered');
      if (answer !== 'ACCEPTED') {
        reservation.release({ agentFault: answer === 'TIMEOUT' && steps.agentPreview.timeoutSetsNotReady });
        this.d.queue.remove(contactId);
        if (answer === 'ABORTED') return ended('FAILED', 'aborted during the preview', agentId);
        return ended('AGENT_UNAVAILABLE', answer === 'REJECTED' ? `agent ${agentId} rejected the preview` : `agent ${agentId} did not answer the preview in time`, agentId);
      }
      // the agent works on this callback from now on: the reservation no longer lapses (false: it lapsed
      // meanwhile; the dial still goes to this agent, whose state the queue already changed)
      reservation.confirm();
    }

    if (steps.userConfirm) {
      alog.info({ timeoutSec: steps.userConfirm.timeoutSec }, 'customer asked to confirm');
      const answer = await this.d.approvals.askCustomer(subject, { timeoutMs: steps.userConfirm.timeoutSec * 1000, signal });
      alog.info({ answer }, 'customer confirmation answered');
      if (answer !== 'CONFIRMED') {
        reservation.release();
        this.d.queue.remove(contactId);
        if (answer === 'ABORTED') return ended('FAILED', 'aborted while waiting for the customer', agentId);
        if (answer === 'DECLINED') return ended('USER_DECLINED', 'the customer declined the callback when the agent was ready', agentId);
        return ended('NO_CONFIRMATION', `the customer did not confirm within ${steps.userConfirm.timeoutSec} s`, agentId);
      }
    }

    return undefined;
  }
}

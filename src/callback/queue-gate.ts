import type { QueuePort } from '../ports/queue';
import type { DispatchGate } from './scheduler';
import type { ServiceSettings } from './service-options';
import type { CallbackRecord } from '../ports/callback-records';

/** What the gate needs from the queue: the port, plus its pacing answer. */
export interface PacingQueue extends QueuePort {
  /** may a callback waiting in `target` be dialed now (an agent is, or will shortly be, free for it)? */
  canDispatchCallback(target: string, contactId?: string): boolean;
  /** is a READY agent of `target` free now, beyond the contacts already connecting or being dialed? */
  hasFreeAgent(target: string): boolean;
}

/**
 * Callbacks wait in their target's queue like live callers (keeping the place they got when accepted),
 * and are dialed only when the queue says an agent can take them, so customers are not called back into a
 * long wait: immediate ones when the pacing rule expects an agent within the target's horizon, `_wait_for_agent`
 * ones only when an agent is free now (their attempt reserves it before the customer is called). Targets the
 * queue does not know are not paced.
 */
export class QueueDispatchGate implements DispatchGate {
  constructor(private readonly queue: PacingQueue) {}

  queued(c: Pick<CallbackRecord, 'id' | 'target' | 'acceptedAt'>): void {
    if (!this.queue.hasTarget(c.target)) return;
    this.queue.enqueue({ contactId: c.id, kind: 'callback', target: c.target, enqueuedAt: c.acceptedAt });
  }

  left(callbackId: string): void {
    this.queue.remove(callbackId);
  }

  canDispatch(c: Pick<CallbackRecord, 'id' | 'target'>, settings: Pick<ServiceSettings, 'waitForAgent'>): boolean {
    if (!this.queue.hasTarget(c.target)) return true;
    if (settings.waitForAgent && !this.queue.hasFreeAgent(c.target)) return false;
    return this.queue.canDispatchCallback(c.target, c.id);
  }
}

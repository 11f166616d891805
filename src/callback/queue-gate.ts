import type { QueuePort } from '../ports/queue';
import type { DispatchGate } from './scheduler';
import type { CallbackRecord } from './types';

/** What the gate needs from the queue: the port, plus its pacing answer. */
export interface PacingQueue extends QueuePort {
  /** may a callback waiting in `target` be dialed now (an agent is, or will shortly be, free for it)? */
  canDispatchCallback(target: string, contactId?: string): boolean;
}

/**
 * Callbacks wait in their target's queue like live callers (keeping the place they got when accepted),
 * and are dialed only when the queue says an agent can take them: `_wait_for_agent` callbacks and
 * immediate ones alike, so customers are not called back into a long wait. Targets the queue does not
 * know are not paced.
 */
export class QueueDispatchGate implements DispatchGate {
  constructor(private readonly queue: PacingQueue) {}

  queued(c: CallbackRecord): void {
    if (!this.queue.hasTarget(c.target)) return;
    this.queue.enqueue({ contactId: c.id, kind: 'callback', target: c.target, enqueuedAt: c.acceptedAt });
  }

  left(callbackId: string): void {
    this.queue.remove(callbackId);
  }

  canDispatch(c: CallbackRecord): boolean {
    if (!this.queue.hasTarget(c.target)) return true;
    return this.queue.canDispatchCallback(c.target, c.id);
  }
}

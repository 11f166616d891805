import type { Reservation, ReservationHandle } from '../ports/queue';
import { QueueError } from './errors';

/** the queue's operations on a reservation by id (QueueService; a test's fake queue) */
export interface ReservationEnds {
  /** throws a CONFLICT QueueError when the reservation is no longer waiting (lapsed, released) */
  confirm(reservationId: string): void;
  release(reservationId: string, opts?: { agentFault?: boolean }): void;
  callEnded(reservationId: string, opts?: { afterCallWorkSec?: number }): void;
}

/**
 * A reservation as its owner holds it: `confirm()` once the agent answers, then it ends exactly once —
 * `release()` (no call, or after a confirm: the call is over), `callEnded()`, or by lapsing in the queue.
 * Every method is idempotent, so the owner can `release()` in a `finally` whatever happened before.
 */
export function reservationHandle(r: Reservation, queue: ReservationEnds): ReservationHandle {
  let phase: 'reserved' | 'confirmed' | 'ended' = 'reserved';
  return {
    ...r,
    confirm(): boolean {
      if (phase !== 'reserved') return phase === 'confirmed';
      try {
        queue.confirm(r.reservationId);
      } catch (err) {
        if (!(err instanceof QueueError && err.code === 'CONFLICT')) throw err;
        phase = 'ended'; // lapsed meanwhile: the queue already freed the agent
        return false;
      }
      phase = 'confirmed';
      return true;
    },
    release(opts?: { agentFault?: boolean }): void {
      if (phase === 'ended') return;
      phase = 'ended';
      queue.release(r.reservationId, opts);
    },
    callEnded(opts?: { afterCallWorkSec?: number }): void {
      if (phase === 'ended') return;
      phase = 'ended';
      queue.callEnded(r.reservationId, opts);
    },
  };
}

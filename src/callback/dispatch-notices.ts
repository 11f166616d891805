import type { CallbackRecord } from '../ports/callback-records';

/** What the scheduler must hear from the callback service. */
export interface SchedulerHooks {
  /** a callback became due at `at` (wake the scheduler if it sleeps longer) */
  due(at: number): void;
  /** cancel the attempt running for this callback, if any; resolves when it has stopped (or was not running) */
  cancelRunning(callbackId: string): Promise<boolean>;
  /** the callback completed or left the queue: drop it from the target's queue */
  left(callback: CallbackRecord): void;
}

/**
 * The callback service's notices to whoever dispatches its callbacks, published the way the store publishes
 * its commits (`Store.onCommitted`): the service is built with the core, before any dialer exists; the
 * scheduler, built once the dialer is, listens from its construction until it closes. Without a listener
 * a notice goes nowhere (and a cancel finds nothing running).
 */
export class DispatchNotices implements SchedulerHooks {
  private listener: SchedulerHooks | undefined;

  /** this process's scheduler hears the notices from now on; returns the way to stop */
  listen(scheduler: SchedulerHooks): () => void {
    this.listener = scheduler;
    return () => {
      if (this.listener === scheduler) this.listener = undefined;
    };
  }

  due(at: number): void {
    this.listener?.due(at);
  }

  cancelRunning(callbackId: string): Promise<boolean> {
    return this.listener ? this.listener.cancelRunning(callbackId) : Promise.resolve(false);
  }

  left(callback: CallbackRecord): void {
    this.listener?.left(callback);
  }
}

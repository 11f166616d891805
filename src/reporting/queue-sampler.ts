import type { Logger } from 'pino';
import type { QueueSample, Store } from '../store/store';
import { systemClock, type Clock } from '../time';

/** What the sampler reads of a target now (QueueService gives it; see compose.ts): a sample but its time. */
export type TargetSnapshot = Omit<QueueSample, 'at'>;

export interface QueueSamplerOptions {
  store: Store;
  snapshot: () => TargetSnapshot[];
  /** seconds between samples */
  everySec: number;
  /** samples older than this are dropped (checked once an hour) */
  retainHours: number;
  clock?: Clock;
  logger: Logger;
}

/**
 * Keeps the queue's history for the supervisor's chart: every `everySec` it stores each target's waiting
 * count, EWT and agents, and drops what is older than `retainHours`. The history survives restarts
 * (it is in the store); a failed write is logged and the next sample goes on.
 */
export class QueueSampler {
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private readonly clock: Clock;

  constructor(private readonly o: QueueSamplerOptions) {
    this.clock = o.clock ?? systemClock;
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.o.everySec * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** take one sample now (also used by tests) */
  async sample(): Promise<QueueSample[]> {
    const at = this.clock.now();
    try {
      const rows: QueueSample[] = this.o.snapshot().map((t) => ({ at, ...t, ewtSec: Math.round(t.ewtSec * 10) / 10 }));
      await this.o.store.addQueueSamples(rows);
      if (at - this.lastPrune >= 3_600_000) {
        this.lastPrune = at;
        const dropped = await this.o.store.pruneQueueSamples(at - this.o.retainHours * 3_600_000);
        if (dropped > 0) this.o.logger.info({ dropped, retainHours: this.o.retainHours }, 'old queue samples dropped');
      }
      return rows;
    } catch (err) {
      this.o.logger.warn({ err }, 'queue sample not stored');
      return [];
    }
  }
}

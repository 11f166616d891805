import type { TimerHandle, TimerScheduler } from '../time';

export interface LivenessOptions {
  /** time between two checks, from the end of the last one */
  intervalMs: number;
  /** a check not answered in this time means the server is frozen */
  timeoutMs: number;
}

export const DEFAULT_LIVENESS: LivenessOptions = { intervalMs: 2000, timeoutMs: 5000 };

/**
 * A connection that stays open while its server is frozen (SIGSTOP, a hung process, a dead host behind a
 * half-open TCP connection) tells nothing by itself: this asks `ping` every `intervalMs` and calls `onDead`
 * once when an answer takes longer than `timeoutMs` or the ping fails. `stop()` ends the checks.
 */
export class LivenessCheck {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly ping: () => Promise<unknown>,
    private readonly onDead: (why: string) => void,
    private readonly timers: TimerScheduler,
    private readonly o: LivenessOptions = DEFAULT_LIVENESS,
  ) {}

  start(): void {
    this.next();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private next(): void {
    if (this.stopped) return;
    this.timer = this.timers.schedule(this.o.intervalMs, () => this.check());
  }

  private check(): void {
    if (this.stopped) return;
    let settled = false;
    const deadline = this.timers.schedule(this.o.timeoutMs, () => {
      if (settled) return;
      settled = true;
      this.dead(`no answer to a liveness check within ${this.o.timeoutMs} ms`);
    });
    this.timer = deadline;
    this.ping().then(
      () => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        this.next();
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        deadline.cancel();
        this.dead(`liveness check failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  private dead(why: string): void {
    if (this.stopped) return;
    this.stop();
    this.onDead(why);
  }
}

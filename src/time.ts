/**
 * Time, in one place: what time it is (`Clock`) and running something later (`TimerScheduler`).
 * Everything that reads the time or waits takes these injected, so tests and the simulator run on
 * `VirtualTime` instead of sleeping.
 */

/** Time source, injected so tests control it. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface TimerHandle {
  cancel(): void;
}

/** Schedules callbacks; injected so tests and the simulator run on virtual time. */
export interface TimerScheduler {
  schedule(delayMs: number, fn: () => void): TimerHandle;
}

export const systemTimers: TimerScheduler = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time: a clock and a timer scheduler that only move when told to. Timers fire in time order
 * (equal times in the order they were scheduled). A binary heap keeps it fast for the simulator.
 */
export class VirtualTime implements Clock, TimerScheduler {
  private t: number;
  private seq = 0;
  private readonly heap: PendingTimer[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const timer: PendingTimer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** timers not yet fired or cancelled */
  get pending(): number {
    return this.heap.filter((x) => !x.cancelled).length;
  }

  /** time of the next live timer, or undefined */
  nextAt(): number | undefined {
    while (this.heap.length && this.heap[0]!.cancelled) this.pop();
    return this.heap[0]?.at;
  }

  /** fire the next timer (moving the clock to it); false when none is left */
  step(): boolean {
    const at = this.nextAt();
    if (at === undefined) return false;
    const timer = this.pop()!;
    this.t = Math.max(this.t, at);
    timer.fn();
    return true;
  }

  /** move the clock forward by `ms`, firing every timer due on the way */
  advance(ms: number): void {
    this.runUntil(this.t + ms);
  }

  runUntil(untilMs: number): void {
    for (let at = this.nextAt(); at !== undefined && at <= untilMs; at = this.nextAt()) this.step();
    this.t = Math.max(this.t, untilMs);
  }

  private before(a: PendingTimer, b: PendingTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(x: PendingTimer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): PendingTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

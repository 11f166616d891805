/**
 * Fixed-window counters kept in memory: per API client per minute. (Per-number limits are counted
 * in the store, so they survive restarts.) Windows older than the current one are dropped lazily.
 */
export class WindowRateLimiter {
  private readonly counts = new Map<string, { window: number; n: number }>();

  constructor(private readonly windowMs: number) {}

  /** count one hit; false when `key` is already at `limit` in the current window */
  tryHit(key: string, limit: number, now: number): boolean {
    const window = Math.floor(now / this.windowMs);
    const entry = this.counts.get(key);
    if (!entry || entry.window !== window) {
      if (this.counts.size > 100_000) this.prune(window);
      this.counts.set(key, { window, n: 1 });
      return true;
    }
    if (entry.n >= limit) return false;
    entry.n += 1;
    return true;
  }

  /** ms until the current window ends */
  retryAfterMs(now: number): number {
    return this.windowMs - (now % this.windowMs);
  }

  private prune(window: number): void {
    for (const [k, v] of this.counts) if (v.window !== window) this.counts.delete(k);
  }
}

import type { Clock } from '../time';

/** a token bucket's size and refill: `burst` requests at once, then `perSec` a second */
export interface RateLimit {
  perSec: number;
  burst: number;
}

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Requests per source (an address): a token bucket each, so a flood from one address is refused (503 with
 * Retry-After) while every other source goes on. The map is bounded: past `maxSources` the least recently
 * seen source is forgotten (it starts again with a full bucket).
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
    private readonly maxSources = 50_000,
  ) {}

  take(source: string): RateVerdict {
    const now = this.clock.now();
    const b = this.buckets.get(source) ?? { tokens: this.limit.burst, at: now };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSec);
    b.at = now;
    // most recently seen last, so the first key is the one to forget
    this.buckets.delete(source);
    this.buckets.set(source, b);
    if (this.buckets.size > this.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / this.limit.perSec) * 1000) };
  }

  /** sources tracked now (tests, and a bound check) */
  get size(): number {
    return this.buckets.size;
  }
}

/** Retry-After in whole seconds, at least 1 */
export const retryAfterSec = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));

import { DomainError } from '../errors';
import type { Clock } from '../time';

/**
 * One policy for every way a secret is tried: agent sign-in, API keys (admin ones too), SIP REGISTER digests.
 * Failures are counted per account (the secret's owner: `agent:alice`, `key:ivr`) and per source (the
 * client's address). After `freeFailures` failures in a row, each further attempt must wait a delay that
 * doubles with every failure (`baseDelayMs` .. `maxDelayMs`); after `lockoutAfter` failures the key is locked
 * for `lockoutMs`, doubled at each further lockout (at most a day). A success clears the account's count, not
 * the source's (one valid account must not let a source guess the others). A key quiet for `forgetAfterMs`
 * starts over.
 */
export interface ThrottleLimits {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  lockoutAfter: number;
  lockoutMs: number;
}

export interface ThrottlePolicy {
  account: ThrottleLimits;
  /** a source holds many accounts (a contact center behind one NAT): its limits are looser */
  source: ThrottleLimits;
  forgetAfterMs: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  account: { freeFailures: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, lockoutAfter: 10, lockoutMs: 15 * 60_000 },
  source: { freeFailures: 20, baseDelayMs: 1_000, maxDelayMs: 60_000, lockoutAfter: 100, lockoutMs: 15 * 60_000 },
  forgetAfterMs: 60 * 60_000,
};

/** which door the secret was tried at (a metric label) */
export type SignInKind = 'agent' | 'api-key' | 'sip-register' | 'sip-invite';

export interface SignInAttempt {
  kind: SignInKind;
  /** the owner of the secret, when the attempt names one (`agent:alice`, `key:ivr`) */
  account?: string;
  /** the client's address */
  source: string;
}

export interface Refusal {
  retryAfterMs: number;
  scope: 'account' | 'source';
  reason: 'backoff' | 'lockout';
}

export interface ThrottleEvents {
  /** a wrong secret was counted; `lockedOut` when this failure started a lockout */
  onFailure?(attempt: SignInAttempt, failures: { account?: number; source: number }, lockedOut: Refusal['scope'] | undefined): void;
  /** an attempt was refused before its secret was checked */
  onRefused?(attempt: SignInAttempt, refusal: Refusal): void;
}

interface Entry {
  failures: number;
  lockouts: number;
  lastFailureAt: number;
  /** no attempt before this time */
  blockedUntil: number;
  locked: boolean;
}

const MAX_LOCKOUT_MS = 24 * 3600_000;
const MAX_ENTRIES = 100_000;

export class SignInThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly clock: Clock,
    private readonly events: ThrottleEvents = {},
  ) {}

  /** undefined when the attempt may check its secret now; else why not and for how long */
  refusal(attempt: SignInAttempt): Refusal | undefined {
    const now = this.clock.now();
    for (const [scope, key] of this.keysOf(attempt)) {
      const e = this.live(key, now);
      if (e && e.blockedUntil > now) {
        const refusal: Refusal = { retryAfterMs: e.blockedUntil - now, scope, reason: e.locked ? 'lockout' : 'backoff' };
        this.events.onRefused?.(attempt, refusal);
        return refusal;
      }
    }
    return undefined;
  }

  failed(attempt: SignInAttempt): void {
    const now = this.clock.now();
    const counts: { account?: number; source: number } = { source: 0 };
    let lockedOut: Refusal['scope'] | undefined;
    for (const [scope, key] of this.keysOf(attempt)) {
      const limits = this.policy[scope];
      const e = this.live(key, now) ?? this.create(key);
      e.failures += 1;
      e.lastFailureAt = now;
      e.locked = false;
      if (e.failures >= limits.lockoutAfter) {
        e.lockouts += 1;
        e.locked = true;
        e.blockedUntil = now + Math.min(limits.lockoutMs * 2 ** (e.lockouts - 1), MAX_LOCKOUT_MS);
        // after the lockout, the next failures back off again before the next lockout
        e.failures = limits.freeFailures;
        lockedOut ??= scope;
      } else if (e.failures >= limits.freeFailures) {
        e.blockedUntil = now + Math.min(limits.baseDelayMs * 2 ** (e.failures - limits.freeFailures), limits.maxDelayMs);
      }
      if (scope === 'account') counts.account = e.failures;
      else counts.source = e.failures;
    }
    this.events.onFailure?.(attempt, counts, lockedOut);
  }

  succeeded(attempt: SignInAttempt): void {
    if (attempt.account !== undefined) this.entries.delete(`a:${attempt.account}`);
  }

  /** failures counted now for an account (tests, the admin's view) */
  failuresOf(account: string): number {
    return this.live(`a:${account}`, this.clock.now())?.failures ?? 0;
  }

  private keysOf(a: SignInAttempt): ['account' | 'source', string][] {
    const keys: ['account' | 'source', string][] = [];
    if (a.account !== undefined) keys.push(['account', `a:${a.account}`]);
    keys.push(['source', `s:${a.source}`]);
    return keys;
  }

  private live(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.blockedUntil <= now && now - e.lastFailureAt > this.policy.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  private create(key: string): Entry {
    if (this.entries.size >= MAX_ENTRIES) this.prune();
    const e: Entry = { failures: 0, lockouts: 0, lastFailureAt: 0, blockedUntil: 0, locked: false };
    this.entries.set(key, e);
    return e;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const key of [...this.entries.keys()]) this.live(key, now);
    // still full: drop the oldest (Map keeps insertion order); an attacker flooding sources loses their counts first
    for (const key of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES * 0.9) break;
      this.entries.delete(key);
    }
  }
}

/** thrown by the HTTP side when an attempt is refused: 429 with Retry-After */
export class TooManyAttemptsError extends DomainError {
  readonly retryAfterSec: number;
  constructor(refusal: Refusal) {
    super(
      'RATE_LIMITED',
      refusal.reason === 'lockout'
        ? `too many failed sign-in attempts: locked for ${Math.ceil(refusal.retryAfterMs / 1000)} s`
        : `too many failed sign-in attempts: retry in ${Math.ceil(refusal.retryAfterMs / 1000)} s`,
    );
    this.retryAfterSec = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  }
}

/** the config file's limits (seconds) as a policy; missing parts keep the defaults */
export function throttlePolicyFrom(c: {
  account?: { freeFailures: number; baseDelaySec: number; maxDelaySec: number; lockoutAfter: number; lockoutSec: number };
  source?: { freeFailures: number; baseDelaySec: number; maxDelaySec: number; lockoutAfter: number; lockoutSec: number };
  forgetAfterSec: number;
}): ThrottlePolicy {
  const limits = (l: NonNullable<typeof c.account> | undefined, d: ThrottleLimits): ThrottleLimits =>
    l ? { freeFailures: l.freeFailures, baseDelayMs: l.baseDelaySec * 1000, maxDelayMs: l.maxDelaySec * 1000, lockoutAfter: l.lockoutAfter, lockoutMs: l.lockoutSec * 1000 } : d;
  return {
    account: limits(c.account, DEFAULT_THROTTLE_POLICY.account),
    source: limits(c.source, DEFAULT_THROTTLE_POLICY.source),
    forgetAfterMs: c.forgetAfterSec * 1000,
  };
}

import type { SignInAttempt, SignInThrottle } from '../security/sign-in-throttle';
import type { Clock } from '../time';
import type { AccessSettings, LimitSettings } from './config';
import { challenge, NonceIssuer, verifyDigest } from './digest';
import { AddressList, SoftphoneSources } from './sip-access';
import type { SipRefusal } from './sip-events';
import { retryAfterSec, SourceRateLimiter } from './sip-limits';

/** what the guard needs of a request (drachtio-srf's SrfRequest has it all) */
export interface RequestFacts {
  /** the peer's address and port, as drachtio-server received the request */
  source: string;
  port: number | string;
  /** udp, tcp, tls, ws, wss */
  protocol: string;
  /** the whole message (start line, headers, body), bytes */
  size: number;
  authorization?: string;
}

export type GuardVerdict =
  | { ok: true; via: 'trunk' | 'digest' | 'any' }
  | { ok: false; status: number; reasonPhrase?: string; kind?: SipRefusal; headers?: Record<string, string>; why: string };

/**
 * The checks an INVITE or a REGISTER passes before the service does anything with it (issue 15 §3, §4):
 *
 * INVITE: a source that is not a trunk is rate limited (503 + Retry-After); an agent's softphone (a
 * WebSocket, or the address:port a softphone registered from) may not call through the service (403);
 * a trunk's address is taken; from anywhere else only with `inviteAuth` digest credentials (401 challenge,
 * 403 when wrong, counted in the sign-in throttle), else 403; bigger than `maxMessageBytes`: 413.
 * REGISTER: rate limited per source, whoever sends it (503 + Retry-After); too big: 413.
 */
export class SipGuard {
  private readonly trunks: AddressList;
  private readonly inviteLimiter: SourceRateLimiter;
  private readonly registerLimiter: SourceRateLimiter;
  private readonly nonces: NonceIssuer;

  constructor(
    private readonly access: AccessSettings,
    limits: Pick<LimitSettings, 'invite' | 'register'>,
    readonly softphones: SoftphoneSources,
    clock: Clock,
    private readonly throttle?: SignInThrottle,
  ) {
    this.trunks = new AddressList(access.trunks, 'telephony.access.trunks');
    this.inviteLimiter = new SourceRateLimiter(limits.invite, clock);
    this.registerLimiter = new SourceRateLimiter(limits.register, clock);
    this.nonces = new NonceIssuer(300_000, clock);
  }

  isTrunk(address: string): boolean {
    return this.trunks.has(address);
  }

  invite(f: RequestFacts): GuardVerdict {
    const trunk = this.trunks.has(f.source);
    if (!trunk) {
      const rate = this.inviteLimiter.take(f.source);
      if (!rate.ok) return { ok: false, status: 503, kind: 'invite_rate_limited', headers: { 'Retry-After': retryAfterSec(rate.retryAfterMs) }, why: 'too many INVITEs from this source' };
    }
    if (f.protocol === 'ws' || f.protocol === 'wss' || this.softphones.has(f.source, f.port)) {
      return { ok: false, status: 403, reasonPhrase: 'Agents Cannot Call Out', kind: 'agent_dial_out', why: "an agent's softphone tried to call through the service" };
    }
    if (f.size > this.access.maxMessageBytes) return { ok: false, status: 413, kind: 'oversized', why: `message of ${f.size} bytes (at most ${this.access.maxMessageBytes})` };
    if (!(this.access.inviteTransports as readonly string[]).includes(f.protocol)) {
      return { ok: false, status: 403, reasonPhrase: 'Use TLS', kind: 'transport_not_allowed', why: `INVITE over ${f.protocol || 'an unknown transport'} (telephony.access.inviteTransports: ${this.access.inviteTransports.join(', ')})` };
    }
    if (trunk) return { ok: true, via: 'trunk' };
    const auth = this.access.inviteAuth;
    if (!auth) return { ok: false, status: 403, kind: 'source_not_allowed', why: 'source is not a trunk (telephony.access.trunks)' };
    const user = /username\s*=\s*"([^"]*)"/i.exec(f.authorization ?? '')?.[1];
    const attempt: SignInAttempt = { kind: 'sip-invite', ...(user !== undefined ? { account: `trunk:${user}` } : {}), source: f.source };
    // while locked out, credentials are not even checked
    const refusal = user !== undefined ? this.throttle?.refusal(attempt) : undefined;
    if (refusal) return { ok: false, status: 403, reasonPhrase: 'Too Many Failed Attempts', kind: 'invite_auth_failed', headers: { 'Retry-After': retryAfterSec(refusal.retryAfterMs) }, why: 'locked out after wrong credentials' };
    const v = verifyDigest(f.authorization, 'INVITE', auth.realm, (u) => auth.users[u], this.nonces);
    if (v.ok) {
      this.throttle?.succeeded(attempt);
      return { ok: true, via: 'digest' };
    }
    if (v.reason === 'no credentials' || v.stale || v.reason === 'nonce not ours') {
      return { ok: false, status: 401, headers: { 'WWW-Authenticate': challenge(auth.realm, this.nonces.issue(), v.stale) }, why: v.reason };
    }
    if (v.reason === 'wrong password' || v.reason.startsWith('unknown user')) this.throttle?.failed(attempt);
    return { ok: false, status: 403, kind: 'invite_auth_failed', why: v.reason };
  }

  register(f: RequestFacts): GuardVerdict {
    const rate = this.registerLimiter.take(f.source);
    if (!rate.ok) return { ok: false, status: 503, kind: 'register_rate_limited', headers: { 'Retry-After': retryAfterSec(rate.retryAfterMs) }, why: 'too many REGISTERs from this source' };
    if (f.size > this.access.maxMessageBytes) return { ok: false, status: 413, kind: 'oversized', why: `message of ${f.size} bytes (at most ${this.access.maxMessageBytes})` };
    return { ok: true, via: 'any' };
  }
}

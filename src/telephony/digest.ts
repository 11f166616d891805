import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../time';

/**
 * HTTP digest authentication for SIP REGISTER (RFC 2617 MD5, qop=auth or none, as RFC 3261 §22 uses it).
 * Nonces are stateless: a timestamp signed with a per-process key, valid for `nonceTtlMs`.
 */
export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function parseDigest(header: string | undefined): DigestCredentials | null {
  if (!header || !/^\s*Digest\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  const re = /([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g;
  for (let m = re.exec(header); m; m = re.exec(header)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  if (!out.username || !out.realm || !out.nonce || !out.uri || !out.response) return null;
  return out as unknown as DigestCredentials;
}

export function digestResponse(c: Omit<DigestCredentials, 'response'>, password: string, method: string): string {
  const ha1 = md5(`${c.username}:${c.realm}:${password}`);
  const ha2 = md5(`${method}:${c.uri}`);
  return c.qop ? md5(`${ha1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:${c.qop}:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
}

export class NonceIssuer {
  private readonly key = randomBytes(32);
  constructor(
    private readonly ttlMs = 300_000,
    private readonly clock: Clock = systemClock,
  ) {}

  issue(): string {
    const ts = this.clock.now().toString(36);
    return `${ts}.${createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22)}`;
  }

  /** 'ok', 'stale' (ours, expired: the client retries with the new nonce) or 'bad' */
  check(nonce: string): 'ok' | 'stale' | 'bad' {
    const [ts, sig] = nonce.split('.');
    if (!ts || !sig) return 'bad';
    const want = createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22);
    if (want.length !== sig.length || !timingSafeEqual(Buffer.from(want), Buffer.from(sig))) return 'bad';
    return this.clock.now() - parseInt(ts, 36) > this.ttlMs ? 'stale' : 'ok';
  }
}

export type DigestVerdict = { ok: true; username: string } | { ok: false; stale: boolean; reason: string };

export function verifyDigest(header: string | undefined, method: string, realm: string, passwordOf: (user: string) => string | undefined, nonces: NonceIssuer): DigestVerdict {
  const c = parseDigest(header);
  if (!c) return { ok: false, stale: false, reason: 'no credentials' };
  if (c.realm !== realm) return { ok: false, stale: false, reason: `wrong realm ${c.realm}` };
  if (c.algorithm && c.algorithm.toUpperCase() !== 'MD5') return { ok: false, stale: false, reason: `unsupported algorithm ${c.algorithm}` };
  const pw = passwordOf(c.username);
  if (pw === undefined) return { ok: false, stale: false, reason: `unknown user ${c.username}` };
  const n = nonces.check(c.nonce);
  if (n === 'bad') return { ok: false, stale: false, reason: 'nonce not ours' };
  const want = digestResponse(c, pw, method);
  if (want.length !== c.response.length || !timingSafeEqual(Buffer.from(want), Buffer.from(c.response.toLowerCase()))) return { ok: false, stale: false, reason: 'wrong password' };
  if (n === 'stale') return { ok: false, stale: true, reason: 'nonce expired' };
  return { ok: true, username: c.username };
}

export const challenge = (realm: string, nonce: string, stale: boolean): string =>
  `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import { VirtualTime } from '../../src/time';
import { digestResponse } from '../../src/telephony/digest';
import { handleRegister } from '../../src/telephony/registrar';
import { ADMIN_KEY, IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

const T0 = Date.parse('2026-12-04T12:00:00.000Z');
const throttle = {
  account: { freeFailures: 3, baseDelaySec: 1, maxDelaySec: 60, lockoutAfter: 6, lockoutSec: 900 },
  source: { freeFailures: 10, baseDelaySec: 1, maxDelaySec: 60, lockoutAfter: 40, lockoutSec: 900 },
  forgetAfterSec: 3600,
};

describe('sign-in throttling over HTTP and SIP REGISTER (injected clock)', () => {
  let t: RunningApp;
  let vt: VirtualTime;
  let logs: string[];
  let closeQueue: () => void;

  beforeEach(async () => {
    vt = new VirtualTime(T0);
    logs = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
    const { queue, agents } = queueWithAgents([{ id: 'alice', password: 'alice-right-pw' }, { id: 'bob', password: 'bob-right-pw' }]);
    closeQueue = () => queue.close();
    t = await startApp({ security: { throttle } } as never, { agents }, { clock: vt, logger: pino({ level: 'info' }, sink) });
  });
  afterEach(async () => {
    await t.close();
    closeQueue();
  });

  const signIn = (agentId: string, password: string) => t.call('POST', '/api/v1/agent/sessions', { agentId, password }, { key: null });
  const metric = async (line: string) => {
    const text = (await t.call('GET', '/metrics', undefined, { key: null })).text;
    return Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').at(-1) ?? 0);
  };

  it('agent sign-in: free failures, then 429 with a doubling Retry-After, then a lockout the right password does not lift', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await signIn('alice', `guess-${i}`)).status, 401);
    let r = await signIn('alice', 'alice-right-pw');
    assert.equal(r.status, 429, 'backing off: even the right password waits');
    assert.equal(r.headers.get('retry-after'), '1');
    vt.advance(1000);
    assert.equal((await signIn('alice', 'guess-3')).status, 401);
    r = await signIn('alice', 'guess-4');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    vt.advance(2000);
    assert.equal((await signIn('alice', 'guess-4')).status, 401);
    vt.advance(4000);
    assert.equal((await signIn('alice', 'guess-5')).status, 401, 'the 6th failure locks the account');
    vt.advance(60_000);
    r = await signIn('alice', 'alice-right-pw');
    assert.equal(r.status, 429, 'locked');
    assert.equal(r.headers.get('retry-after'), String(900 - 60));
    assert.match(r.json.message, /locked/);
    // another agent from the same address is not held back (the source has 6 failures of 10)
    assert.equal((await signIn('bob', 'bob-right-pw')).status, 200);
    vt.advance(840_000);
    assert.equal((await signIn('alice', 'alice-right-pw')).status, 200, 'the lockout is over');

    assert.equal(await metric('auth_failures_total{kind="agent"}'), 6);
    assert.equal(await metric('auth_lockouts_total{kind="agent",scope="account"}'), 1);
    assert.ok((await metric('auth_throttled_total{kind="agent",scope="account",reason="lockout"}')) >= 1);
    assert.ok((await metric('auth_throttled_total{kind="agent",scope="account",reason="backoff"}')) >= 2);
    const failed = logs.filter((l) => l.includes('sign-in'));
    assert.ok(failed.some((l) => l.includes('"account":"agent:alice"') && l.includes('"source":"127.0.0.1"')), failed.join(''));
    assert.ok(failed.some((l) => l.includes('locked out')));
    assert.ok(!logs.some((l) => l.includes('guess-') || l.includes('alice-right-pw')), 'no password in any log line');
  });

  it('API keys: wrong keys from one address back off per source; a basic-auth client id backs off per account', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await t.call('GET', '/admin/v1/services', undefined, { key: `wrong-key-${i}` })).status, 401);
    const r = await t.call('GET', '/admin/v1/services', undefined, { key: ADMIN_KEY });
    assert.equal(r.status, 429, 'the source is backing off: a right key waits too (no oracle for guesses)');
    assert.equal(r.headers.get('retry-after'), '1');
    vt.advance(1000);
    assert.equal((await t.call('GET', '/admin/v1/services', undefined, { key: ADMIN_KEY })).status, 200);
    assert.equal(await metric('auth_failures_total{kind="api-key"}'), 10);
    assert.ok(!logs.some((l) => l.includes('wrong-key-')), 'no key in any log line');

    const basic = (id: string, key: string) =>
      fetch(`${t.url}/api/v1/reports/callbacks`, { headers: { authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` } });
    vt.advance(3600_001); // the source's count is forgotten
    for (let i = 0; i < 3; i++) assert.equal((await basic('ivr', `nope-${i}`)).status, 401);
    const held = await basic('ivr', IVR_KEY);
    assert.equal(held.status, 429);
    assert.ok(logs.some((l) => l.includes('"account":"key:ivr"')));
  });

  it('SIP REGISTER digests count in the same policy: wrong REGISTER passwords hold back the agent page sign-in, and 403 + Retry-After while throttled', async () => {
    let onRegister: ((req: Srf.SrfRequest, res: Srf.SrfResponse) => void) | undefined;
    const srf = { use: (_m: string, fn: typeof onRegister) => void (onRegister = fn) } as unknown as Srf;
    const sent: { status: number; headers: Record<string, string> }[] = [];
    handleRegister(
      srf,
      { enabled: true, realm: 'cc', users: {}, minExpiresSec: 60, maxExpiresSec: 3600 } as never,
      (id) => (id === 'alice' ? 'alice-right-pw' : undefined),
      { setRegistration: () => undefined, clearRegistration: () => undefined },
      pino({ level: 'silent' }),
      vt,
      t.app.throttle,
    );
    const register = (authorization?: string) => {
      const headers: Record<string, string> = { 'call-id': 'reg-1', contact: '<sip:alice@192.0.2.7:5060>' };
      if (authorization) headers.authorization = authorization;
      const req = {
        source_address: '192.0.2.7',
        get: (h: string) => headers[h.toLowerCase()] ?? '',
        has: (h: string) => h.toLowerCase() in headers,
        getParsedHeader: () => [{ uri: 'sip:alice@192.0.2.7:5060' }],
      } as unknown as Srf.SrfRequest;
      let status = 0;
      let hdrs: Record<string, string> = {};
      const res = {
        send: (s: number, a?: unknown, b?: unknown) => {
          status = s;
          const opts = (typeof a === 'object' ? a : b) as { headers?: Record<string, string> } | undefined;
          hdrs = opts?.headers ?? {};
        },
      } as unknown as Srf.SrfResponse;
      onRegister!(req, res);
      sent.push({ status, headers: hdrs });
      return { status, headers: hdrs };
    };
    const answer = (challenge: { headers: Record<string, string> }, password: string) => {
      const nonce = /nonce="([^"]+)"/.exec(challenge.headers['WWW-Authenticate']!)![1]!;
      const c = { username: 'alice', realm: 'cc', nonce, uri: 'sip:cc', qop: 'auth', nc: '00000001', cnonce: 'x' };
      return `Digest username="alice", realm="cc", nonce="${nonce}", uri="sip:cc", qop=auth, nc=00000001, cnonce="x", response="${digestResponse(c, password, 'REGISTER')}", algorithm=MD5`;
    };
    const challenge = register();
    assert.equal(challenge.status, 401, 'a first REGISTER is challenged and not counted');
    for (let i = 0; i < 3; i++) assert.equal(register(answer(challenge, `wrong-${i}`)).status, 401);
    const refused = register(answer(challenge, 'alice-right-pw'));
    assert.equal(refused.status, 403);
    assert.equal(refused.headers['Retry-After'], '1');
    assert.equal((await signIn('alice', 'alice-right-pw')).status, 429, 'the same account on the agent page is backing off');
    vt.advance(1000);
    assert.equal(register(answer(challenge, 'alice-right-pw')).status, 200);
    assert.equal(t.app.throttle.failuresOf('agent:alice'), 0, 'a right digest clears the account');
    assert.equal(await metric('auth_failures_total{kind="sip-register"}'), 3);
  });
});

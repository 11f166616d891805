import assert from 'node:assert/strict';
import { SignInThrottle, type SignInAttempt, type ThrottlePolicy } from '../../../src/security/sign-in-throttle';
import { VirtualTime } from '../../../src/time';

const POLICY: ThrottlePolicy = {
  account: { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, lockoutAfter: 8, lockoutMs: 600_000 },
  source: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 8000, lockoutAfter: 12, lockoutMs: 600_000 },
  forgetAfterMs: 3600_000,
};

describe('SignInThrottle (one policy for every door)', () => {
  let vt: VirtualTime;
  let throttle: SignInThrottle;
  const alice: SignInAttempt = { kind: 'agent', account: 'agent:alice', source: '192.0.2.1' };

  beforeEach(() => {
    vt = new VirtualTime(1_000_000);
    throttle = new SignInThrottle(POLICY, vt);
  });

  /** fail once after waiting out any refusal; returns the wait it had to do */
  const failAfterWaiting = (a: SignInAttempt): number => {
    const r = throttle.refusal(a);
    if (r) vt.advance(r.retryAfterMs);
    throttle.failed(a);
    return r?.retryAfterMs ?? 0;
  };

  it('answers the free failures at once, then doubles the wait with each failure up to the maximum', () => {
    const waits = Array.from({ length: 7 }, () => failAfterWaiting(alice));
    // failures 1-3 free; the 3rd starts a 1 s wait, then 2, 4, 8, 8 (capped)
    assert.deepEqual(waits, [0, 0, 0, 1000, 2000, 4000, 8000]);
    const r = throttle.refusal(alice);
    assert.deepEqual(r, { retryAfterMs: 8000, scope: 'account', reason: 'backoff' });
    vt.advance(7999);
    assert.equal(throttle.refusal(alice)?.retryAfterMs, 1);
    vt.advance(1);
    assert.equal(throttle.refusal(alice), undefined);
  });

  it('locks the account after lockoutAfter failures, even for the right secret, for lockoutMs, doubled next time', () => {
    for (let i = 0; i < 8; i++) failAfterWaiting(alice);
    assert.deepEqual(throttle.refusal(alice), { retryAfterMs: 600_000, scope: 'account', reason: 'lockout' });
    vt.advance(599_999);
    assert.equal(throttle.refusal(alice)?.reason, 'lockout');
    vt.advance(1);
    assert.equal(throttle.refusal(alice), undefined, 'the lockout ends');
    // after it, failures back off again and the next lockout lasts twice as long
    let waited = 0;
    for (let i = 0; i < 5; i++) waited += failAfterWaiting(alice);
    assert.ok(waited > 0, 'no free failures right after a lockout');
    assert.deepEqual(throttle.refusal(alice), { retryAfterMs: 1_200_000, scope: 'account', reason: 'lockout' });
  });

  it('a success clears the account, not the source', () => {
    const other = { ...alice, account: 'agent:bob' };
    failAfterWaiting(alice);
    failAfterWaiting(alice);
    failAfterWaiting(other);
    failAfterWaiting(other);
    throttle.succeeded(alice);
    assert.equal(throttle.failuresOf('agent:alice'), 0);
    assert.equal(throttle.failuresOf('agent:bob'), 2);
    // the source has 4 failures: one more reaches its free limit (5) and starts its wait
    throttle.failed({ ...alice, account: 'agent:carol' });
    assert.deepEqual(throttle.refusal({ ...alice, account: 'agent:dave' }), { retryAfterMs: 1000, scope: 'source', reason: 'backoff' });
    assert.equal(throttle.refusal({ ...alice, account: 'agent:dave', source: '192.0.2.2' }), undefined, 'another source is not held back');
  });

  it('one account guessed from many sources still backs off (per account), and one source guessing many accounts too (per source)', () => {
    for (let i = 0; i < 3; i++) throttle.failed({ ...alice, source: `198.51.100.${i}` });
    assert.equal(throttle.refusal({ ...alice, source: '198.51.100.99' })?.scope, 'account');
    for (let i = 0; i < 5; i++) throttle.failed({ kind: 'api-key', source: '203.0.113.9' });
    assert.equal(throttle.refusal({ kind: 'api-key', source: '203.0.113.9' })?.scope, 'source');
  });

  it('forgets a quiet key after forgetAfterMs', () => {
    failAfterWaiting(alice);
    failAfterWaiting(alice);
    vt.advance(3600_001);
    assert.equal(throttle.failuresOf('agent:alice'), 0);
    failAfterWaiting(alice);
    assert.equal(throttle.refusal(alice), undefined, 'one failure after the forget is free again');
  });

  it('reports failures, lockouts and refusals to its listener', () => {
    const seen: string[] = [];
    throttle = new SignInThrottle(POLICY, vt, {
      onFailure: (a, counts, locked) => seen.push(`fail ${a.account} ${counts.account}/${counts.source}${locked ? ` locked:${locked}` : ''}`),
      onRefused: (a, r) => seen.push(`refused ${r.scope} ${r.reason}`),
    });
    for (let i = 0; i < 8; i++) failAfterWaiting(alice);
    assert.equal(seen.filter((s) => s.startsWith('fail')).length, 8);
    assert.ok(seen.includes('fail agent:alice 3/8 locked:account'), seen.join('\n'));
    assert.ok(seen.includes('refused account backoff'));
    throttle.refusal(alice);
    assert.equal(seen.at(-1), 'refused account lockout');
  });
});

import assert from 'node:assert/strict';
import { retryAfterSec, SourceRateLimiter } from '../../../src/telephony/sip-limits';

describe('telephony/sip-limits: requests per source (token bucket, injected clock)', () => {
  let now: number;
  const clock = { now: () => now };
  beforeEach(() => (now = 1_000_000));

  it('takes a burst, then refuses with the wait until the next token', () => {
    const l = new SourceRateLimiter({ perSec: 2, burst: 3 }, clock);
    for (let i = 0; i < 3; i++) assert.deepEqual(l.take('203.0.113.5'), { ok: true });
    assert.deepEqual(l.take('203.0.113.5'), { ok: false, retryAfterMs: 500 });
    now += 250;
    assert.deepEqual(l.take('203.0.113.5'), { ok: false, retryAfterMs: 250 });
  });

  it('refills at perSec up to the burst', () => {
    const l = new SourceRateLimiter({ perSec: 2, burst: 3 }, clock);
    for (let i = 0; i < 3; i++) l.take('a');
    now += 1000; // two tokens back
    assert.equal(l.take('a').ok, true);
    assert.equal(l.take('a').ok, true);
    assert.equal(l.take('a').ok, false);
    now += 60_000; // never more than the burst
    for (let i = 0; i < 3; i++) assert.equal(l.take('a').ok, true);
    assert.equal(l.take('a').ok, false);
  });

  it('one flooding source does not hold back another', () => {
    const l = new SourceRateLimiter({ perSec: 1, burst: 1 }, clock);
    assert.equal(l.take('flood').ok, true);
    assert.equal(l.take('flood').ok, false);
    assert.equal(l.take('other').ok, true);
  });

  it('forgets the least recently seen source past its bound (a spoofed-source flood cannot grow it)', () => {
    const l = new SourceRateLimiter({ perSec: 1, burst: 1 }, clock, 3);
    for (const s of ['a', 'b', 'c']) l.take(s);
    l.take('a'); // a is now the most recent
    l.take('d');
    assert.equal(l.size, 3);
    assert.equal(l.take('b').ok, true, 'b was forgotten: a full bucket again');
    assert.equal(l.take('a').ok, false, 'a was kept');
  });

  it('Retry-After is whole seconds, at least 1', () => {
    assert.equal(retryAfterSec(1), '1');
    assert.equal(retryAfterSec(1001), '2');
  });
});

import assert from 'node:assert/strict';
import { estimateWait, simulatedWait, simulatedWaits, type EwtSnapshot } from '../../../src/queue/ewt';
import { logNormalFromMean } from '../../../src/queue/log-normal';
import { AbandonmentStats } from '../../../src/queue/patience';
import { parseQueueOptions } from '../../../src/queue/parse-options';
import { bench, contact, sales, T0 } from './helpers';

const busy = (n: number, elapsed = 0): EwtSnapshot['agents'] => Array.from({ length: n }, () => ({ kind: 'busy' as const, talkElapsedSec: elapsed }));
const snap = (agents: EwtSnapshot['agents'], mean = 240, sigma = 0.7): EwtSnapshot => ({ agents, talk: logNormalFromMean(mean, sigma), talkMeanSec: mean, acwSec: 0 });
const callers = (n: number) => new Array<boolean>(n).fill(true);

describe('EWT erlang-a (callers ahead may hang up)', () => {
  it('without abandonment it gives exactly the erlang answer (same talk-time draws)', () => {
    const s = snap(busy(5, 60));
    for (const k of [0, 3, 12]) {
      assert.equal(estimateWait(s, k, 'erlang-a'), estimateWait(s, k, 'erlang'), `no abandonment info, position ${k}`);
      const none = { ...s, abandonment: { ratePerSec: 0, mayAbandon: callers(k) } };
      assert.equal(estimateWait(none, k, 'erlang-a'), estimateWait(s, k, 'erlang'), `rate 0, position ${k}`);
    }
  });

  it('live callers ahead who may hang up lower the estimate; callbacks ahead do not', () => {
    const base = snap(busy(5, 60));
    const ahead = 10;
    const erlang = estimateWait(base, ahead, 'erlang')!;
    const impatient = estimateWait({ ...base, abandonment: { ratePerSec: 1 / 120, mayAbandon: callers(ahead) } }, ahead, 'erlang-a')!;
    const callbacks = estimateWait({ ...base, abandonment: { ratePerSec: 1 / 120, mayAbandon: new Array<boolean>(ahead).fill(false) } }, ahead, 'erlang-a')!;
    assert.ok(impatient < 0.8 * erlang, `${impatient} vs erlang ${erlang}`);
    assert.equal(callbacks, erlang);
    // more impatient callers ahead: shorter still
    const veryImpatient = estimateWait({ ...base, abandonment: { ratePerSec: 1 / 30, mayAbandon: callers(ahead) } }, ahead, 'erlang-a')!;
    assert.ok(veryImpatient < impatient, `${veryImpatient} vs ${impatient}`);
  });

  it("a contact's own patience does not shorten its own estimate (the wait if it stays)", () => {
    const base = snap(busy(4, 100));
    const k = 6;
    const othersOnly = [...callers(k), false];
    const withSelf = [...callers(k), true];
    const a = simulatedWaits({ ...base, abandonment: { ratePerSec: 1 / 90, mayAbandon: othersOnly } }, k, true)[k];
    const b = simulatedWaits({ ...base, abandonment: { ratePerSec: 1 / 90, mayAbandon: withSelf } }, k, true)[k];
    assert.equal(a, b);
  });

  it('every position in one pass equals one position at a time, and never decreases', () => {
    const s: EwtSnapshot = { ...snap([{ kind: 'free' }, ...busy(4, 50)]), abandonment: { ratePerSec: 1 / 100, mayAbandon: [true, false, true, true, false, true, true, true] } };
    const all = simulatedWaits(s, 40, true);
    for (const k of [0, 1, 2, 5, 7, 8, 40]) assert.equal(all[k], simulatedWait(s, k, true), `position ${k}`);
    for (let k = 1; k <= 40; k++) assert.ok(all[k]! >= all[k - 1]!, `position ${k}: ${all[k - 1]} -> ${all[k]}`);
  });

  it('busy agents near the usual end of their calls free up sooner than agents who just started', () => {
    const justStarted = estimateWait(snap(busy(5, 0)), 2, 'erlang-a')!;
    const nearEnd = estimateWait(snap(busy(5, 200)), 2, 'erlang-a')!;
    assert.ok(nearEnd < 0.8 * justStarted, `${nearEnd} vs ${justStarted}`);
    // but a call far beyond the mean is in the log-normal tail: it is expected to go on for a while
    const farBeyond = estimateWait(snap(busy(5, 2000)), 2, 'erlang-a')!;
    assert.ok(farBeyond > nearEnd, `${farBeyond} vs ${nearEnd}`);
  });

  it('answers the median of the wait, not its mean, on a skewed case', () => {
    // one agent who just took a call, talk log-normal with a heavy tail: the wait is the talk time itself
    const s = snap(busy(1, 0), 240, 1.2);
    const median = Math.exp(s.talk.mu);
    const mean = 240;
    const w = estimateWait({ ...s, abandonment: { ratePerSec: 0, mayAbandon: [] } }, 0, 'erlang-a')!;
    assert.ok(Math.abs(w - median) / median < 0.12, `${w} vs median ${median}`);
    assert.ok(w < 0.6 * mean, `${w} vs mean ${mean}`);
  });

  it('is deterministic (fixed seeds)', () => {
    const s: EwtSnapshot = { ...snap(busy(8, 30)), abandonment: { ratePerSec: 1 / 200, mayAbandon: callers(12) } };
    assert.equal(estimateWait(s, 12, 'erlang-a'), estimateWait(s, 12, 'erlang-a'));
  });
});

describe('abandonment rate learned from callers', () => {
  it('is 0 until a caller hung up, then abandonments ÷ seconds waited (with a prior of 300 s)', () => {
    const p = new AbandonmentStats(1e-9);
    assert.equal(p.ratePerSec, 0);
    for (let i = 0; i < 90; i++) p.record(20, false);
    for (let i = 0; i < 10; i++) p.record(90, true);
    // 10 hang-ups over 90 × 20 + 10 × 90 = 2700 s waited, + 300 s prior
    assert.ok(Math.abs(p.ratePerSec - 10 / 3000) < 1e-6, String(p.ratePerSec));
  });

  it('one early hang-up does not make callers look very impatient', () => {
    const p = new AbandonmentStats();
    p.record(2, true);
    assert.ok(p.ratePerSec < 1 / 250, String(p.ratePerSec));
  });

  it('forgets old callers (exponential weights)', () => {
    const p = new AbandonmentStats(0.05);
    for (let i = 0; i < 200; i++) p.record(30, true);
    const impatient = p.ratePerSec;
    for (let i = 0; i < 200; i++) p.record(30, false);
    assert.ok(p.ratePerSec < impatient / 100, `${p.ratePerSec} vs ${impatient}`);
  });
});

describe('erlang-a through QueueService', () => {
  it('is selected per target by ewtMethod and parsed from the config', () => {
    const o = parseQueueOptions({ targets: [{ name: 'sales', ewtMethod: 'erlang-a' }], agents: [] }, 'queue');
    assert.equal(o.targets[0]!.ewtMethod, 'erlang-a');
    const { q } = bench([sales({ ewtMethod: 'erlang-a' })], [{}]);
    assert.equal(q.targetConfig('sales').ewtMethod, 'erlang-a');
    q.close();
  });

  it('learns from callers who hang up, and lowers the EWT behind live callers but not behind callbacks', async () => {
    const { q, vt } = bench([sales({ ewtMethod: 'erlang-a', maxEwtSec: 1e6 })], [{}, {}]);
    q.setReady('a1');
    q.setReady('a2');
    // both agents take a call
    for (const id of ['x1', 'x2']) {
      q.enqueue(contact(id, 'caller', vt.now()));
      q.confirm((await q.reserveAgentFor(id, { timeoutMs: 1000 }))!.reservationId);
    }
    for (let i = 0; i < 8; i++) q.enqueue(contact(`c${i}`, 'caller', vt.now()));
    // nobody hung up yet: same as erlang
    assert.equal(q.estimatedWaitSeconds('sales'), q.estimatedWaitSeconds('sales', 'erlang'));
    // callers who waited a minute and hung up
    vt.advance(60_000);
    for (let i = 0; i < 4; i++) q.remove(`c${i}`);
    for (let i = 4; i < 8; i++) q.enqueue(contact(`c${i}`, 'callback', T0));
    const behindCallbacks = q.estimatedWaitSeconds('sales');
    assert.equal(behindCallbacks, q.estimatedWaitSeconds('sales', 'erlang'), 'callbacks ahead do not hang up');
    for (let i = 0; i < 4; i++) q.enqueue(contact(`d${i}`, 'caller', vt.now()));
    const behindCallers = q.estimatedWaitSeconds('sales');
    assert.ok(behindCallers < q.estimatedWaitSeconds('sales', 'erlang'), `${behindCallers} vs ${q.estimatedWaitSeconds('sales', 'erlang')}`);
    const line = q.waitingContacts('sales');
    assert.equal(line.length, 8);
    assert.ok(line.every((c) => typeof c.ewtSec['erlang-a'] === 'number'));
    assert.equal(q.targetStats('sales').ewtSec['erlang-a'], Math.round(behindCallers * 10) / 10);
    q.close();
  });
});

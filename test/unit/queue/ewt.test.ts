import assert from 'node:assert/strict';
import { erlangC, erlangServiceLevel, estimateWait, simulatedWait, simulatedWaits, simpleWait, type EwtSnapshot } from '../../../src/queue/ewt';
import { logNormalFromMean } from '../../../src/queue/log-normal';
import type { EwtMethod } from '../../../src/ports/queue';
import { bench, contact, sales, T0 } from './helpers';

const busy = (n: number, elapsed = 0): EwtSnapshot['agents'] => Array.from({ length: n }, () => ({ kind: 'busy' as const, talkElapsedSec: elapsed }));
const snap = (agents: EwtSnapshot['agents'], mean = 180, sigma = 0.6): EwtSnapshot => ({ agents, talk: logNormalFromMean(mean, sigma), talkMeanSec: mean, acwSec: 0 });

describe('EWT methods', () => {
  for (const method of ['simple', 'erlang'] as EwtMethod[]) {
    it(`${method}: grows with the line and falls with more agents`, () => {
      const spread = (n: number): EwtSnapshot['agents'] => Array.from({ length: n }, (_, i) => ({ kind: 'busy' as const, talkElapsedSec: 10 + 30 * (i % 5) }));
      const five = snap(spread(5));
      const ten = snap(spread(10));
      const w = [0, 2, 5, 10, 20].map((k) => estimateWait(five, k, method)!);
      for (let i = 1; i < w.length; i++) assert.ok(w[i]! > w[i - 1]!, `${w.join(', ')}`);
      assert.ok(estimateWait(ten, 10, method)! < estimateWait(five, 10, method)!);
    });

    it(`${method}: zero when an agent is free beyond the contacts ahead; undefined without agents`, () => {
      const s = snap([{ kind: 'free' }, { kind: 'free' }, ...busy(3)]);
      assert.equal(estimateWait(s, 1, method), 0);
      assert.ok(estimateWait(s, 2, method)! > 0);
      assert.equal(estimateWait(snap([]), 0, method), undefined);
    });

    it(`${method}: after-call work in progress counts for what is left of it`, () => {
      const s: EwtSnapshot = { ...snap([{ kind: 'acw', acwRemainingSec: 12 }]), acwSec: 30 };
      assert.equal(estimateWait(s, 0, method), 12);
    });
  }

  it('simple: the projection is about position × handle time ÷ agents for a long line', () => {
    const w = simpleWait(snap(busy(4, 0), 200), 40);
    // first round: each agent free in 200 s; contact 40 is served in round 10: 200 + 10 × 200
    assert.equal(w, 2200);
  });

  it('erlang: uses how long calls have lasted (a call near its end frees its agent sooner)', () => {
    const fresh = simulatedWait(snap(busy(3, 0)), 0);
    const old = simulatedWait(snap(busy(3, 170)), 0);
    assert.ok(fresh > 0 && old > 0);
    assert.notEqual(fresh, old);
  });

  it('erlang: with a long line it approaches (ahead + 1) × h ÷ N', () => {
    const w = simulatedWait(snap(busy(10, 0), 200, 0.3), 99);
    const expected = (100 * 200) / 10;
    assert.ok(Math.abs(w - expected) / expected < 0.1, `${w} vs ${expected}`);
  });

  it('erlang: deterministic (same state, same answer)', () => {
    assert.equal(simulatedWait(snap(busy(6, 30)), 7), simulatedWait(snap(busy(6, 30)), 7));
  });

  it('erlang: every position in one pass equals one position at a time', () => {
    const s = snap([{ kind: 'free' }, ...busy(4, 50)]);
    const all = simulatedWaits(s, 30);
    for (const k of [0, 1, 2, 7, 30]) assert.equal(all[k], simulatedWait(s, k), `position ${k}`);
    assert.equal(all[0], 0);
  });

  it('erlang: a very long line is extended by h ÷ N per contact and stays increasing', () => {
    const s = snap(busy(2, 0), 100, 0.5);
    const all = simulatedWaits(s, 1000);
    assert.equal(all.length, 1001);
    for (let k = 1; k <= 1000; k++) assert.ok(all[k]! >= all[k - 1]!, `position ${k}`);
    assert.ok(Math.abs(all[1000]! - 1001 * 50) / (1001 * 50) < 0.05, String(all[1000]));
  });

  it('Erlang C matches known values', () => {
    // 10 agents, 8 erlangs: P(wait) ≈ 0.409 (standard tables)
    assert.ok(Math.abs(erlangC(10, 8) - 0.409) < 0.005, String(erlangC(10, 8)));
    assert.equal(erlangC(5, 6), 1);
    // 80/20 style check: more agents -> better service level
    assert.ok(erlangServiceLevel(12, 8, 180, 20) > erlangServiceLevel(10, 8, 180, 20));
  });
});

describe('EWT through QueueService', () => {
  it('grows as callbacks are queued, and per position', () => {
    const { q } = bench([sales({ maxEwtSec: 7200 })], [{}, {}]);
    for (const a of ['a1', 'a2']) q.setReady(a);
    assert.equal(q.estimatedWaitSeconds('sales'), 0);
    q.enqueue(contact('cb1', 'callback', T0));
    q.enqueue(contact('cb2', 'callback', T0));
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 180, 'two free agents, two callbacks ahead: the next waits one handle time');
    q.enqueue(contact('cb3', 'callback', T0));
    assert.ok(q.estimatedWaitSeconds('sales', 'erlang') > 0);
    const positions = q.waitingContacts('sales');
    assert.deepEqual(positions.map((p) => p.ewtSec.simple), [0, 0, 180]);
    assert.equal(q.estimatedWaitAtPosition('sales', 2, 'simple'), 180);
    q.close();
  });

  it('lists a line of 3000 contacts with EWT per position quickly', () => {
    const { q } = bench([sales({ maxEwtSec: 1e9 })], Array.from({ length: 20 }, () => ({})));
    for (let i = 0; i < 20; i++) q.setReady(`a${i + 1}`);
    for (let i = 0; i < 3000; i++) q.enqueue(contact(`cb${i}`, 'callback', T0 + i));
    const t = Date.now();
    const line = q.waitingContacts('sales');
    assert.ok(Date.now() - t < 3000, `${Date.now() - t} ms`);
    assert.equal(line.length, 3000);
    assert.equal(line[19]!.ewtSec.erlang, 0);
    assert.ok(line[2999]!.ewtSec.erlang > line[100]!.ewtSec.erlang);
    q.close();
  });

  it('answers maxEwtSec when nobody is staffed', () => {
    const { q } = bench([sales({ maxEwtSec: 900 })], [{}]);
    assert.equal(q.estimatedWaitSeconds('sales'), 900);
    q.close();
  });

  it('learns handle times: longer calls, longer EWT', async () => {
    const { q, vt } = bench([sales({ initialHandleTimeSec: 60 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('x', 'caller', T0));
    q.enqueue(contact('y', 'caller', T0));
    const before = q.estimatedWaitSeconds('sales', 'simple');
    for (let i = 0; i < 10; i++) {
      q.enqueue(contact(`c${i}`, 'caller', vt.now() - 1e6));
      const r = (await q.reserveAgentFor(`c${i}`, { timeoutMs: 1000 }))!;
      q.confirm(r.reservationId);
      vt.advance(600_000);
      q.callEnded(r.reservationId);
    }
    assert.ok(q.estimatedWaitSeconds('sales', 'simple') > 3 * before, `${before} -> ${q.estimatedWaitSeconds('sales', 'simple')}`);
    q.close();
  });
});

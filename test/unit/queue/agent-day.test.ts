import assert from 'node:assert/strict';
import { bench, contact, sales, T0 } from './helpers';

describe("queue: each agent's figures for today", () => {
  it('counts calls, talk, after-call work (ended by the timer or by the agent) and dispositions; average handle time', async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 30 })], [{ id: 'a1' }]);
    q.setReady('a1');
    assert.deepEqual(q.getAgent('a1').today, { day: '2026-11-25', calls: 0, talkSec: 0, afterCallWorkSec: 0, avgHandleSec: null, dispositions: {} });

    // call 1: 60 s talk, after-call work runs out (30 s)
    q.enqueue(contact('c1', 'callback', T0));
    let r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    r.confirm();
    vt.advance(60_000);
    r.callEnded();
    assert.equal(q.wrappedUp('a1', 'Resolved'), true);
    vt.advance(30_000);
    assert.equal(q.getAgent('a1').state, 'READY');

    // call 2: 120 s talk, the agent ends the wrap-up after 10 s
    q.enqueue(contact('c2', 'callback', vt.now()));
    r = (await q.reserveAgentFor('c2', { timeoutMs: 1000 }))!;
    r.confirm();
    vt.advance(120_000);
    r.callEnded();
    vt.advance(10_000);
    q.wrappedUp('a1', 'Follow-up needed');
    q.setReady('a1');

    assert.deepEqual(q.getAgent('a1').today, { day: '2026-11-25', calls: 2, talkSec: 180, afterCallWorkSec: 40, avgHandleSec: 110, dispositions: { 'Follow-up needed': 1, Resolved: 1 } });
    assert.equal(q.wrappedUp('a1', 'Other'), false, 'a call is wrapped up once');
    assert.equal(q.getAgent('a1').today.dispositions.Other, undefined);
  });

  it('starts again the next day (UTC)', async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 0 })], [{ id: 'a1' }]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'callback', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    r.confirm();
    vt.advance(30_000);
    r.callEnded();
    assert.equal(q.getAgent('a1').today.calls, 1);
    vt.advance(24 * 3600_000);
    assert.deepEqual(q.getAgent('a1').today, { day: '2026-11-26', calls: 0, talkSec: 0, afterCallWorkSec: 0, avgHandleSec: null, dispositions: {} });
  });
});

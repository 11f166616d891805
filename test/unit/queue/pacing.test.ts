import assert from 'node:assert/strict';
import { bench, contact, sales, T0 } from './helpers';

describe('callback pacing', () => {
  it('a callback may be dialed when an agent is free, not when every agent is busy for long', async () => {
    const { q, vt } = bench([sales({ initialHandleTimeSec: 300, pacingHorizonSec: 30 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    assert.equal(q.expectedAgentsFreeWithin('sales', 30), 1);
    assert.equal(q.canDispatchCallback('sales', 'cb1'), true);
    // the agent takes a live caller: a fresh call lasts ~300 s, so little chance it ends within 30 s
    q.enqueue(contact('c1', 'caller', T0 + 1));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    q.enqueue(contact('cb2', 'callback', T0 + 2));
    assert.ok(q.expectedAgentsFreeWithin('sales', 30) < 0.2);
    assert.equal(q.canDispatchCallback('sales', 'cb2'), false);
    // a long call has a better chance to end soon (log-normal, heavy tail is weighed by what has passed)
    vt.advance(1_000_000);
    assert.ok(q.expectedAgentsFreeWithin('sales', 30) > 0);
    q.close();
  });

  it('a callback let through counts as being dialed: the next one waits', () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    q.enqueue(contact('cb2', 'callback', T0 + 1));
    assert.equal(q.canDispatchCallback('sales', 'cb1'), true);
    assert.equal(q.canDispatchCallback('sales', 'cb2'), false, 'one agent, one callback being dialed');
    assert.equal(q.canDispatchCallback('sales', 'cb1'), true, 'asking again for the same callback is still yes');
    q.remove('cb1');
    assert.equal(q.canDispatchCallback('sales', 'cb2'), true);
    q.close();
  });

  it('a dialing mark lapses after pacingHoldSec', () => {
    const { q, vt } = bench([sales({ pacingHoldSec: 60 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    q.enqueue(contact('cb2', 'callback', T0 + 1));
    assert.equal(q.canDispatchCallback('sales', 'cb1'), true);
    vt.advance(59_999);
    assert.equal(q.canDispatchCallback('sales', 'cb2'), false);
    vt.advance(1);
    assert.equal(q.canDispatchCallback('sales', 'cb2'), true);
    q.close();
  });

  it('live callers ahead and contacts being connected count first', () => {
    const { q } = bench([sales()], [{}, {}]);
    q.setReady('a1');
    q.setReady('a2');
    q.enqueue(contact('c1', 'caller', T0));
    q.enqueue(contact('c2', 'caller', T0 + 1));
    q.enqueue(contact('cb1', 'callback', T0 + 2));
    // two free agents, two callers ahead (nobody connecting them yet): no room for the callback
    assert.equal(q.canDispatchCallback('sales', 'cb1'), false);
    // a callback ahead of the callers only has to wait for nobody
    q.enqueue(contact('cb0', 'callback', T0 - 1));
    assert.equal(q.canDispatchCallback('sales', 'cb0'), true);
    q.close();
  });

  it('hasFreeAgent: a READY agent beyond the contacts already connecting (for _wait_for_agent)', () => {
    const { q } = bench([sales()], [{}]);
    assert.equal(q.hasFreeAgent('sales'), false);
    q.setReady('a1');
    assert.equal(q.hasFreeAgent('sales'), true);
    q.enqueue(contact('cb1', 'callback', T0));
    assert.equal(q.canDispatchCallback('sales', 'cb1'), true);
    assert.equal(q.hasFreeAgent('sales'), false, 'the only agent is expected by the callback being dialed');
    q.close();
  });

  it('bucket capacity from staffing: planned agents × bucket ÷ handle time', () => {
    const { q } = bench(
      [sales({ initialHandleTimeSec: 290, afterCallWorkSec: 10, staffing: { timezone: 'Europe/Paris', windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00', agents: 4 }] } })],
      [],
    );
    // Wednesday 2026-11-25 09:00 UTC = 10:00 Paris
    assert.equal(q.plannedAgents('sales', T0), 4);
    assert.equal(q.bucketCapacity('sales', T0, 30), 24);
    // 18:30 Paris
    assert.equal(q.bucketCapacity('sales', T0 + 8.5 * 3_600_000, 30), 0);
    // Saturday
    assert.equal(q.plannedAgents('sales', T0 + 3 * 86_400_000), 0);
    q.close();
    const { q: q2 } = bench([sales()], []);
    assert.equal(q2.bucketCapacity('sales', T0, 30), undefined);
    q2.close();
  });
});

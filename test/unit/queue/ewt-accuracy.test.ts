import assert from 'node:assert/strict';
import { Metrics } from '../../../src/observability/metrics';
import { bench, contact, sales, T0 } from './helpers';

describe('EWT accuracy on live traffic (predicted when a caller joins the line, scored when an agent takes it)', () => {
  it('scores live callers who reach an agent, by every method; callbacks and callers who hang up are left out', async () => {
    const { q, vt } = bench([sales({ initialHandleTimeSec: 100, ewtMethod: 'simple' })], [{ id: 'alice' }]);
    assert.equal(q.ewtAccuracy('sales'), null);
    q.setReady('alice');
    // alice takes a first caller: busy for (simple) 100 s
    q.enqueue(contact('c0', 'caller', T0));
    const r0 = await q.reserveAgentFor('c0', { timeoutMs: 1000 });
    q.confirm(r0!.reservationId);
    // c1 joins: told 100 s by 'simple'; a callback and a caller who will hang up join too
    vt.advance(1000);
    q.enqueue(contact('c1', 'caller', vt.now()));
    q.enqueue(contact('cb', 'callback', vt.now()));
    q.enqueue(contact('gone', 'caller', vt.now()));
    q.enqueue(contact('converted', 'caller', vt.now()));
    q.enqueue(contact('converted', 'callback', vt.now())); // accepted a callback: no longer a live caller's wait
    const w1 = q.reserveAgentFor('c1', { timeoutMs: 1_000_000 });
    vt.advance(10_000);
    q.remove('gone');
    vt.advance(119_000); // the call lasts 130 s in all: c1 waited 129 s after it joined
    q.callEnded(r0!.reservationId);
    const r1 = await w1;
    assert.equal(r1?.contactId, 'c1');
    const acc = q.ewtAccuracy('sales')!;
    // scored: c0 (told 0, waited 0) and c1 (told 99 s, waited 129 s)
    assert.equal(acc.callers, 2);
    assert.equal(acc.meanWaitSec, 64.5);
    assert.equal(acc.maeSec.simple, 15);
    assert.equal(acc.biasSec.simple, -15);
    assert.ok(acc.maeSec.erlang > 0 && acc.maeSec['erlang-a'] > 0);
    assert.deepEqual(q.targetStats('sales').ewtAccuracy, acc);
    q.close();
  });

  it('only the last hour counts', async () => {
    const { q, vt } = bench([sales()], [{ id: 'alice' }]);
    q.setReady('alice');
    q.enqueue(contact('c0', 'caller', T0));
    await q.reserveAgentFor('c0', { timeoutMs: 1000 });
    assert.equal(q.ewtAccuracy('sales')?.callers, 1);
    vt.advance(3_600_001);
    assert.equal(q.ewtAccuracy('sales'), null);
    q.close();
  });

  it('is exported as Prometheus gauges per target and method', async () => {
    const m = new Metrics();
    m.trackQueues(() => [
      { target: 'sales', waiting: 3, accuracy: { callers: 12, meanWaitSec: 40, maeSec: { simple: 20, erlang: 14, 'erlang-a': 12.5 }, biasSec: { simple: -3, erlang: 1, 'erlang-a': 0.5 } } },
      { target: 'billing', waiting: 0, accuracy: null },
    ]);
    const text = await m.registry.metrics();
    assert.match(text, /queue_waiting_contacts\{target="sales"\} 3/);
    assert.match(text, /queue_ewt_mae_seconds\{target="sales",method="erlang-a"\} 12.5/);
    assert.match(text, /queue_ewt_bias_seconds\{target="sales",method="simple"\} -3/);
    assert.match(text, /queue_scored_callers\{target="billing"\} 0/);
    assert.doesNotMatch(text, /queue_ewt_mae_seconds\{target="billing"/);
  });
});

import assert from 'node:assert/strict';
import { QueueDispatchGate } from '../../../src/callback/queue-gate';
import { bench, sales, T0 } from '../queue/helpers';

describe('QueueDispatchGate: when a queued callback may be dialed', () => {
  /** alice has just ended a call: 20 s of after-call work, so she is expected free within the 30 s horizon */
  const setup = async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 20, pacingHorizonSec: 30 })], [{ id: 'alice' }]);
    const gate = new QueueDispatchGate(q);
    q.setReady('alice');
    q.enqueue({ contactId: 'c0', kind: 'caller', target: 'sales', enqueuedAt: T0 });
    const r = await q.reserveAgentFor('c0', { timeoutMs: 1000 });
    q.confirm(r!.reservationId);
    vt.advance(60_000);
    q.callEnded(r!.reservationId);
    assert.equal(q.getAgent('alice').state, 'AFTER_CALL_WORK');
    return { q, vt, gate };
  };

  it('an immediate callback goes when an agent is expected within the horizon', async () => {
    const { q, gate } = await setup();
    gate.queued({ id: 'cb1', target: 'sales', acceptedAt: T0 });
    assert.equal(gate.canDispatch({ id: 'cb1', target: 'sales' }, { waitForAgent: false }), true);
    q.close();
  });

  it('a _wait_for_agent callback waits until an agent is free now', async () => {
    const { q, vt, gate } = await setup();
    gate.queued({ id: 'cb2', target: 'sales', acceptedAt: T0 });
    assert.equal(gate.canDispatch({ id: 'cb2', target: 'sales' }, { waitForAgent: true }), false);
    vt.advance(20_000);
    assert.equal(q.getAgent('alice').state, 'READY');
    assert.equal(gate.canDispatch({ id: 'cb2', target: 'sales' }, { waitForAgent: true }), true);
    // the free agent now counts as taken by cb2 being dialed: a second one waits
    gate.queued({ id: 'cb3', target: 'sales', acceptedAt: T0 + 1 });
    assert.equal(gate.canDispatch({ id: 'cb3', target: 'sales' }, { waitForAgent: true }), false);
    q.close();
  });

  it('targets the queue does not know are not held back', () => {
    const { q } = bench([sales()], []);
    assert.equal(new QueueDispatchGate(q).canDispatch({ id: 'x', target: 'elsewhere' }, { waitForAgent: true }), true);
    q.close();
  });
});

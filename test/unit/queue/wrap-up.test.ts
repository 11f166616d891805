import assert from 'node:assert/strict';
import { bench, contact, sales, settle, T0, watch } from './helpers';

describe('queue: the agent wrap-up after a call', () => {
  it("the service's wrap-up time replaces the target's after-call work, then READY by itself", async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 0 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    const r = (await q.reserveAgentFor('cb1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    q.callEnded(r.reservationId, { afterCallWorkSec: 45 });
    const view = q.getAgent('a1');
    assert.equal(view.state, 'AFTER_CALL_WORK');
    assert.equal(view.acwEndsAt, new Date(vt.now() + 45_000).toISOString());
    assert.deepEqual(
      { contactId: view.lastCall?.contactId, kind: view.lastCall?.contactKind, target: view.lastCall?.target, wrappedUp: view.lastCall?.wrappedUp },
      { contactId: 'cb1', kind: 'callback', target: 'sales', wrappedUp: false },
    );
    q.enqueue(contact('c2', 'caller', vt.now()));
    const next = watch(q.reserveAgentFor('c2', { timeoutMs: 60_000 }));
    vt.advance(44_999);
    await settle();
    assert.equal(next.settled, false, 'no call during the wrap-up time');
    vt.advance(1);
    await settle();
    assert.equal(next.value?.agent.agentId, 'a1');
    q.close();
  });

  it('a wrap-up time of 0 frees the agent at once even when the target has after-call work', async () => {
    const { q } = bench([sales({ afterCallWorkSec: 30 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    const r = (await q.reserveAgentFor('cb1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    q.callEnded(r.reservationId, { afterCallWorkSec: 0 });
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal(q.getAgent('a1').acwEndsAt, undefined);
    q.close();
  });

  it('wrappedUp marks the last call once; an agent with no call has nothing to wrap up', async () => {
    const { q } = bench([sales({ afterCallWorkSec: 30 })], [{}, {}]);
    assert.equal(q.wrappedUp('a2'), false);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    q.callEnded(r.reservationId);
    assert.equal(q.wrappedUp('a1'), true);
    assert.equal(q.getAgent('a1').lastCall?.wrappedUp, true);
    assert.equal(q.wrappedUp('a1'), false, 'only once');
    q.close();
  });
});

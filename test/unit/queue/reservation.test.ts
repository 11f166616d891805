import assert from 'node:assert/strict';
import { bench, contact, sales, settle, T0, watch } from './helpers';

describe('queue reservations', () => {
  it('reserves the longest-idle READY agent', async () => {
    const { q, vt } = bench([sales()], [{}, {}, {}]);
    q.setReady('a2');
    vt.advance(1000);
    q.setReady('a3');
    vt.advance(1000);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', vt.now()));
    const r = await q.reserveAgentFor('c1', { timeoutMs: 1000 });
    assert.equal(r?.agent.agentId, 'a2');
    assert.equal(r?.agent.uri, 'sip:a2@pbx');
    assert.equal(q.getAgent('a2').state, 'RESERVED');
    assert.equal(q.getAgent('a2').reservation?.contactId, 'c1');
    q.close();
  });

  it('two flows asking at once for one agent: the first in line gets it, the other waits and gets the next', async () => {
    const { q } = bench([sales()], [{}, {}]);
    q.enqueue(contact('first', 'caller', T0));
    q.enqueue(contact('second', 'callback', T0 + 1));
    q.setReady('a1');
    // ask in the reverse order of the line, in the same tick
    const p2 = q.reserveAgentFor('second', { timeoutMs: 10_000 });
    const p1 = q.reserveAgentFor('first', { timeoutMs: 10_000 });
    await settle();
    // 'second' asked first while the agent was free, so it got the agent; 'first' waits
    const r2 = await p2;
    assert.equal(r2?.agent.agentId, 'a1');
    const r1 = watch(p1);
    await settle();
    assert.equal(r1.settled, false, 'one agent is never offered twice');
    q.setReady('a2');
    await settle();
    assert.equal(r1.value?.agent.agentId, 'a2');
    q.close();
  });

  it('when two flows are already waiting and an agent frees up, the first in line order gets it', async () => {
    const { q } = bench([sales()], [{}]);
    q.enqueue(contact('first', 'caller', T0));
    q.enqueue(contact('second', 'caller', T0 + 1));
    const got: string[] = [];
    void q.reserveAgentFor('second', { timeoutMs: 10_000 }).then((r) => r && got.push(`second:${r.agent.agentId}`));
    void q.reserveAgentFor('first', { timeoutMs: 10_000 }).then((r) => r && got.push(`first:${r.agent.agentId}`));
    q.setReady('a1');
    await settle();
    assert.deepEqual(got, ['first:a1']);
    q.close();
  });

  it('a second flow for the same contact is refused; an unknown contact is refused', async () => {
    const { q } = bench([sales()], [{}]);
    q.enqueue(contact('c1', 'caller', T0));
    const first = q.reserveAgentFor('c1', { timeoutMs: 1000 });
    await assert.rejects(q.reserveAgentFor('c1', { timeoutMs: 1000 }), /already waits/);
    await assert.rejects(q.reserveAgentFor('nobody', { timeoutMs: 1000 }), /not waiting/);
    q.close();
    assert.equal(await first, null, 'close() answers waiting flows with null');
  });

  it('resolves null on timeout and on abort; the contact keeps its place', async () => {
    const { q, vt } = bench([sales()], [{}]);
    q.enqueue(contact('c1', 'caller', T0));
    q.enqueue(contact('c2', 'caller', T0 + 1));
    const p = q.reserveAgentFor('c1', { timeoutMs: 5000 });
    vt.advance(4999);
    const w = watch(p);
    await settle();
    assert.equal(w.settled, false);
    vt.advance(1);
    assert.equal(await p, null);
    const ac = new AbortController();
    const p2 = q.reserveAgentFor('c2', { timeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    assert.equal(await p2, null);
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['c1', 'c2']);
    // asking again works, and the agent goes to the first in line
    q.setReady('a1');
    const again = await q.reserveAgentFor('c1', { timeoutMs: 0 });
    assert.equal(again?.agent.agentId, 'a1');
    q.close();
  });

  it('removing a contact answers its waiting flow with null', async () => {
    const { q } = bench([sales()], [{}]);
    q.enqueue(contact('c1', 'caller', T0));
    const p = q.reserveAgentFor('c1', { timeoutMs: 60_000 });
    q.remove('c1');
    assert.equal(await p, null);
    assert.equal(q.queueLength('sales'), 0);
    q.close();
  });

  it('an unconfirmed reservation lapses: agent NOT_READY (no-answer), contact back in its place, confirm refused', async () => {
    const { q, vt } = bench([sales({ reservationTimeoutSec: 20 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    q.enqueue(contact('c2', 'caller', T0 + 1));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    assert.equal(r.expiresAt, T0 + 20_000);
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['c2']);
    vt.advance(19_999);
    assert.equal(q.getAgent('a1').state, 'RESERVED');
    vt.advance(1);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'no-answer');
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['c1', 'c2']);
    assert.throws(() => q.confirm(r.reservationId), /not waiting for confirmation/);
    q.close();
  });

  it('confirm -> BUSY; callEnded -> AFTER_CALL_WORK for the target time, then READY and the next contact', async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 30 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    assert.equal(q.getAgent('a1').state, 'BUSY');
    vt.advance(100_000);
    q.callEnded(r.reservationId);
    q.callEnded(r.reservationId); // idempotent
    assert.equal(q.getAgent('a1').state, 'AFTER_CALL_WORK');
    q.enqueue(contact('c2', 'caller', vt.now()));
    const r2 = watch(q.reserveAgentFor('c2', { timeoutMs: 60_000 }));
    vt.advance(29_999);
    await settle();
    assert.equal(r2.settled, false);
    vt.advance(1);
    await settle();
    assert.equal(r2.value?.agent.agentId, 'a1');
    assert.equal(q.targetStats('sales').measuredCalls, 1);
    q.close();
  });

  it('release with agentFault: agent NOT_READY, contact back in line at once for the next agent', async () => {
    const { q } = bench([sales()], [{}, {}]);
    q.setReady('a1');
    q.setReady('a2');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    assert.equal(r.agent.agentId, 'a1');
    q.release(r.reservationId, { agentFault: true });
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    const next = await q.reserveAgentFor('c1', { timeoutMs: 1000 });
    assert.equal(next?.agent.agentId, 'a2', 'the agent that did not answer is not offered again');
    q.close();
  });

  it('plain release (customer gone): agent READY again, contact not back', async () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.release(r.reservationId);
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal(q.queueLength('sales'), 0);
    q.close();
  });

  it('an agent of two targets takes the longest-waiting connecting contact of either', async () => {
    const { q } = bench([sales(), { ...sales(), name: 'support' }], [{ targets: ['sales', 'support'] }]);
    q.enqueue(contact('s1', 'caller', T0 + 5000));
    q.enqueue({ ...contact('p1', 'caller', T0), target: 'support' });
    const got: string[] = [];
    void q.reserveAgentFor('s1', { timeoutMs: 60_000 }).then((r) => r && got.push('s1'));
    void q.reserveAgentFor('p1', { timeoutMs: 60_000 }).then((r) => r && got.push('p1'));
    q.setReady('a1');
    await settle();
    assert.deepEqual(got, ['p1']);
    q.close();
  });

  it('close() stops every timer', async () => {
    const { q, vt } = bench([sales({ afterCallWorkSec: 10 })], [{ uri: undefined }, {}]);
    q.setRegistration('a1', 'sip:a1@10.0.0.1', T0 + 3_600_000);
    q.setReady('a2');
    q.enqueue(contact('c1', 'caller', T0));
    q.enqueue(contact('c2', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    q.callEnded(r.reservationId);
    void q.reserveAgentFor('c2', { timeoutMs: 60_000 });
    assert.ok(vt.pending > 0);
    q.close();
    assert.equal(vt.pending, 0);
  });
});

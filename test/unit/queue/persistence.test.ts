import assert from 'node:assert/strict';
import type { QueueStateChange, QueueStateSnapshot, QueueStateStore } from '../../../src/ports/queue-state';
import { bench, contact, sales, settle, T0 } from './helpers';

/** a store port in memory: applies each change as the real stores do, counts the writes, can be made to fail */
class MemoryQueueStore implements Pick<QueueStateStore, 'saveQueueState' | 'loadQueueState'> {
  snap: QueueStateSnapshot = { entries: [], agents: [], registrations: [] };
  writes: QueueStateChange[] = [];
  failing = false;

  async saveQueueState(c: QueueStateChange): Promise<void> {
    await Promise.resolve();
    if (this.failing) throw new Error('database is down');
    this.writes.push(c);
    const s = this.snap;
    const entries = new Map(s.entries.map((e) => [e.contactId, e]));
    for (const e of c.putEntries) entries.set(e.contactId, e);
    for (const id of c.removeEntries) entries.delete(id);
    const agents = new Map(s.agents.map((a) => [a.agentId, a]));
    for (const a of c.putAgents) agents.set(a.agentId, structuredClone(a));
    const regs = new Map(s.registrations.map((r) => [r.agentId, r]));
    for (const r of c.putRegistrations) regs.set(r.agentId, r);
    for (const id of c.removeRegistrations) regs.delete(id);
    this.snap = { entries: [...entries.values()].sort((a, b) => a.enqueuedAt - b.enqueuedAt), agents: [...agents.values()], registrations: [...regs.values()] };
  }

  async loadQueueState(): Promise<QueueStateSnapshot> {
    return structuredClone(this.snap);
  }
}

const agents = [{ id: 'ann' }, { id: 'ben' }, { id: 'cat' }, { id: 'dan' }, { id: 'eve', uri: undefined }, { id: 'fay' }];
const allWaiting = async (ids: string[]) => new Set(ids);

describe('queue persistence: written through, taken back after a restart', () => {
  it("writes the changes of one turn of the event loop as one write, after the queue's own synchronous work", async () => {
    const { q } = bench([sales()], agents);
    const store = new MemoryQueueStore();
    const p = q.persistTo({ store, owner: 'i1' });
    q.login('ann');
    q.login('ben');
    q.enqueue(contact('c1', 'caller', T0));
    assert.equal(store.writes.length, 0, 'nothing waits for the database');
    await p.flushed();
    assert.equal(store.writes.length, 1);
    assert.deepEqual(store.writes[0]!.putAgents.map((a) => [a.agentId, a.state]).sort(), [['ann', 'READY'], ['ben', 'READY'], ['cat', 'NOT_READY'], ['dan', 'NOT_READY'], ['eve', 'NOT_READY'], ['fay', 'NOT_READY']]);
    q.setNotReady('ben');
    await p.flushed();
    assert.deepEqual(store.writes[1], { owner: 'i1', putEntries: [], removeEntries: [], putAgents: [store.writes[1]!.putAgents[0]!], putRegistrations: [], removeRegistrations: [] }, 'only what changed');
    assert.equal(store.writes[1]!.putAgents[0]!.agentId, 'ben');
    q.remove('c1');
    await p.flushed();
    assert.deepEqual(store.writes[2]!.removeEntries, ['c1']);
    q.close();
  });

  it('changes made while a write is in flight are written after it; flushed() always settles (no write left behind)', async () => {
    const { q } = bench([sales()], agents);
    const store = new MemoryQueueStore();
    const p = q.persistTo({ store, owner: 'i1' });
    // changes landing at every point of a write's microtasks
    for (let i = 0; i < 60; i++) {
      q.enqueue(contact(`c${i}`, 'caller', T0 + i));
      for (let k = 0; k < i % 5; k++) await Promise.resolve();
      if (i % 2 === 0) q.remove(`c${i}`);
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await p.flushed();
    assert.deepEqual(store.snap.entries.map((e) => e.contactId), Array.from({ length: 30 }, (_, k) => `c${2 * k + 1}`));
    q.login('ann');
    await p.flushed();
    assert.equal(store.snap.agents.find((a) => a.agentId === 'ann')?.state, 'READY', 'a change after all that is still written');
    q.close();
  });

  it('rows read back with their keys in another order (PostgreSQL jsonb) are the same rows: a restart that changes nothing writes nothing', async () => {
    const first = bench([sales()], agents);
    const store = new MemoryQueueStore();
    const p1 = first.q.persistTo({ store, owner: 'i1' });
    first.q.login('ann');
    first.q.setNotReady('ben');
    await p1.flushed();
    first.q.close();
    const reversed = (o: object) => Object.fromEntries(Object.entries(o).reverse());
    store.snap.agents = store.snap.agents.map((a) => ({ ...a, detail: reversed(a.detail) as typeof a.detail }));
    const writes = store.writes.length;
    const second = bench([sales()], agents);
    const p2 = second.q.persistTo({ store, owner: 'i1' });
    await p2.restore(allWaiting);
    await p2.flushed();
    assert.equal(second.q.getAgent('ann').state, 'READY');
    assert.equal(store.writes.length, writes, 'nothing written back');
    second.q.close();
  });

  it('a failed write is logged and tried again with what differs then; nothing is lost once the store is back', async () => {
    const { q } = bench([sales()], agents);
    const store = new MemoryQueueStore();
    const p = q.persistTo({ store, owner: 'i1', retryMs: 5 });
    store.failing = true;
    q.login('ann');
    await p.flushed();
    assert.equal(store.writes.length, 0);
    store.failing = false;
    await new Promise((r) => setTimeout(r, 20));
    await p.flushed();
    assert.equal(store.snap.agents.find((a) => a.agentId === 'ann')?.state, 'READY', 'written by the retry');
    await p.close();
    q.close();
  });

  it('a restart takes back agents, registrations, after-call work and callbacks in line; live callers and dead reservations are ended and reported', async () => {
    const first = bench([sales({ afterCallWorkSec: 0, reservationTimeoutSec: 3600 })], agents);
    const store = new MemoryQueueStore();
    const p1 = first.q.persistTo({ store, owner: 'i1' });
    const q1 = first.q;
    // dan RESERVED for a caller, fay BUSY with another, cat in after-call work for 10 min
    q1.login('dan');
    q1.enqueue(contact('caller-d', 'caller', T0));
    const rd = await q1.reserveAgentFor('caller-d', { timeoutMs: 1000 });
    assert.equal(rd?.agent.agentId, 'dan');
    first.vt.advance(1000);
    q1.login('fay');
    q1.enqueue(contact('caller-f', 'caller', T0 + 1000));
    (await q1.reserveAgentFor('caller-f', { timeoutMs: 1000 }))!.confirm();
    q1.login('cat');
    q1.enqueue(contact('caller-c', 'caller', T0 + 1000));
    const rc = await q1.reserveAgentFor('caller-c', { timeoutMs: 1000 });
    rc!.confirm();
    first.vt.advance(60_000);
    rc!.callEnded({ afterCallWorkSec: 600 });
    // ann READY, ben NOT_READY at his request, eve READY on a softphone registration for an hour
    q1.login('ann');
    q1.login('ben');
    q1.setNotReady('ben');
    q1.setRegistration('eve', 'sip:eve@192.0.2.5:5062', first.vt.now() + 3600_000);
    // the line: a live caller between two callbacks, one with a priority of its own
    q1.enqueue(contact('cb-old', 'callback', T0 - 5000));
    q1.enqueue(contact('caller-live', 'caller', T0 + 2000));
    q1.enqueue(contact('cb-new', 'callback', T0 + 3000, { priority: 4 }));
    q1.enqueue(contact('cb-done', 'callback', T0 + 4000));
    const before = Object.fromEntries(q1.listAgents().map((a) => [a.id, a]));
    await p1.flushed();
    q1.close(); // the process dies: its timers and flows with it

    const second = bench([sales({ afterCallWorkSec: 0, reservationTimeoutSec: 3600 })], agents);
    second.vt.advance(first.vt.now() - T0 + 120_000); // down for 2 minutes
    const p2 = second.q.persistTo({ store, owner: 'i2' });
    const report = await p2.restore(async (ids) => new Set(ids.filter((id) => id !== 'cb-done')));
    const q2 = second.q;
    const view = (id: string) => q2.getAgent(id);

    assert.equal(view('ann').state, 'READY');
    assert.equal(view('ann').since, before.ann!.since, 'in its state since the same moment');
    assert.equal(view('ben').state, 'NOT_READY');
    assert.equal(view('ben').notReadyReason, 'requested');
    assert.equal(view('eve').state, 'READY');
    assert.deepEqual(view('eve').registration, before.eve!.registration, 'the registration until its expiry');
    assert.equal(view('cat').state, 'AFTER_CALL_WORK');
    assert.equal(view('cat').acwEndsAt, before.cat!.acwEndsAt, 'after-call work runs on to its end');
    assert.equal(view('cat').lastCall?.contactId, 'caller-c', 'the call to wrap up');
    assert.equal(before.dan!.state, 'RESERVED');
    assert.equal(before.fay!.state, 'BUSY');
    assert.equal(view('dan').state, 'READY', 'the reservation died with the process');
    assert.equal(view('fay').state, 'READY', 'the call died with the process');
    assert.equal(view('dan').reservation, undefined);
    assert.deepEqual(
      report.endedReservations.map((r) => [r.agentId, r.contactId, r.was, r.now]).sort(),
      [['dan', 'caller-d', 'RESERVED', 'READY'], ['fay', 'caller-f', 'BUSY', 'READY']],
    );
    assert.deepEqual(q2.waitingContacts('sales').map((c) => [c.contactId, c.enqueuedAt]), [
      ['cb-new', new Date(T0 + 3000).toISOString()],
      ['cb-old', new Date(T0 - 5000).toISOString()],
    ], 'callbacks at their place (priority first, then the original enqueuedAt)');
    assert.deepEqual(report.droppedCallers.map((c) => c.contactId), ['caller-live']);
    assert.deepEqual(report.droppedCallbacks.map((c) => c.contactId), ['cb-done']);
    // what the restore changed is written back: the caller gone, the agents freed
    assert.deepEqual(store.snap.entries.map((e) => e.contactId), ['cb-old', 'cb-new']);
    assert.equal(store.snap.agents.find((a) => a.agentId === 'fay')?.state, 'READY');
    assert.equal(store.snap.agents.find((a) => a.agentId === 'fay')?.owner, 'i2');

    // the restored timers run: after-call work ends, the registration lapses
    second.vt.advance(600_000);
    await settle();
    assert.equal(view('cat').state, 'READY');
    second.vt.advance(3600_000);
    assert.equal(view('eve').state, 'NOT_READY');
    assert.equal(view('eve').notReadyReason, 'unreachable');
    await p2.flushed();
    assert.deepEqual(store.snap.registrations, [], 'the lapse written too');
    q2.close();
  });

  it('what ran out while the service was down ends at once: a registration (its agent unreachable), after-call work', async () => {
    const first = bench([sales()], agents);
    const store = new MemoryQueueStore();
    const p1 = first.q.persistTo({ store, owner: 'i1' });
    first.q.setRegistration('eve', 'sip:eve@192.0.2.5', T0 + 60_000);
    first.q.login('cat');
    first.q.enqueue(contact('x', 'caller', T0));
    const r = await first.q.reserveAgentFor('x', { timeoutMs: 1000 });
    r!.confirm();
    r!.callEnded({ afterCallWorkSec: 30 });
    await p1.flushed();
    first.q.close();

    const second = bench([sales()], agents);
    second.vt.advance(10 * 60_000);
    await second.q.persistTo({ store, owner: 'i2' }).restore(allWaiting);
    assert.equal(second.q.getAgent('eve').state, 'NOT_READY');
    assert.equal(second.q.getAgent('eve').notReadyReason, 'unreachable');
    assert.equal(second.q.getAgent('eve').registration, undefined);
    second.vt.advance(0);
    await settle();
    assert.equal(second.q.getAgent('cat').state, 'READY', 'after-call work over');
    second.q.close();
  });
});

import assert from 'node:assert/strict';
import type { Reservation } from '../../../src/ports/queue';
import { bench, contact, sales, settle, T0 } from './helpers';

const MIN = 60_000;
const ids = (q: ReturnType<typeof bench>['q']) => q.waitingContacts('sales').map((c) => c.contactId);

describe('queue line order, priorities, ageing and fairness', () => {
  it('orders by enqueuedAt, whatever the order of enqueue calls; a callback keeps the caller\'s place', () => {
    const { q } = bench([sales()], []);
    q.enqueue(contact('late', 'caller', T0 + 2000));
    q.enqueue(contact('early', 'caller', T0));
    q.enqueue(contact('cb', 'callback', T0 + 1000));
    assert.deepEqual(ids(q), ['early', 'cb', 'late']);
    // the first caller accepts a callback: same id, kind callback, same place
    q.enqueue(contact('early', 'callback', T0));
    assert.deepEqual(ids(q), ['early', 'cb', 'late']);
    assert.equal(q.waitingContacts('sales')[0]!.kind, 'callback');
    q.close();
  });

  it('serves higher priority first: per kind from the target, or per contact', () => {
    const { q } = bench([sales({ priorities: { caller: 5, callback: 0 } })], []);
    q.enqueue(contact('cb', 'callback', T0));
    q.enqueue(contact('caller', 'caller', T0 + 1000));
    q.enqueue(contact('vip', 'callback', T0 + 2000, { priority: 10 }));
    assert.deepEqual(ids(q), ['vip', 'caller', 'cb']);
    q.close();
  });

  it('ageing lets a long-waiting low-priority contact overtake', () => {
    const { q, vt } = bench([sales({ priorities: { caller: 3, callback: 0 }, ageingPerMinute: 1 })], []);
    q.enqueue(contact('cb', 'callback', T0));
    vt.advance(2 * MIN);
    q.enqueue(contact('caller', 'caller', vt.now()));
    assert.deepEqual(ids(q), ['caller', 'cb'], 'at 2 min: callback 0 + 2 < caller 3 + 0');
    vt.advance(2 * MIN);
    q.enqueue(contact('caller2', 'caller', vt.now()));
    // at 4 min: callback 4, caller 3 + 2 = 5, caller2 3 + 0 = 3
    assert.deepEqual(ids(q), ['caller', 'cb', 'caller2']);
    q.close();
  });

  it('without ageing, priority alone holds a low-priority contact back however long it waits', () => {
    const { q, vt } = bench([sales({ priorities: { caller: 3, callback: 0 } })], []);
    q.enqueue(contact('cb', 'callback', T0));
    vt.advance(60 * MIN);
    q.enqueue(contact('caller', 'caller', vt.now()));
    assert.deepEqual(ids(q), ['caller', 'cb']);
    q.close();
  });

  it('fairness: with callers prioritised, a callback still gets every (max+1)-th agent', async () => {
    const { q, vt } = bench([sales({ priorities: { caller: 10, callback: 0 }, maxConsecutiveSameKind: 2, reservationTimeoutSec: 600 })], [{}]);
    q.setReady('a1');
    const served: string[] = [];
    const wait = (id: string) => void q.reserveAgentFor(id, { timeoutMs: 3_600_000 }).then((r) => r && served.push(id) && reservations.set(id, r));
    const reservations = new Map<string, Reservation>();
    q.setNotReady('a1');
    q.enqueue(contact('cb1', 'callback', T0));
    q.enqueue(contact('cb2', 'callback', T0 + 1));
    for (let i = 1; i <= 5; i++) q.enqueue(contact(`c${i}`, 'caller', T0 + 10 + i));
    for (const id of ['cb1', 'cb2', 'c1', 'c2', 'c3', 'c4', 'c5']) wait(id);
    q.setReady('a1');
    for (let i = 0; i < 7; i++) {
      await settle();
      const last = served[served.length - 1]!;
      vt.advance(1000);
      q.confirm(reservations.get(last)!.reservationId);
      q.callEnded(reservations.get(last)!.reservationId);
    }
    await settle();
    assert.deepEqual(served, ['c1', 'c2', 'cb1', 'c3', 'c4', 'cb2', 'c5']);
    q.close();
  });

  it('fairness off (0): priorities alone decide', async () => {
    const { q } = bench([sales({ priorities: { caller: 10, callback: 0 }, maxConsecutiveSameKind: 0 })], [{}]);
    const served: string[] = [];
    q.enqueue(contact('cb1', 'callback', T0));
    for (let i = 1; i <= 3; i++) q.enqueue(contact(`c${i}`, 'caller', T0 + i));
    const rs = new Map<string, Reservation>();
    for (const id of ['cb1', 'c1', 'c2', 'c3']) void q.reserveAgentFor(id, { timeoutMs: 60_000 }).then((r) => r && served.push(id) && rs.set(id, r));
    q.setReady('a1');
    for (let i = 0; i < 4; i++) {
      await settle();
      const r = rs.get(served[served.length - 1]!)!;
      q.confirm(r.reservationId);
      q.callEnded(r.reservationId);
    }
    await settle();
    assert.deepEqual(served, ['c1', 'c2', 'c3', 'cb1']);
    q.close();
  });

  it('a contact nobody is connecting yet (a callback in virtual hold) does not hold an agent back', async () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('cb', 'callback', T0));
    q.enqueue(contact('caller', 'caller', T0 + 1000));
    const r = await q.reserveAgentFor('caller', { timeoutMs: 1000 });
    assert.equal(r?.contactId, 'caller');
    assert.deepEqual(ids(q), ['cb']);
    q.close();
  });
});

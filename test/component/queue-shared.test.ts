import assert from 'node:assert/strict';
import type { ReservationHandle } from '../../src/ports/queue';
import { parseQueueOptions } from '../../src/queue/parse-options';
import { QueueService } from '../../src/queue/queue-service';
import type { QueuePersistence } from '../../src/queue/queue-persistence';
import type { Store } from '../../src/store/store';
import { openPostgresStoresTogether } from '../helpers/stores';
import { until } from '../helpers/until';

const options = parseQueueOptions(
  {
    targets: [{ name: 'support', reservationTimeoutSec: 600 }, { name: 'sales' }],
    agents: [
      { id: 'alice', name: 'Alice', targets: ['support'], uri: 'sip:alice@192.0.2.10' },
      { id: 'bob', name: 'Bob', targets: ['sales'], password: 'bob-soft-pw-1' },
    ],
  },
  '',
);

const within = <T>(what: string, f: () => T | undefined) => until(what, f, 5000, 20);

describe('the queue on several instances over one PostgreSQL: agents changed on one are seen on the others', function () {
  if (!process.env.TEST_DATABASE_URL) return;
  const running: { q: QueueService; p: QueuePersistence }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.q.close();
      await r.p.close();
    }
  });

  const instance = async (store: Store, owner: string) => {
    const q = new QueueService(options);
    const p = q.persistTo({ store, owner });
    await p.restore(async () => new Set());
    await p.follow();
    running.push({ q, p });
    return q;
  };

  it('states, registrations and reservations reach the other instance; its dispatch passes by an agent busy elsewhere and takes it once free', async () => {
    const { stores } = await openPostgresStoresTogether(2);
    const a = await instance(stores[0]!, 'A');
    const b = await instance(stores[1]!, 'B');

    a.login('alice');
    await within('alice READY on B', () => (b.getAgent('alice').state === 'READY' ? true : undefined));
    assert.equal(b.getAgent('alice').since, a.getAgent('alice').since);

    const expires = Date.now() + 3600_000;
    a.setRegistration('bob', 'sip:bob@198.51.100.7:5062', expires);
    await within("bob's registration on B", () => b.getAgent('bob').registration);
    assert.equal(b.getAgent('bob').state, 'READY');
    assert.equal(b.getAgent('bob').uri, 'sip:bob@198.51.100.7:5062', 'B can call him at his softphone');

    b.setNotReady('alice');
    await within('alice NOT_READY on A', () => (a.getAgent('alice').state === 'NOT_READY' ? true : undefined));
    assert.equal(a.getAgent('alice').notReadyReason, 'requested');
    a.setReady('alice');
    await within('alice READY again on B', () => (b.getAgent('alice').state === 'READY' ? true : undefined));

    // A reserves alice for its caller: B sees her RESERVED and its own caller waits
    a.enqueue({ contactId: 'call-on-a', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    const onA = await a.reserveAgentFor('call-on-a', { timeoutMs: 1000 });
    assert.equal(onA?.agent.agentId, 'alice');
    await within('alice RESERVED on B', () => (b.getAgent('alice').state === 'RESERVED' ? true : undefined));
    b.enqueue({ contactId: 'call-on-b', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    const got: { onB?: ReservationHandle | null } = {};
    const waiting = b.reserveAgentFor('call-on-b', { timeoutMs: 10_000 }).then((r) => (got.onB = r));
    onA!.confirm();
    await within('alice BUSY on B', () => (b.getAgent('alice').state === 'BUSY' ? true : undefined));
    assert.equal(got.onB, undefined, 'B did not reserve an agent busy on A');
    onA!.callEnded({ afterCallWorkSec: 0 });
    await waiting;
    const onB = got.onB as ReservationHandle | null | undefined;
    assert.equal(onB?.agent.agentId, 'alice', 'B reserves her once A is done with her');
    await within('alice RESERVED by B, on A', () => (a.getAgent('alice').state === 'RESERVED' ? true : undefined));
    assert.equal(a.getAgent('alice').reservation, undefined, "B's reservation, not A's");
    onB!.release();
    await within('alice READY on A', () => (a.getAgent('alice').state === 'READY' ? true : undefined));
  });

  it("counts the contacts waiting on the other instances in a target's length and in a new contact's EWT", async () => {
    const { stores } = await openPostgresStoresTogether(2);
    const a = await instance(stores[0]!, 'A');
    const b = await instance(stores[1]!, 'B');
    a.login('alice');
    await within('alice READY on B', () => (b.getAgent('alice').state === 'READY' ? true : undefined));
    const alone = a.estimatedWaitSeconds('support', 'simple');
    for (let i = 0; i < 4; i++) b.enqueue({ contactId: `cb-${i}`, kind: 'callback', target: 'support', enqueuedAt: Date.now() + i });
    await within("B's four callbacks counted on A", () => (a.queueLength('support') === 4 ? true : undefined));
    assert.equal(b.queueLength('support'), 4);
    assert.equal(a.queueLength('sales'), 0);
    assert.ok(a.estimatedWaitSeconds('support', 'simple') > alone, `EWT with four waiting elsewhere ${a.estimatedWaitSeconds('support', 'simple')} s, alone ${alone} s`);
    assert.equal(a.estimatedWaitSeconds('support', 'simple'), b.estimatedWaitSeconds('support', 'simple'), 'the same EWT for a new contact on either instance');
    assert.equal(a.targetStats('support').waiting, 4);
    b.remove('cb-0');
    await within('one less on A', () => (a.queueLength('support') === 3 ? true : undefined));
  });

  it("a restarted instance leaves the lines and calls of the instances still running alone, and takes over a dead one's", async () => {
    const { stores } = await openPostgresStoresTogether(4);
    const a = await instance(stores[0]!, 'A');
    const b = await instance(stores[1]!, 'B');
    const c = await instance(stores[3]!, 'C');
    // C has a caller waiting and stops (its lease ends with it)
    c.enqueue({ contactId: 'caller-on-c', kind: 'caller', target: 'sales', enqueuedAt: Date.now() - 3000 });
    const third = running.pop()!;
    third.q.close();
    await third.p.close();
    a.login('alice');
    await within('alice READY on B', () => (b.getAgent('alice').state === 'READY' ? true : undefined));
    b.enqueue({ contactId: 'caller-on-b', kind: 'caller', target: 'support', enqueuedAt: Date.now() - 2000 });
    b.enqueue({ contactId: 'waiting-on-b', kind: 'caller', target: 'support', enqueuedAt: Date.now() - 1000 });
    const onB = await b.reserveAgentFor('caller-on-b', { timeoutMs: 5000 });
    assert.equal(onB?.agent.agentId, 'alice');
    onB!.confirm();
    a.enqueue({ contactId: 'caller-on-a', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    await within('alice BUSY on A', () => (a.getAgent('alice').state === 'BUSY' ? true : undefined));
    // A stops, and starts again
    const first = running.shift()!;
    first.q.close();
    await first.p.close();
    const again = new QueueService(options);
    const p = again.persistTo({ store: stores[2]!, owner: 'A' });
    const report = await p.restore(async () => new Set());
    await p.follow();
    running.push({ q: again, p });
    assert.deepEqual(report.droppedCallers.map((x) => x.contactId).sort(), ['caller-on-a', 'caller-on-c'], "its own caller and the stopped C's are lost; B's is B's");
    assert.deepEqual(report.endedReservations, [], "B's call goes on");
    assert.equal(again.getAgent('alice').state, 'BUSY', 'BUSY on B');
    assert.equal(again.queueLength('support'), 1, "B's caller still waiting, counted");
    const kept = await stores[2]!.loadQueueState();
    assert.deepEqual(kept.entries.map((e) => [e.contactId, e.owner]), [['waiting-on-b', 'B']], "B's row kept");
    onB!.callEnded({ afterCallWorkSec: 0 });
    await within('alice READY on A again', () => (again.getAgent('alice').state === 'READY' ? true : undefined));
  });
});

import assert from 'node:assert/strict';
import type { CallbackRecord } from '../../../src/ports/callback-records';
import type { CommittedEvent, Store } from '../../../src/store/store';
import type { StoredAgentDetail } from '../../../src/ports/queue-state';
import pg from 'pg';
import { postgresMigrations } from '../../../src/store/migrations/postgres';
import { openPostgresStoresTogether, openTestStore, reopenTestStore, storeKinds } from '../../helpers/stores';

const T = Date.parse('2026-12-01T15:00:00.000Z');

const callback = (id: string, over: Partial<CallbackRecord> = {}): CallbackRecord => ({
  id,
  serviceName: 'svc',
  customerNumber: '+14155552671',
  state: 'QUEUED',
  reason: null,
  requestReason: null,
  direction: 'USERTERMINATED',
  target: 'support',
  desiredTime: null,
  acceptedAt: T,
  serviceStart: T,
  expirationTime: T + 3_600_000,
  nextAttemptAt: T,
  attempts: 0,
  originatingInteractionId: null,
  clientId: 'test',
  userData: { note: 'x' },
  overrides: {},
  updatedAt: T,
  ...over,
});

for (const kind of storeKinds()) {
  describe(`store contract (${kind})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openTestStore(kind);
    });

    it('keeps a callback as given, and a guarded change applies only from the expected states', async () => {
      await store.insertCallback(callback('a'), [{ type: 'CREATED', at: T }]);
      assert.deepEqual(await store.getCallback('a'), callback('a'));
      const routing = callback('a', { state: 'ROUTING', nextAttemptAt: null, updatedAt: T + 1 });
      assert.equal(await store.applyChange({ callback: routing, expectStates: ['QUEUED'], events: [{ type: 'STATE_CHANGED', at: T + 1 }] }), true);
      assert.equal(await store.applyChange({ callback: callback('a', { state: 'COMPLETED' }), expectStates: ['QUEUED'], events: [] }), false, 'the row moved on');
      assert.equal((await store.getCallback('a'))?.state, 'ROUTING');
      assert.deepEqual((await store.events({ callbackId: 'a', limit: 10 })).map((e) => e.type), ['CREATED', 'STATE_CHANGED']);
      assert.equal(await store.applyChange({ callback: callback('nope'), expectStates: ['QUEUED'], events: [] }), false, 'an unknown callback');
    });

    it('of two claims racing for one callback, exactly one wins', async () => {
      await store.insertCallback(callback('race'), []);
      const claim = (n: number) =>
        store.applyChange({
          callback: callback('race', { state: 'ROUTING', nextAttemptAt: null }),
          attempt: { id: `att-${n}`, callbackId: 'race', number: 1, startedAt: T, endedAt: null, outcome: null, sipStatus: null, amdDecision: null, amdDecisionMs: null, agentId: null, answeredAt: null, connectedAt: null, callId: null, detail: null },
          expectStates: ['QUEUED'],
          events: [{ type: 'ATTEMPT_STARTED', at: T }],
        });
      const won = await Promise.all([claim(1), claim(2), claim(3)]);
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal(await store.countAttempts('race'), 1);
    });

    it('counts the attempts of several callbacks at once (those without any are absent)', async () => {
      const attempt = (id: string, callbackId: string, number: number) => ({ id, callbackId, number, startedAt: T, endedAt: T + 1, outcome: 'NO_ANSWER' as const, sipStatus: 480, amdDecision: null, amdDecisionMs: null, agentId: null, answeredAt: null, connectedAt: null, callId: null, detail: null });
      for (const id of ['one', 'two', 'none']) await store.insertCallback(callback(id), []);
      await store.saveAttempt(attempt('o1', 'one', 1));
      await store.saveAttempt(attempt('t1', 'two', 1));
      await store.saveAttempt(attempt('t2', 'two', 2));
      assert.deepEqual(await store.countAttemptsOf(['one', 'two', 'none', 'unknown']), new Map([['one', 1], ['two', 2]]));
      assert.deepEqual(await store.countAttemptsOf([]), new Map());
    });

    it('lists due callbacks oldest first, and the next due time', async () => {
      await store.insertCallback(callback('late', { nextAttemptAt: T + 2000 }), []);
      await store.insertCallback(callback('early', { nextAttemptAt: T + 1000, acceptedAt: T + 1 }), []);
      await store.insertCallback(callback('done', { state: 'COMPLETED', nextAttemptAt: null }), []);
      assert.deepEqual((await store.dueCallbacks(T + 5000, 10)).map((c) => c.id), ['early', 'late']);
      assert.deepEqual((await store.dueCallbacks(T + 1500, 10)).map((c) => c.id), ['early']);
      assert.equal(await store.nextDueTime(), T + 1000);
      assert.equal((await store.findActiveCallback('svc', '+14155552671'))?.id, 'late', 'the first accepted of the active ones');
    });

    it('a transaction commits all or nothing; an inner failure rolls back the inner part only; events are published after the commit', async () => {
      const published: CommittedEvent[][] = [];
      store.onCommitted((e) => published.push(e));
      await assert.rejects(
        store.transaction(async () => {
          await store.insertCallback(callback('gone'), [{ type: 'CREATED', at: T }]);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.getCallback('gone'), undefined);
      assert.equal(published.length, 0, 'nothing of rolled-back work');
      await store.transaction(async () => {
        await store.insertCallback(callback('kept'), [{ type: 'CREATED', at: T }]);
        await assert.rejects(
          store.transaction(async () => {
            await store.insertCallback(callback('inner'), [{ type: 'CREATED', at: T }]);
            throw new Error('inner');
          }),
        );
        assert.equal(published.length, 0, 'not before the commit');
      });
      assert.ok(await store.getCallback('kept'));
      assert.equal(await store.getCallback('inner'), undefined);
      assert.deepEqual(published.map((b) => b.map((e) => e.callbackId)), [['kept']]);
    });

    it('leases a callback to the instance dialing it: renewed by it alone, cleared when it leaves ROUTING, taken over once expired', async () => {
      await store.insertCallback(callback('a'), []);
      await store.insertCallback(callback('b'), []);
      const claim = (id: string, owner: string) =>
        store.applyChange({ callback: callback(id, { state: 'ROUTING', nextAttemptAt: null }), expectStates: ['QUEUED'], lease: { owner, expiresAt: T + 6000 }, events: [] });
      assert.equal(await claim('a', 'one'), true);
      assert.equal(await claim('b', 'two'), true);
      assert.deepEqual(await store.abandonedInFlight(T + 1000, 10), [], 'both leases live');
      assert.deepEqual(await store.renewLeases('one', ['a', 'b'], T + 9000), ['a'], "one renews its own lease only");
      // the move to PROCESSING keeps the lease (and may check it is still the mover's)
      assert.equal(await store.applyChange({ callback: callback('a', { state: 'PROCESSING', nextAttemptAt: null }), expectStates: ['ROUTING'], expectLease: { owner: 'two' }, events: [] }), false, "not two's lease");
      assert.equal(await store.applyChange({ callback: callback('a', { state: 'PROCESSING', nextAttemptAt: null }), expectStates: ['ROUTING'], expectLease: { owner: 'one' }, events: [] }), true);
      const abandoned = await store.abandonedInFlight(T + 7000, 10);
      assert.deepEqual(abandoned.map((a) => [a.callback.id, a.leaseOwner, a.leaseExpiresAt]), [['b', 'two', T + 6000]], "b's lease expired, a's was renewed");
      assert.deepEqual((await store.abandonedInFlight(T + 1000, 10, (owner) => owner === 'one')).map((a) => a.callback.id), ['a'], 'a dead holder, before expiry');
      // a takeover applies only while the lease is still the expired one's
      const retry = callback('b', { state: 'SCHEDULED', nextAttemptAt: T + 60_000 });
      assert.equal(await store.applyChange({ callback: retry, expectStates: ['ROUTING', 'PROCESSING'], expectLease: { owner: 'two', expiredBy: T + 5000 }, events: [] }), false, 'not expired by then');
      assert.equal(await store.applyChange({ callback: retry, expectStates: ['ROUTING', 'PROCESSING'], expectLease: { owner: 'two', expiredBy: T + 7000 }, events: [] }), true);
      assert.equal(await store.applyChange({ callback: retry, expectStates: ['ROUTING', 'PROCESSING'], expectLease: { owner: 'two', expiredBy: T + 7000 }, events: [] }), false, 'once');
      // the old holder can neither renew nor end it now; a new claim takes a new lease
      assert.deepEqual(await store.renewLeases('two', ['b'], T + 12_000), []);
      assert.equal(await claim('b', 'three'), false, 'SCHEDULED is not QUEUED');
      assert.equal(await store.applyChange({ callback: callback('b', { state: 'ROUTING', nextAttemptAt: null }), expectStates: ['SCHEDULED'], lease: { owner: 'three', expiresAt: T + 70_000 }, events: [] }), true);
      assert.equal(await store.applyChange({ callback: callback('b', { state: 'COMPLETED', nextAttemptAt: null }), expectStates: ['ROUTING'], expectLease: { owner: 'two' }, events: [] }), false, "two's end of its old attempt");
      assert.deepEqual(await store.renewLeases('three', ['b'], T + 80_000), ['b']);
      assert.equal(await store.applyChange({ callback: callback('b', { state: 'COMPLETED', nextAttemptAt: null }), expectStates: ['ROUTING'], expectLease: { owner: 'three' }, events: [] }), true);
      assert.deepEqual(await store.renewLeases('three', ['b'], T + 90_000), [], 'completed: no lease');
      // racing takeovers of one abandoned attempt: one wins
      const racing = await Promise.all(['x', 'y', 'z'].map(() => store.applyChange({ callback: callback('a', { state: 'SCHEDULED' }), expectStates: ['ROUTING', 'PROCESSING'], expectLease: { owner: 'one', expiredBy: T + 20_000 }, events: [] })));
      assert.equal(racing.filter(Boolean).length, 1, 'of instances racing to take over, one wins');
      // a callback in flight from before leases: abandoned at once
      await store.insertCallback(callback('old', { state: 'ROUTING', nextAttemptAt: null }), []);
      assert.deepEqual((await store.abandonedInFlight(T, 10)).map((a) => [a.callback.id, a.leaseOwner]), [['old', null]]);
    });

    it("keeps the queue's state as last written: line entries, agent states, registrations (one change at a time, all or nothing)", async () => {
      const detail = (over: Partial<StoredAgentDetail> = {}): StoredAgentDetail => ({
        notReadyReason: null, since: T, idleSince: T, loggedIn: true, loginUri: null, afterCall: null, acwEndsAt: null, reservation: null, lastCall: null, ...over,
      });
      assert.deepEqual(await store.loadQueueState(), { entries: [], agents: [], registrations: [] });
      await store.saveQueueState({
        putEntries: [
          { contactId: 'cb-2', kind: 'callback', target: 'support', enqueuedAt: T + 5, priority: null, owner: 'i1' },
          { contactId: 'caller-1', kind: 'caller', target: 'support', enqueuedAt: T + 1, priority: 2.5, owner: 'i1' },
          { contactId: 'gone', kind: 'caller', target: 'sales', enqueuedAt: T, priority: null, owner: 'i1' },
        ],
        removeEntries: [],
        putAgents: [
          { agentId: 'alice', state: 'READY', detail: detail(), owner: 'i1', updatedAt: T },
          { agentId: 'bob', state: 'RESERVED', detail: detail({ reservation: { id: 'r1', contactId: 'c9', kind: 'callback', target: 'support', reservedAt: T, expiresAt: T + 30_000, confirmedAt: null } }), owner: 'i1', updatedAt: T },
        ],
        putRegistrations: [{ agentId: 'alice', contactUri: 'sip:alice@192.0.2.7:5060', expiresAt: T + 3600_000 }, { agentId: 'bob', contactUri: 'sip:bob@x', expiresAt: T + 60_000 }],
        removeRegistrations: [],
      });
      await store.saveQueueState({
        putEntries: [{ contactId: 'cb-2', kind: 'callback', target: 'support', enqueuedAt: T + 5, priority: 1, owner: 'i2' }],
        removeEntries: ['gone', 'never-there'],
        putAgents: [{ agentId: 'alice', state: 'NOT_READY', detail: detail({ notReadyReason: 'requested', since: T + 9 }), owner: 'i2', updatedAt: T + 9 }],
        putRegistrations: [],
        removeRegistrations: ['bob'],
      });
      const s = await store.loadQueueState();
      assert.deepEqual(s.entries, [
        { contactId: 'caller-1', kind: 'caller', target: 'support', enqueuedAt: T + 1, priority: 2.5, owner: 'i1' },
        { contactId: 'cb-2', kind: 'callback', target: 'support', enqueuedAt: T + 5, priority: 1, owner: 'i2' },
      ], 'in place order, the update applied, the removed one gone');
      assert.deepEqual(s.agents.map((a) => [a.agentId, a.state, a.detail.notReadyReason, a.detail.since, a.owner, a.updatedAt]), [
        ['alice', 'NOT_READY', 'requested', T + 9, 'i2', T + 9],
        ['bob', 'RESERVED', null, T, 'i1', T],
      ]);
      assert.equal(s.agents[1]!.detail.reservation?.contactId, 'c9', 'the reservation kept with the state');
      assert.deepEqual(s.registrations, [{ agentId: 'alice', contactUri: 'sip:alice@192.0.2.7:5060', expiresAt: T + 3600_000 }]);
      await assert.rejects(
        store.saveQueueState({
          putEntries: [{ contactId: 'half', kind: 'caller', target: 'support', enqueuedAt: T, priority: null, owner: 'i1' }],
          removeEntries: [],
          putAgents: [{ agentId: 'carol', state: 'READY', detail: detail(), owner: null as unknown as string, updatedAt: T }],
          putRegistrations: [],
          removeRegistrations: [],
        }),
        'a row the schema refuses',
      );
      assert.equal((await store.loadQueueState()).entries.some((e) => e.contactId === 'half'), false, 'nothing of a failed change is kept');
      // a late write (an older state) never undoes a later one
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [{ agentId: 'alice', state: 'READY', detail: detail(), owner: 'i1', updatedAt: T + 5 }], putRegistrations: [], removeRegistrations: [] });
      assert.equal((await store.loadQueueState()).agents.find((a) => a.agentId === 'alice')?.state, 'NOT_READY', 'the row of T + 9 stays');
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [{ agentId: 'alice', state: 'READY', detail: detail(), owner: 'i1', updatedAt: T + 9 }], putRegistrations: [], removeRegistrations: [] });
      assert.equal((await store.loadQueueState()).agents.find((a) => a.agentId === 'alice')?.state, 'READY', 'one of the same time replaces it');
    });

    if (kind === 'postgres') {
      it("tells every instance on the database of a saved change of the queue's state, once committed: whose, which agents", async () => {
        const other = await reopenTestStore(store);
        const heard: unknown[] = [];
        const stop = await other.watchQueueState!((n) => heard.push(n));
        const detail = { notReadyReason: null, since: T, idleSince: T, loggedIn: true, loginUri: null, afterCall: null, acwEndsAt: null, reservation: null, lastCall: null };
        await store.transaction(async () => {
          await store.saveQueueState({ owner: 'i1', putEntries: [], removeEntries: [], putAgents: [{ agentId: 'alice', state: 'READY', detail, owner: 'i1', updatedAt: T }], putRegistrations: [{ agentId: 'bob', contactUri: 'sip:bob@x', expiresAt: T + 1 }], removeRegistrations: ['carol'] });
          await new Promise((r) => setTimeout(r, 100));
          assert.deepEqual(heard, [], 'nothing before the commit');
        });
        for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(heard, [{ owner: 'i1', agents: ['alice', 'bob', 'carol'] }]);
        await stop();
        await store.saveQueueState({ owner: 'i1', putEntries: [], removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [] });
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(heard.length, 1, 'not after it stopped');
      });
    }

    it('claims an agent for one reservation at a time: taken when free or expired, renewed by its instance, released with a save', async () => {
      const claim = (agentId: string, owner: string, reservationId: string, expiresAt: number) => ({ agentId, owner, reservationId, contactId: `c-${reservationId}`, expiresAt });
      assert.equal(await store.claimAgent(claim('alice', 'i1', 'r1', T + 10_000), T), 'claimed');
      assert.equal(await store.claimAgent(claim('alice', 'i2', 'r2', T + 10_000), T + 1), 'held', 'held by i1 until it expires');
      assert.equal(await store.claimAgent(claim('alice', 'i1', 'r3', T + 10_000), T + 1), 'held', 'its own instance too: one reservation at a time');
      assert.equal(await store.claimAgent(claim('bob', 'i2', 'r4', T + 10_000), T + 1), 'claimed', 'another agent');
      assert.deepEqual(await store.renewQueueLease('i1', T + 30_000), ['r1'], "i1's claims extended");
      assert.deepEqual(await store.liveQueueInstances(T + 20_000), ['i1'], 'i1 keeps a lease; i2 never took one');
      assert.deepEqual(await store.liveQueueInstances(T + 30_000), [], 'expired');
      assert.equal(await store.claimAgent(claim('alice', 'i2', 'r2', T + 40_000), T + 20_000), 'held', 'renewed: still held past its first expiry');
      assert.deepEqual((await store.agentClaims(T + 5000)).map((c) => [c.agentId, c.owner, c.reservationId, c.expiresAt]), [
        ['alice', 'i1', 'r1', T + 30_000],
        ['bob', 'i2', 'r4', T + 10_000],
      ]);
      // i1 stops renewing (died): its claim expires and another instance takes the agent
      assert.equal(await store.claimAgent(claim('alice', 'i2', 'r2', T + 40_000), T + 30_000), 'claimed', 'expired: taken over');
      assert.deepEqual(await store.renewQueueLease('i1', T + 50_000), [], 'i1 holds nothing any more');
      // the reservation ends: its claim goes with the save that writes the agent free
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [], releaseClaims: ['r2', 'r-unknown'] });
      assert.deepEqual((await store.agentClaims(T + 30_000)).map((c) => c.agentId), [], 'r2 released; bob expired at T + 10 s');
      assert.equal(await store.claimAgent(claim('alice', 'i3', 'r5', T + 60_000), T + 30_001), 'claimed', 'free again');
      // racing instances: one wins
      const racing = await Promise.all(['a', 'b', 'c', 'd'].map((o) => store.claimAgent(claim('carol', o, `r-${o}`, T + 60_000), T + 30_000)));
      assert.deepEqual(racing.filter((r) => r === 'claimed').length, 1, 'of instances racing for one agent, one wins');
    });

    it("refuses a claim for a contact behind another live instance's connecting contact of the target (oldest first across instances)", async () => {
      const order = { target: 'support', kind: 'caller' as const, priority: null, priorities: { caller: 0, callback: 0 }, ageingPerMinute: 0 };
      const entry = (contactId: string, owner: string, enqueuedAt: number, over: { connecting?: boolean; target?: string; priority?: number } = {}) => ({
        contactId, kind: 'caller' as const, target: over.target ?? 'support', enqueuedAt, priority: over.priority ?? null, owner, ...(over.connecting === false ? {} : { connecting: true }),
      });
      await store.saveQueueState({
        putEntries: [entry('b-old', 'i2', T + 1), entry('b-waiting', 'i2', T, { connecting: false }), entry('b-sales', 'i2', T, { target: 'sales' }), entry('c-dead', 'i3', T)],
        removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [],
      });
      assert.deepEqual((await store.loadQueueState()).entries.map((e) => [e.contactId, e.connecting ?? false]), [
        ['b-sales', true], ['b-waiting', false], ['c-dead', true], ['b-old', true],
      ]);
      await store.renewQueueLease('i2', T + 100_000);
      await store.renewQueueLease('i3', T + 100); // i3 died: its lease ran out
      const claim = (contactId: string, reservationId: string) => ({ agentId: 'alice', owner: 'i1', reservationId, contactId, expiresAt: T + 20_000 });
      assert.equal(await store.claimAgent(claim('a-young', 'r1'), T + 1000, { ...order, enqueuedAt: T + 2 }), 'behind', "i2's older connecting caller comes first");
      assert.deepEqual(await store.agentClaims(T), [], 'nothing claimed');
      assert.equal(await store.claimAgent(claim('a-tie', 'r1'), T + 1000, { ...order, enqueuedAt: T + 1 }), 'claimed', 'same time: the smaller contact id first ("a-tie" < "b-old")');
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [], releaseClaims: ['r1'] });
      assert.equal(await store.claimAgent(claim('a-high', 'r2'), T + 1000, { ...order, enqueuedAt: T + 5, priority: 5 }), 'claimed', 'a higher priority goes before an older one');
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [], releaseClaims: ['r2'] });
      // ageing: 1 point a minute; i2's caller waited 1 s longer, the claimant's contact has priority 0.01 more: ahead by 1/60 - 0.01
      assert.equal(await store.claimAgent(claim('a-aged', 'r3'), T + 60_000, { ...order, ageingPerMinute: 1, enqueuedAt: T + 1001, priority: 0.01 }), 'behind');
      assert.equal(await store.claimAgent(claim('a-aged', 'r3'), T + 60_000, { ...order, ageingPerMinute: 1, enqueuedAt: T + 1001, priority: 0.02 }), 'claimed');
      await store.saveQueueState({ putEntries: [], removeEntries: [], putAgents: [], putRegistrations: [], removeRegistrations: [], releaseClaims: ['r3'] });
      assert.equal(await store.claimAgent({ ...claim('a-young', 'r4'), owner: 'i2' }, T + 1000, { ...order, enqueuedAt: T + 2 }), 'claimed', "the instance's own contacts are its own order's business");
    });

    it('keeps pending previews and confirmations by callback and kind until they are answered', async () => {
      await store.putPendingApproval({ callbackId: 'cb1', kind: 'agent_preview', agentId: 'alice', expiresAt: T + 30_000, pending: { kind: 'agent_preview', allowReject: true } });
      await store.putPendingApproval({ callbackId: 'cb1', kind: 'user_confirm', agentId: 'alice', expiresAt: T + 60_000, pending: { kind: 'user_confirm' } });
      await store.putPendingApproval({ callbackId: 'cb0', kind: 'agent_preview', agentId: 'bob', expiresAt: T + 10_000, pending: { kind: 'agent_preview', userData: { a: '1' } } });
      await store.putPendingApproval({ callbackId: 'cb0', kind: 'agent_preview', agentId: 'bob', expiresAt: T + 20_000, pending: { kind: 'agent_preview', userData: { a: '2' } } });
      assert.deepEqual(
        (await store.pendingApprovals()).map((a) => [a.callbackId, a.kind, a.agentId, a.expiresAt, a.pending]),
        [
          ['cb0', 'agent_preview', 'bob', T + 20_000, { kind: 'agent_preview', userData: { a: '2' } }],
          ['cb1', 'agent_preview', 'alice', T + 30_000, { kind: 'agent_preview', allowReject: true }],
          ['cb1', 'user_confirm', 'alice', T + 60_000, { kind: 'user_confirm' }],
        ],
        'by deadline; the second offer of cb0 replaced the first',
      );
      await store.deletePendingApproval('cb1', 'agent_preview');
      await store.deletePendingApproval('nope', 'user_confirm');
      assert.deepEqual((await store.pendingApprovals()).map((a) => `${a.callbackId}/${a.kind}`), ['cb0/agent_preview', 'cb1/user_confirm']);
    });

    it('keeps agent page sessions by token hash until they expire or the agent signs out everywhere', async () => {
      await store.insertAgentSession({ tokenHash: 'h1', agentId: 'alice', expiresAt: T + 1000 }, T);
      await store.insertAgentSession({ tokenHash: 'h2', agentId: 'alice', expiresAt: T + 5000 }, T);
      await store.insertAgentSession({ tokenHash: 'h3', agentId: 'bob', expiresAt: T + 5000 }, T);
      assert.equal(await store.agentOfSession('h1', T), 'alice');
      assert.equal(await store.agentOfSession('h1', T + 1000), undefined, 'expired');
      assert.equal(await store.agentOfSession('h1', T), undefined, 'and gone');
      assert.equal(await store.agentOfSession('nope', T), undefined);
      await store.deleteAgentSession('h3');
      assert.equal(await store.agentOfSession('h3', T), undefined);
      await store.insertAgentSession({ tokenHash: 'h4', agentId: 'alice', expiresAt: T + 100 }, T);
      assert.equal(await store.deleteAgentSessions('alice', T + 200), 1, 'the live ones counted');
      await store.insertAgentSession({ tokenHash: 'h5', agentId: 'carol', expiresAt: T + 100 }, T);
      await store.insertAgentSession({ tokenHash: 'h6', agentId: 'carol', expiresAt: T + 900 }, T + 500);
      assert.equal(await store.deleteAgentSessions('carol', 0), 1, "an agent's expired sessions go at its next sign-in");
      assert.equal(await store.agentOfSession('h2', T), undefined);
    });

    it('numbers audit entries in order and finds them by subject kind, newest first', async () => {
      for (const [i, subject] of ['service:a', 'key:k1', 'service:b'].entries()) {
        await store.appendAudit({ at: T + i, actor: 'admin', source: '127.0.0.1', action: 'x', subject, detail: '{}' });
      }
      const all = await store.auditEntries({ limit: 10 });
      assert.deepEqual(all.map((e) => e.subject), ['service:b', 'key:k1', 'service:a']);
      assert.ok(all[0]!.seq > all[1]!.seq && all[1]!.seq > all[2]!.seq);
      assert.deepEqual((await store.auditEntries({ subject: 'service:', limit: 10 })).map((e) => e.subject), ['service:b', 'service:a']);
      assert.deepEqual((await store.auditEntries({ beforeSeq: all[0]!.seq, limit: 1 })).map((e) => e.subject), ['key:k1']);
    });

    it('keeps API keys, and a revocation (with its replacement) is seen at once', async () => {
      await store.insertApiKey({ id: 'k1', name: 'ivr', secretHash: 'ab', scopes: ['callbacks:write'], allowedNetworks: ['10.0.0.0/8'], rateLimitPerMinute: 60, createdAt: T, createdBy: 'admin', revokedAt: null, revokedBy: null, replacedBy: null });
      assert.equal(await store.revokeApiKey('k1', T + 5, 'admin', 'k2'), true);
      assert.equal(await store.revokeApiKey('nope', T + 5, 'admin', null), false);
      const k = await store.getApiKey('k1');
      assert.deepEqual([k?.revokedAt, k?.replacedBy, k?.scopes, k?.rateLimitPerMinute], [T + 5, 'k2', ['callbacks:write'], 60]);
      assert.equal((await store.listApiKeys()).length, 1);
    });

    it('merges attached data into an interaction and ends an outside IVR call as CALLBACK', async () => {
      await store.openInteraction({ interactionId: 'i1', startedAt: T - 60_000, ani: '4155552671', attached: { a: 1 } });
      await store.insertCallback(callback('cb', { originatingInteractionId: 'i1' }), [], {
        interactionId: 'i1',
        callbackId: 'cb',
        attached: { _CB_SERVICE_ID: 'cb' },
        endAsCallback: { at: T, serviceName: 'svc', target: 'support' },
      });
      const i = await store.getInteraction('i1');
      assert.deepEqual([i?.startedAt, i?.endedAt, i?.outcome, i?.callbackId, i?.attached], [T - 60_000, T, 'CALLBACK', 'cb', { a: 1, _CB_SERVICE_ID: 'cb' }]);
      assert.equal(await store.updateCallbackInteractions('cb', { _CB_T_SERVICE_START: 42 }), 1);
      assert.deepEqual((await store.getInteraction('i1'))?.attached, { a: 1, _CB_SERVICE_ID: 'cb', _CB_T_SERVICE_START: 42 });
    });

    it('counts scheduled callbacks per time slot, not the cancelled ones', async () => {
      const slot = 15 * 60_000;
      const at = Math.floor(T / slot) * slot + slot;
      await store.insertCallback(callback('s1', { state: 'SCHEDULED', desiredTime: at + 1 }), []);
      await store.insertCallback(callback('s2', { state: 'SCHEDULED', desiredTime: at + 2 }), []);
      await store.insertCallback(callback('s3', { state: 'COMPLETED', reason: 'CANCELLED', desiredTime: at + 3 }), []);
      assert.deepEqual([...(await store.bucketCounts('svc', slot, at, at + slot))], [[at, 2]]);
      assert.deepEqual([...(await store.bucketCountsByTarget('support', slot, at, at + slot))], [[at, 2]]);
      assert.equal(await store.countCallbacksSince('+14155552671', T), 3);
    });

    it('erases a number only when it has no active callback', async () => {
      await store.insertCallback(callback('active'), []);
      assert.deepEqual(await store.eraseCustomerNumber('+14155552671'), { callbacks: 0, interactions: 0, active: 1 });
      await store.applyChange({ callback: callback('active', { state: 'COMPLETED', reason: 'CANCELLED', nextAttemptAt: null }), events: [] });
      assert.equal((await store.eraseCustomerNumber('+14155552671')).callbacks, 1);
      assert.equal((await store.getCallback('active'))?.customerNumber, 'ERASED');
    });

    it("keeps an agent's disposition on an attempt (through the attempt's later save) and lists attempts with their callback's service and number", async () => {
      await store.insertCallback(callback('cb'), []);
      await store.insertCallback(callback('other', { serviceName: 'svc2', customerNumber: '+14155550000' }), []);
      const attempt = { id: 'a1', callbackId: 'cb', number: 1, startedAt: T + 10, endedAt: null, outcome: null, sipStatus: null, amdDecision: null, amdDecisionMs: null, agentId: null, answeredAt: null, connectedAt: null, callId: null, detail: null };
      await store.saveAttempt(attempt);
      await store.saveAttempt({ ...attempt, id: 'a2', callbackId: 'other', startedAt: T + 20 });
      assert.equal(await store.setAttemptDisposition('a1', { code: 'Resolved', note: 'ok', at: T + 30 }), true);
      assert.equal(await store.setAttemptDisposition('none', { code: 'Resolved', note: null, at: T + 30 }), false);
      await store.saveAttempt({ ...attempt, endedAt: T + 25, outcome: 'CONNECTED_TO_AGENT', agentId: 'fay' });
      const [a] = await store.attemptsOf('cb');
      assert.deepEqual([a?.outcome, a?.agentId, a?.disposition, a?.dispositionNote, a?.dispositionAt], ['CONNECTED_TO_AGENT', 'fay', 'Resolved', 'ok', T + 30]);
      assert.equal((await store.attemptsOf('other'))[0]?.disposition, undefined);
      const all = await store.searchAttempts({ limit: 10 });
      assert.deepEqual(all.map((r) => [r.id, r.serviceName, r.customerNumber, r.disposition ?? null]), [['a1', 'svc', '+14155552671', 'Resolved'], ['a2', 'svc2', '+14155550000', null]]);
      assert.deepEqual((await store.searchAttempts({ serviceName: 'svc2', limit: 10 })).map((r) => r.id), ['a2']);
      assert.deepEqual((await store.searchAttempts({ from: T + 15, to: T + 20, limit: 10 })).map((r) => r.id), ['a2']);
      assert.deepEqual((await store.searchAttempts({ to: T + 15, limit: 10 })).map((r) => r.id), ['a1']);
      assert.equal((await store.searchAttempts({ limit: 1 })).length, 1);
    });

    it("keeps an IVR caller's disposition written before or after the IVR records its call, and finds a caller's interactions newest first", async () => {
      await store.setInteractionDisposition('i1', 'gus', { code: 'Other', note: 'early', at: T + 5 });
      await store.recordInteraction({ interactionId: 'i1', ani: '+14155552671', startedAt: T, endedAt: T + 4, outcome: 'CONNECTED_TO_AGENT', attached: { k: 'v' } });
      await store.recordInteraction({ interactionId: 'i2', ani: '14155552671', startedAt: T + 100, endedAt: T + 104, outcome: 'CONNECTED_TO_AGENT', attached: {} });
      await store.setInteractionDisposition('i2', 'fay', { code: 'Resolved', note: null, at: T + 105 });
      await store.recordInteraction({ interactionId: 'i3', ani: '+14155550000', startedAt: T + 200, endedAt: T + 201, outcome: 'CONNECTED_TO_AGENT', attached: {} });
      const i1 = await store.getInteraction('i1');
      assert.deepEqual([i1?.startedAt, i1?.outcome, i1?.attached, i1?.agentId, i1?.disposition, i1?.dispositionNote, i1?.dispositionAt], [T, 'CONNECTED_TO_AGENT', { k: 'v' }, 'gus', 'Other', 'early', T + 5]);
      const mine = await store.interactionsOfCallers(['+14155552671', '14155552671'], 10);
      assert.deepEqual(mine.map((i) => [i.interactionId, i.agentId, i.disposition, i.dispositionNote ?? null]), [['i2', 'fay', 'Resolved', null], ['i1', 'gus', 'Other', 'early']]);
      assert.deepEqual((await store.interactionsOfCallers(['+14155552671', '14155552671'], 1)).map((i) => i.interactionId), ['i2']);
      assert.deepEqual(await store.interactionsOfCallers([], 10), []);
    });

    if (kind === 'postgres') {
      it('migrates once when several instances start at once on an empty database', async () => {
        const { stores, schema } = await openPostgresStoresTogether(3);
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        try {
          const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
          assert.deepEqual(rows.map((r) => r.version), postgresMigrations.map((_, i) => i + 1), 'each migration ran once');
        } finally {
          await client.end();
        }
        await stores[0]!.insertCallback(callback('shared'), []);
        for (const s of stores) assert.equal((await s.getCallback('shared'))?.id, 'shared', 'every instance sees the committed row');
      });

      it('a second instance sees a transaction’s work only once it commits', async () => {
        const other = await reopenTestStore(store);
        let seenInside: CallbackRecord | undefined;
        await store.transaction(async () => {
          await store.insertCallback(callback('tx'), []);
          seenInside = await other.getCallback('tx');
        });
        assert.equal(seenInside, undefined);
        assert.equal((await other.getCallback('tx'))?.id, 'tx');
      });
    }
  });
}

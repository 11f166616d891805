import assert from 'node:assert/strict';
import type { AttemptRecord, CallbackRecord } from '../../src/ports/callback-records';
import type { Store } from '../../src/store/store';
import { openTestStore, storeKinds } from '../helpers/stores';

const T0 = Date.parse('2026-12-01T15:00:00.000Z');

const callback = (id: string, number: string, at: number): CallbackRecord => ({
  id,
  serviceName: 'billing',
  customerNumber: number,
  state: 'PROCESSING',
  reason: null,
  requestReason: null,
  direction: 'USERTERMINATED',
  target: 'support',
  desiredTime: null,
  acceptedAt: at,
  serviceStart: at,
  expirationTime: at + 86_400_000,
  nextAttemptAt: null,
  attempts: 1,
  originatingInteractionId: null,
  clientId: 'ivr',
  userData: {},
  overrides: {},
  updatedAt: at,
});
const attempt = (id: string, callbackId: string, at: number, agentId: string | null = null): AttemptRecord => ({
  id,
  callbackId,
  number: 1,
  startedAt: at,
  endedAt: null,
  outcome: null,
  sipStatus: null,
  amdDecision: null,
  amdDecisionMs: null,
  agentId,
  answeredAt: null,
  connectedAt: null,
  callId: null,
  detail: null,
});

/** The store's part of the agent desk: dispositions on attempts and interactions, the attempts report, history by number (each store). */
for (const kind of storeKinds()) {
  describe(`store: wrap-up dispositions and customer history (${kind})`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openTestStore(kind);
    });
    afterEach(() => store.close());

    it('keeps a disposition recorded while the attempt runs when the attempt ends (its row is written again)', async () => {
      await store.insertCallback(callback('cb1', '+12025550101', T0), [{ type: 'CREATED', at: T0 }]);
      await store.saveAttempt(attempt('a1', 'cb1', T0));
      assert.equal(await store.setAttemptDisposition('a1', { code: 'Sale', note: 'two seats', at: T0 + 5000 }), true);
      await store.saveAttempt({ ...attempt('a1', 'cb1', T0, 'fay'), endedAt: T0 + 4000, outcome: 'CONNECTED_TO_AGENT' });
      const a = (await store.attemptsOf('cb1'))[0]!;
      assert.deepEqual([a.agentId, a.outcome, a.disposition, a.dispositionNote, a.dispositionAt], ['fay', 'CONNECTED_TO_AGENT', 'Sale', 'two seats', T0 + 5000]);
      assert.equal(await store.setAttemptDisposition('nope', { code: 'Sale', note: null, at: T0 }), false);
    });

    it('the attempts report: with the service, the number and the wrap-up, filtered by service and time', async () => {
      await store.insertCallback(callback('cb1', '+12025550101', T0), [{ type: 'CREATED', at: T0 }]);
      await store.insertCallback({ ...callback('cb2', '+12025550102', T0), serviceName: 'other' }, [{ type: 'CREATED', at: T0 }]);
      await store.saveAttempt(attempt('a1', 'cb1', T0 + 1000, 'fay'));
      await store.saveAttempt(attempt('a2', 'cb2', T0 + 2000));
      await store.setAttemptDisposition('a1', { code: 'No sale', note: null, at: T0 + 3000 });
      const rows = await store.searchAttempts({ serviceName: 'billing', limit: 10 });
      assert.deepEqual(
        rows.map((r) => [r.id, r.serviceName, r.customerNumber, r.disposition]),
        [['a1', 'billing', '+12025550101', 'No sale']],
      );
      assert.equal((await store.searchAttempts({ from: T0 + 1500, limit: 10 })).length, 1);
    });

    it("an IVR caller's disposition before or after the IVR records its call; interactions by the caller's number, newest first", async () => {
      await store.setInteractionDisposition('i1', 'gus', { code: 'Resolved', note: 'address changed', at: T0 + 60_000 });
      await store.recordInteraction({ interactionId: 'i1', ani: '+12025550101', startedAt: T0, endedAt: T0 + 50_000, outcome: 'CONNECTED_TO_AGENT', attached: {} });
      await store.recordInteraction({ interactionId: 'i2', ani: '12025550101', startedAt: T0 + 100_000, endedAt: T0 + 150_000, outcome: 'CONNECTED_TO_AGENT', attached: {} });
      await store.setInteractionDisposition('i2', 'fay', { code: 'Other', note: null, at: T0 + 160_000 });
      await store.recordInteraction({ interactionId: 'i3', ani: '+14155550100', startedAt: T0, endedAt: T0 + 1, outcome: 'CONNECTED_TO_AGENT', attached: {} });
      const mine = await store.interactionsOfCallers(['+12025550101', '12025550101'], 10);
      assert.deepEqual(
        mine.map((i) => [i.interactionId, i.agentId, i.disposition, i.dispositionNote ?? null, i.endedAt]),
        [
          ['i2', 'fay', 'Other', null, T0 + 150_000],
          ['i1', 'gus', 'Resolved', 'address changed', T0 + 50_000],
        ],
      );
      assert.deepEqual(await store.interactionsOfCallers([], 10), []);
    });
  });
}

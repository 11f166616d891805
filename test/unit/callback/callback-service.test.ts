import assert from 'node:assert/strict';
import { statusOf } from '../../../src/http/errors';
import type { DomainError } from '../../../src/errors';
import { StoreInteractionRecorder } from '../../../src/callback/interaction-recorder';
import { CallbackRequestError } from '../../../src/ports/callbacks';
import { makeCore, silentLogger } from '../../helpers/core';
import { reopenTestStore, storeKinds, useStoreKind } from '../../helpers/stores';
import { CallbackService } from '../../../src/callback/callback-service';
import { ServiceRegistry } from '../../../src/callback/service-registry';

const NOW = Date.parse('2026-12-01T15:00:00.000Z'); // Tuesday 10:00 in New York
const hours = {
  timezone: 'America/New_York',
  weekly: { mon: ['08:00-20:00'], tue: ['08:00-20:00'], wed: ['08:00-20:00'], thu: ['08:00-20:00'], fri: ['08:00-20:00'] },
};

async function setup() {
  const core = await makeCore(NOW);
  await core.services.put('now', 'user-terminated-immediate', { _target: 'billing' }, NOW);
  await core.services.put('later', 'user-terminated-delayed', { _target: 'billing', _business_hours: hours, _max_request_by_time_bucket: 2, _overwritable_options: ['_max_number_of_attempts'] }, NOW);
  return core;
}

const rejects = (fn: () => unknown, status: number, parameter: string | undefined, message?: RegExp) =>
  assert.rejects(async () => fn(), (err: unknown) => {
    assert.ok(err instanceof CallbackRequestError, `expected CallbackRequestError, got ${String(err)}`);
    assert.equal(statusOf(err), status);
    assert.equal(err.parameter, parameter);
    if (message) assert.match(err.message, message);
    return true;
  });

for (const kind of storeKinds()) {
  describe(`callback service (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    it('accepts an immediate callback as QUEUED with the reporting keys', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('now', { _customer_number: '415 555 2671', account: 'A-1', vip: true }, 'ivr');
      const c = (await store.getCallback(r.id))!;
      assert.equal(c.state, 'QUEUED');
      assert.equal(c.customerNumber, '+14155552671');
      assert.deepEqual(c.userData, { account: 'A-1', vip: 'true' });
      assert.deepEqual(r.reporting, { _CB_SERVICE_ID: r.id, _CB_T_SERVICE_START: NOW / 1000, _CB_T_CALLBACK_ACCEPTED: NOW / 1000 });
    });

    it('GMS token variables: $queue$ in the service takes the request\'s queue parameter, validated; missing is a 400 naming it', async () => {
      const { callbacks, services, store } = await setup();
      await services.put('routed', 'user-terminated-immediate', { _target: '$queue$', _caller_id: '+1$line$' }, NOW);
      const r = await callbacks.start('routed', { _customer_number: '+14155552671', queue: 'sales', line: '8005550100' }, 'ivr');
      const c = (await store.getCallback(r.id))!;
      assert.equal(c.target, 'sales');
      assert.equal(callbacks.settingsFor(c)!.callerId, '+18005550100', 'the scheduler dials with the resolved value');
      assert.deepEqual(c.userData, { queue: 'sales', line: '8005550100' });
      await rejects(() => callbacks.start('routed', { _customer_number: '+14155552672', line: '1' }, 'ivr'), 400, 'queue', /queue: missing \(service "routed" sets _target to "\$queue\$"\)/);
      // an option whose value is not a string stays as the service set it
      assert.equal(callbacks.settingsFor(c)!.maxNumberOfAttempts, 3);
    });

    it('schedules a callback with _desired_time; _CB_T_SERVICE_START is the scheduled time', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('later', { _customer_number: '+14155552671', _desired_time: '2026-12-01T17:00:00.000Z' }, 'ivr');
      assert.equal((await store.getCallback(r.id))!.state, 'SCHEDULED');
      assert.equal(r.reporting._CB_T_SERVICE_START, Date.parse('2026-12-01T17:00:00.000Z') / 1000);
      assert.equal(r.reporting._CB_T_CALLBACK_ACCEPTED, NOW / 1000);
    });

    it('attaches the reporting keys to the originating interaction in the same step', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('now', { _customer_number: '+14155552671', _originating_interaction_id: 'call-77' }, 'ivr');
      assert.deepEqual((await store.getInteraction('call-77'))!.attached, { ...r.reporting });
    });

    it("an outside IVR's interaction ends as CALLBACK on acceptance; the built-in IVR's stays open for its flow to end", async () => {
      const { callbacks, store } = await setup();
      await callbacks.start('now', { _customer_number: '+14155552671', _originating_interaction_id: 'pbx-1' }, 'pbx');
      const outside = (await store.getInteraction('pbx-1'))!;
      assert.equal(outside.outcome, 'CALLBACK');
      assert.equal(outside.startedAt, NOW);
      assert.equal(outside.endedAt, NOW);
      assert.equal(outside.serviceName, 'now');
      await callbacks.startCallback('now', { _customer_number: '+14155552672', _originating_interaction_id: 'ivr-1' }, 'ivr', { ownInteraction: true });
      const own = (await store.getInteraction('ivr-1'))!;
      assert.equal(own.outcome, null);
      assert.equal(own.endedAt, null);
      assert.ok(own.callbackId);
    });

    it('returns the existing _id for a number that already has an active callback', async () => {
      const { callbacks } = await setup();
      const a = await callbacks.start('now', { _customer_number: '+14155552671' }, 'ivr');
      const b = await callbacks.start('now', { _customer_number: '(415) 555-2671' }, 'ivr');
      assert.equal(b.id, a.id);
      assert.equal(b.existing, true);
    });

    it('gives concurrent requests for one number a single callback, even when committed together', async () => {
      const { callbacks, store } = await setup();
      const results = await Promise.all(Array.from({ length: 10 }, () => callbacks.start('now', { _customer_number: '+14155552671' }, 'ivr')));
      assert.equal(new Set(results.map((r) => r.id)).size, 1);
      assert.equal(results.filter((r) => !r.existing).length, 1);
      assert.equal((await store.searchCallbacks({ customerNumber: '+14155552671', limit: 100 })).length, 1);
    });

    it('gives requests for one number a single callback when their batches commit side by side, on two instances sharing the store', async () => {
      const { callbacks, store, clock } = await setup();
      // a second instance: on PostgreSQL another pool on the same schema (another process's view); SQLite is one box
      const other = kind === 'postgres' ? new CallbackService(await reopenTestStore(store), await ServiceRegistry.open(await reopenTestStore(store)), clock, silentLogger) : callbacks;
      const numbers = Array.from({ length: 10 }, (_, i) => `+1415555${String(3000 + i)}`);
      for (let round = 0; round < 3; round++) {
        // one batch on each instance, committing at the same time, each asking for every number
        const results = await Promise.all(numbers.flatMap((n) => [callbacks.start('now', { _customer_number: n }, 'ivr'), other.start('now', { _customer_number: n }, 'ivr')]));
        for (let i = 0; i < numbers.length; i++) assert.equal(results[2 * i]!.id, results[2 * i + 1]!.id, `${numbers[i]}: one callback (round ${round + 1})`);
      }
      for (const n of numbers) assert.equal((await store.searchCallbacks({ customerNumber: n, limit: 100 })).length, 1, n);
    });

    it('commits a batch even when one of its requests fails inside the commit', async () => {
      const { callbacks, services, store } = await setup();
      await services.put('one-a-day', 'user-terminated-immediate', { _rate_limit_per_number: 1, _reuse_active_callback: false }, NOW);
      const settled = await Promise.allSettled([
        callbacks.start('one-a-day', { _customer_number: '+14155550001' }, 'ivr'),
        callbacks.start('one-a-day', { _customer_number: '+14155550001' }, 'ivr'),
        callbacks.start('one-a-day', { _customer_number: '+14155550002' }, 'ivr'),
      ]);
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal(statusOf((settled[1] as PromiseRejectedResult).reason as DomainError), 429);
      assert.equal((await store.searchCallbacks({ serviceName: 'one-a-day', limit: 10 })).length, 2);
    });

    it('rejects bad requests with 400 naming the parameter', async () => {
      const { callbacks } = await setup();
      await rejects(() => callbacks.start('now', {}, 'ivr'), 400, '_customer_number', /missing/);
      await rejects(() => callbacks.start('now', { _customer_number: 'call me' }, 'ivr'), 400, '_customer_number');
      await rejects(() => callbacks.start('now', { _customer_number: '+19005550123' }, 'ivr'), 400, '_customer_number', /never calls/);
      await rejects(() => callbacks.start('now', { _customer_number: '+14155552671', _bogus: '1' }, 'ivr'), 400, '_bogus', /unknown option/);
      await rejects(() => callbacks.start('now', { _customer_number: '+14155552671', _target: 'vip' }, 'ivr'), 400, '_target', /does not allow/);
      await rejects(() => callbacks.start('now', { _customer_number: '+14155552671', _desired_time: '2026-12-01T17:00:00Z' }, 'ivr'), 400, '_desired_time', /immediate/);
      await rejects(() => callbacks.start('later', { _customer_number: '+14155552671', _desired_time: 'tomorrow' }, 'ivr'), 400, '_desired_time', /ISO 8601/);
      await rejects(() => callbacks.start('later', { _customer_number: '+14155552671', _desired_time: '2026-11-30T17:00:00Z' }, 'ivr'), 400, '_desired_time', /past/);
      await rejects(() => callbacks.start('later', { _customer_number: '+14155552671', _desired_time: '2026-12-02T03:00:00Z' }, 'ivr'), 400, '_desired_time', /business hours/);
      await rejects(() => callbacks.start('missing', { _customer_number: '+14155552671' }, 'ivr'), 404, undefined);
    });

    it('applies an override the service allows, validated', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('later', { _customer_number: '+14155552671', _max_number_of_attempts: '7' }, 'ivr');
      assert.deepEqual((await store.getCallback(r.id))!.overrides, { _max_number_of_attempts: 7 });
      assert.equal(callbacks.settingsFor((await store.getCallback(r.id))!)!.maxNumberOfAttempts, 7);
      await rejects(() => callbacks.start('later', { _customer_number: '+14155552672', _max_number_of_attempts: 'many' }, 'ivr'), 400, '_max_number_of_attempts');
    });

    it('answers 503 when the time bucket is full, and availability shows the remaining capacity', async () => {
      const { callbacks } = await setup();
      const slot = '2026-12-01T17:00:00.000Z';
      await callbacks.start('later', { _customer_number: '+14155550001', _desired_time: slot }, 'ivr');
      assert.equal((await callbacks.availability('later', { start: NOW, end: NOW + 3 * 3600_000, maxSlots: 100 })).slots[slot], 1);
      await callbacks.start('later', { _customer_number: '+14155550002', _desired_time: '2026-12-01T17:03:00.000Z' }, 'ivr');
      await rejects(() => callbacks.start('later', { _customer_number: '+14155550003', _desired_time: '2026-12-01T17:04:59.000Z' }, 'ivr'), 503, '_desired_time', /full/);
      const slots = (await callbacks.availability('later', { start: NOW, end: NOW + 3 * 3600_000, maxSlots: 100 })).slots;
      assert.equal(slots[slot], undefined, 'a full slot is not offered');
      assert.equal(slots['2026-12-01T17:05:00.000Z'], 2);
    });

    it('offers availability only inside business hours, in the service time zone', async () => {
      const { callbacks } = await setup();
      const slots = Object.keys((await callbacks.availability('later', { start: NOW, end: NOW + 24 * 3600_000, maxSlots: 1000 })).slots);
      assert.equal(slots[0], '2026-12-01T15:00:00.000Z');
      assert.ok(slots.includes('2026-12-02T00:55:00.000Z')); // 19:55 New York
      assert.equal(slots.at(-1), '2026-12-02T14:55:00.000Z'); // the window ends 24 h after its start
      assert.ok(!slots.includes('2026-12-02T01:00:00.000Z'));
      assert.ok(slots.includes('2026-12-02T13:00:00.000Z')); // 08:00 New York next day
    });

    it('enforces the per-number limit with 429', async () => {
      const { callbacks, services } = await setup();
      await services.put('strict', 'user-terminated-immediate', { _rate_limit_per_number: 2, _reuse_active_callback: false }, NOW);
      await callbacks.start('strict', { _customer_number: '+14155552671' }, 'ivr');
      await callbacks.start('strict', { _customer_number: '+14155552671' }, 'ivr');
      await rejects(() => callbacks.start('strict', { _customer_number: '+14155552671' }, 'ivr'), 429, '_customer_number');
    });

    it('enforces the per-client limit with 429', async () => {
      const { callbacks, services } = await setup();
      await services.put('tight', 'user-terminated-immediate', { _rate_limit_per_client: 2 }, NOW);
      await callbacks.start('tight', { _customer_number: '+14155550001' }, 'web');
      await callbacks.start('tight', { _customer_number: '+14155550002' }, 'web');
      await rejects(() => callbacks.start('tight', { _customer_number: '+14155550003' }, 'web'), 429, undefined, /client "web"/);
      await callbacks.start('tight', { _customer_number: '+14155550003' }, 'other-client');
    });

    it('cancels, and refuses to cancel twice', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('now', { _customer_number: '+14155552671' }, 'ivr');
      const c = await callbacks.cancel('now', r.id);
      assert.equal(c.state, 'COMPLETED');
      assert.equal(c.reason, 'CANCELLED');
      await assert.rejects(callbacks.cancel('now', r.id), (e: unknown) => e instanceof CallbackRequestError && statusOf(e) === 409);
      assert.ok((await store.events({ callbackId: r.id, limit: 10 })).some((e) => e.type === 'CANCELLED'));
    });

    it('reschedules into another slot and checks the new time like a new request', async () => {
      const { callbacks } = await setup();
      const r = await callbacks.start('later', { _customer_number: '+14155552671', _desired_time: '2026-12-01T17:00:00.000Z' }, 'ivr');
      const c = await callbacks.reschedule('later', r.id, { _new_desired_time: '2026-12-02T15:00:00.000Z' });
      assert.equal(c.state, 'SCHEDULED');
      assert.equal(c.serviceStart, Date.parse('2026-12-02T15:00:00.000Z'));
      await rejects(() => callbacks.reschedule('later', r.id, { _new_desired_time: '2026-12-02T03:00:00Z' }), 400, '_new_desired_time', /business hours/);
      await rejects(() => callbacks.reschedule('later', r.id, {}), 400, '_new_desired_time', /missing/);
      await rejects(() => callbacks.reschedule('later', 'nope', { _new_desired_time: '2026-12-02T15:00:00Z' }), 404, '_id');
    });

    it('searches by number (normalised) and state', async () => {
      const { callbacks } = await setup();
      await callbacks.start('now', { _customer_number: '+14155552671' }, 'ivr');
      await callbacks.start('now', { _customer_number: '+14155550000' }, 'ivr');
      assert.equal((await callbacks.search('now', { customerNumber: '415-555-2671', limit: 10 })).length, 1);
      assert.equal((await callbacks.search('now', { states: ['QUEUED'], limit: 10 })).length, 2);
      assert.equal((await callbacks.search('now', { states: ['COMPLETED'], limit: 10 })).length, 0);
    });
  });
}

for (const kind of storeKinds()) {
  describe(`interaction recorder (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    it('records the outcome of an originating call and keeps the keys a callback attached', async () => {
      const { callbacks, store } = await setup();
      const r = await callbacks.start('now', { _customer_number: '+14155552671', _originating_interaction_id: 'call-9' }, 'ivr');
      await new StoreInteractionRecorder(store, silentLogger).record({
        interactionId: 'call-9',
        callId: 'sip-call-id-9',
        ani: '+14155552671',
        startedAt: NOW - 60_000,
        endedAt: NOW,
        outcome: 'CALLBACK',
        attached: { ivr_path: 'offer' },
      });
      const i = (await store.getInteraction('call-9'))!;
      assert.equal(i.outcome, 'CALLBACK');
      assert.equal(i.callId, 'sip-call-id-9');
      assert.deepEqual(i.attached, { ...r.reporting, ivr_path: 'offer' });
    });
  });
}

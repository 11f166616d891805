import assert from 'node:assert/strict';
import { Scheduler } from '../../../src/callback/scheduler';
import { SimulatedDialer } from '../../../src/callback/simulated-dialer';
import type { AttemptResult, Dialer, DialRequest } from '../../../src/ports/dialer';
import { makeCore, silentLogger } from '../../helpers/core';
import { VirtualTime, type TimerScheduler } from '../../../src/time';
import { until } from '../../helpers/until';
import { reopenTestStore, storeKinds, useStoreKind } from '../../helpers/stores';
import { CallbackService } from '../../../src/callback/callback-service';

const NOW = Date.parse('2026-12-01T15:00:00.000Z');
/** the test's virtual time: the core's clock, the scheduler's timers and the simulated dialer's */
let time: VirtualTime;
/** let the promises of what the timers started run (no time passes) */
const turn = () => new Promise((r) => setImmediate(r));

/** `timers`: the scheduler's own (a killed process's never fire) */
async function setup(dialer: Dialer, timers: TimerScheduler = time) {
  const core = await makeCore(NOW, ':memory:', time);
  await core.services.put('cb', 'user-terminated-delayed', { _max_number_of_attempts: 3, _max_time_to_reach_customer: 3600 }, NOW);
  await core.services.put('uo', 'user-originated-immediate', {}, NOW);
  const scheduler = new Scheduler({ ...core, timers, dialer, logger: silentLogger, idlePollMs: 60_000 });
  await scheduler.start();
  return { ...core, scheduler };
}

async function settle(s: Scheduler) {
  // the attempts' ends are written to the store (PostgreSQL: over the network): turns until they are done
  for (const end = Date.now() + 10_000; s.activeAttempts > 0 && Date.now() < end; ) {
    time.advance(0);
    await turn();
  }
  time.advance(0);
  await turn();
  await s.idle();
}

/** a dialer whose attempts end only when the test says so (or on abort) */
class HeldDialer implements Dialer {
  readonly calls: { req: DialRequest; finish: (r: AttemptResult) => void; signal: AbortSignal }[] = [];
  dial(req: DialRequest, signal: AbortSignal): Promise<AttemptResult> {
    return new Promise((resolve) => {
      this.calls.push({ req, finish: resolve, signal });
      signal.addEventListener('abort', () => resolve({ outcome: 'FAILED', detail: 'aborted' }), { once: true });
    });
  }
}

for (const kind of storeKinds()) {
  describe(`scheduler (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    beforeEach(() => {
      time = new VirtualTime(NOW);
    });
    let toClose: Scheduler[] = [];
    afterEach(async () => {
      for (const s of toClose) await s.close(100);
      toClose = [];
    });
    const track = <T extends { scheduler: Scheduler }>(x: T) => (toClose.push(x.scheduler), x);

    it('dials an immediate callback and completes it when an agent takes it', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const { callbacks, store, scheduler } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671', note: 'x' }, 'ivr');
      await scheduler.pass();
      await settle(scheduler);
      const c = (await store.getCallback(id))!;
      assert.equal(c.state, 'COMPLETED');
      assert.equal(c.reason, 'CONNECTED_TO_AGENT');
      assert.equal(dialer.dialed.length, 1);
      assert.equal(dialer.dialed[0].customerNumber, '+14155552671');
      assert.deepEqual(dialer.dialed[0].userData, { note: 'x' });
      const [attempt] = await store.attemptsOf(id);
      assert.equal(attempt.outcome, 'CONNECTED_TO_AGENT');
      assert.ok(attempt.endedAt);
      const types = (await store.events({ callbackId: id, limit: 50 })).map((e) => e.type);
      assert.deepEqual(types.filter((t) => t.startsWith('ATTEMPT')), ['ATTEMPT_STARTED', 'ATTEMPT_ENDED']);
    });

    it('retries busy per policy, then connects', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0, rules: [{ pattern: '2671$', outcomes: ['BUSY', 'BUSY', 'CONNECTED_TO_AGENT'] }] });
      const { callbacks, store, scheduler, clock } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      await settle(scheduler);
      let c = (await store.getCallback(id))!;
      assert.equal(c.state, 'SCHEDULED');
      assert.equal(c.nextAttemptAt, NOW + 120_000);
      clock.advance(60_000);
      await scheduler.pass();
      await settle(scheduler);
      assert.equal(dialer.dialed.length, 1, 'not before the retry delay');
      clock.advance(60_000);
      await scheduler.pass();
      await settle(scheduler);
      clock.advance(120_000);
      await scheduler.pass();
      await settle(scheduler);
      c = (await store.getCallback(id))!;
      assert.equal(c.state, 'COMPLETED');
      assert.equal(c.reason, 'CONNECTED_TO_AGENT');
      assert.deepEqual((await store.attemptsOf(id)).map((a) => a.outcome), ['BUSY', 'BUSY', 'CONNECTED_TO_AGENT']);
      assert.equal(c.attempts, 3);
    });

    it('stops at _max_number_of_attempts', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0, defaultOutcome: 'NO_ANSWER' });
      const { callbacks, store, scheduler, clock } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      for (let i = 0; i < 5; i++) {
        await scheduler.pass();
        await settle(scheduler);
        clock.advance(300_000);
      }
      const c = (await store.getCallback(id))!;
      assert.equal(c.reason, 'MAX_ATTEMPTS_REACHED');
      assert.equal(dialer.dialed.length, 3);
    });

    it('does not dial a scheduled callback before its desired time', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const { callbacks, store, scheduler, clock } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671', _desired_time: '2026-12-01T16:00:00Z' }, 'ivr');
      await scheduler.pass();
      await settle(scheduler);
      assert.equal(dialer.dialed.length, 0);
      assert.equal((await store.getCallback(id))!.state, 'SCHEDULED');
      clock.advance(3600_000);
      await scheduler.pass();
      await settle(scheduler);
      assert.equal(dialer.dialed.length, 1);
      assert.equal((await store.getCallback(id))!.state, 'COMPLETED');
    });

    it('holds callbacks QUEUED while the dialer is not ready, without using attempts', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      dialer.ready = false;
      const { callbacks, store, scheduler, clock } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      await settle(scheduler);
      assert.equal(dialer.dialed.length, 0);
      assert.equal((await store.getCallback(id))!.state, 'QUEUED');
      assert.equal((await store.getCallback(id))!.attempts, 0);
      dialer.ready = true;
      clock.advance(1000);
      await scheduler.pass();
      await settle(scheduler);
      assert.equal((await store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
    });

    it('expires a callback nobody could dial before _max_time_to_reach_customer', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      dialer.ready = false;
      const { callbacks, store, scheduler, clock } = track(await setup(dialer));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      clock.advance(3600_000);
      dialer.ready = true; // the dialer comes back after the callback's time ran out: it is not dialed
      await scheduler.pass();
      await settle(scheduler);
      assert.equal((await store.getCallback(id))!.reason, 'EXPIRED');
      assert.equal(dialer.dialed.length, 0);
    });

    it('an attempt whose customer was talking to an agent when its process was killed completes as connected (interrupted), and is not dialed again', async () => {
      const held = new HeldDialer();
      const first = await setup(held, new VirtualTime(NOW));
      const { id } = await first.callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await first.scheduler.pass();
      held.calls[0].req.onProgress?.('CONNECTED');
      await until('PROCESSING', async () => ((await first.store.getCallback(id))!.state === 'PROCESSING' ? true : undefined), 2000, 5);
      first.clock.advance(16_000); // "kill -9": no renewal, no end
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const second = new Scheduler({ store: first.store, callbacks: first.callbacks, clock: first.clock, timers: time, dialer, logger: silentLogger, idlePollMs: 60_000 });
      toClose.push(second);
      await second.start();
      await second.pass();
      await settle(second);
      const after = (await first.store.getCallback(id))!;
      assert.equal(after.state, 'COMPLETED');
      assert.equal(after.reason, 'CONNECTED_TO_AGENT');
      const attempts = await first.store.attemptsOf(id);
      assert.equal(attempts.length, 1, 'no new attempt');
      assert.equal(attempts[0].outcome, 'CONNECTED_TO_AGENT');
      assert.match(attempts[0].detail ?? '', /interrupted during the talk/);
      assert.equal(dialer.dialed.length, 0);
    });

    it('recovers an attempt left running by a killed process as FAILED and retries it', async () => {
      const held = new HeldDialer();
      const first = await setup(held, new VirtualTime(NOW));
      const { id } = await first.callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await first.scheduler.pass();
      assert.equal(held.calls.length, 1);
      assert.equal((await first.store.getCallback(id))!.state, 'ROUTING');
      // "kill -9": the first scheduler never finishes nor renews its lease; a new one starts on the same store
      first.clock.advance(16_000);
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const second = new Scheduler({ store: first.store, callbacks: first.callbacks, clock: first.clock, timers: time, dialer, logger: silentLogger, idlePollMs: 60_000 });
      toClose.push(second);
      await second.start();
      assert.equal(second.isActive, true);
      const after = (await first.store.getCallback(id))!;
      assert.equal(after.state, 'SCHEDULED');
      assert.equal(after.attempts, 1);
      const [attempt] = await first.store.attemptsOf(id);
      assert.equal(attempt.outcome, 'FAILED');
      assert.match(attempt.detail ?? '', /interrupted/);
      first.clock.advance(60_000);
      await second.pass();
      await settle(second);
      assert.equal((await first.store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
      assert.equal((await first.store.events({ callbackId: id, limit: 50 })).filter((e) => e.type === 'ATTEMPT_STARTED').length, 2);
    });

    it("retries an attempt recovered from a killed process no sooner than the dialer's orphanedCallMs after the recovery (its call may still ring)", async () => {
      const held = new HeldDialer();
      const first = await setup(held, new VirtualTime(NOW));
      const { id } = await first.callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await first.scheduler.pass();
      held.calls[0].req.onProgress?.('DIALING');
      first.clock.advance(16_000); // "kill -9" while the customer's phone rings
      const simulated = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const dialer: Dialer = { orphanedCallMs: 200_000, dial: (req, signal) => simulated.dial(req, signal) };
      const second = new Scheduler({ store: first.store, callbacks: first.callbacks, clock: first.clock, timers: time, dialer, logger: silentLogger, idlePollMs: 60_000 });
      toClose.push(second);
      const recoveredAt = first.clock.now();
      await second.start();
      const after = (await first.store.getCallback(id))!;
      assert.equal(after.state, 'SCHEDULED');
      assert.equal(after.nextAttemptAt, recoveredAt + 200_000, 'the retry waits out a call the dead process left ringing');
      first.clock.advance(199_000);
      await second.pass();
      await settle(second);
      assert.equal(simulated.dialed.length, 0, 'not dialed while the orphaned call may still ring');
      first.clock.advance(1_000);
      await second.pass();
      await settle(second);
      assert.equal(simulated.dialed.length, 1);
      assert.equal((await first.store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
    });

    it('every scheduler on the database dispatches, and none dials a callback another one dials', async () => {
      const a = new HeldDialer();
      const b = new HeldDialer();
      const one = track(await setup(a));
      // another instance: on PostgreSQL its own pool on the same schema
      const otherStore = kind === 'postgres' ? await reopenTestStore(one.store) : one.store;
      const two = new Scheduler({ store: otherStore, callbacks: one.callbacks, clock: one.clock, timers: time, dialer: b, logger: silentLogger, idlePollMs: 60_000, batchSize: 5 });
      toClose.push(two);
      const oneSmall = new Scheduler({ store: one.store, callbacks: one.callbacks, clock: one.clock, timers: time, dialer: a, logger: silentLogger, idlePollMs: 60_000, batchSize: 5 });
      toClose.push(oneSmall);
      await one.scheduler.close(100);
      await Promise.all([two.start(), oneSmall.start()]);
      assert.equal(two.isActive, true);
      for (let i = 0; i < 20; i++) await one.callbacks.start('cb', { _customer_number: `+1415555${String(1000 + i)}` }, 'ivr');
      for (let i = 0; i < 4; i++) await Promise.all([oneSmall.pass(), two.pass()]);
      const ids = [...a.calls, ...b.calls].map((c) => c.req.callbackId);
      assert.equal(ids.length, 20, 'every callback dialed');
      assert.equal(new Set(ids).size, 20, 'none twice');
      assert.ok(a.calls.length > 0 && b.calls.length > 0, `both dispatch (${a.calls.length} and ${b.calls.length})`);
    });

    it('renews the lease while a call runs: another scheduler does not take a long call over', async () => {
      const held = new HeldDialer();
      const { callbacks, store, scheduler, clock } = track(await setup(held));
      const other = new Scheduler({ store: kind === 'postgres' ? await reopenTestStore(store) : store, callbacks, clock, timers: time, dialer: new HeldDialer(), logger: silentLogger, idlePollMs: 60_000 });
      toClose.push(other);
      await other.start();
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      assert.equal(held.calls.length, 1);
      for (let s = 0; s < 30; s++) {
        clock.advance(1000); // renewals and the other's sweeps fire
        await until('the timers settled', async () => true, 1000, 1);
        await turn();
      }
      await other.idle();
      assert.equal((await store.getCallback(id))!.state, 'ROUTING', '30 s into a call (5 leases long) it is still this attempt');
      assert.equal(held.calls[0].signal.aborted, false);
      assert.equal((await store.attemptsOf(id)).length, 1);
      held.calls[0].finish({ outcome: 'CONNECTED_TO_AGENT' });
      await settle(scheduler);
      assert.equal((await store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
    });

    it('an instance that stalled past its lease: another takes the callback over, and the stalled one stops its attempt and records nothing over it', async () => {
      const held = new HeldDialer();
      const stalled = new VirtualTime(NOW); // the first instance's timers: they do not fire while it stalls
      const first = await setup(held, stalled);
      toClose.push(first.scheduler);
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const second = new Scheduler({ store: kind === 'postgres' ? await reopenTestStore(first.store) : first.store, callbacks: first.callbacks, clock: first.clock, timers: time, dialer, logger: silentLogger, idlePollMs: 60_000 });
      toClose.push(second);
      await second.start();
      const { id } = await first.callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await first.scheduler.pass();
      assert.equal(held.calls.length, 1);
      // the lease (6 s) runs out; the second instance's keeper (every 2 s) takes the callback over
      await until('taken over', async () => {
        time.advance(1000);
        await turn();
        return (await first.store.getCallback(id))!.state === 'SCHEDULED' || undefined;
      }, 10_000, 1);
      const [interrupted] = await first.store.attemptsOf(id);
      assert.equal(interrupted.outcome, 'FAILED');
      assert.match(interrupted.detail ?? '', /interrupted/);
      // the first instance comes back: its renewal finds the lease gone and stops the call
      stalled.advance(2000);
      await until('the stalled attempt stopped', async () => held.calls[0].signal.aborted || undefined, 5000, 1);
      await settle(first.scheduler);
      const [still] = await first.store.attemptsOf(id);
      assert.match(still.detail ?? '', /interrupted/, "the takeover's record stays");
      assert.equal((await first.store.getCallback(id))!.state, 'SCHEDULED', 'retried per policy, by whoever claims it next');
      time.advance(60_000);
      await second.pass();
      await settle(second);
      assert.equal((await first.store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
      assert.equal(dialer.dialed.length, 1);
    });

    it('a callback cancelled through another instance: the dialing instance stops the attempt at its next renewal and records it', async () => {
      const held = new HeldDialer();
      const { callbacks, store, scheduler, services, clock } = track(await setup(held));
      const elsewhere = new CallbackService(kind === 'postgres' ? await reopenTestStore(store) : store, services, clock, silentLogger);
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      const c = await elsewhere.cancel('cb', id);
      assert.equal(c.reason, 'CANCELLED');
      assert.equal(held.calls[0].signal.aborted, false, 'not this instance: it learns at its renewal');
      time.advance(2000);
      await until('the attempt stopped', async () => held.calls[0].signal.aborted || undefined, 5000, 1);
      await settle(scheduler);
      const [attempt] = await store.attemptsOf(id);
      assert.ok(attempt.endedAt, 'the attempt is closed');
      assert.equal((await store.getCallback(id))!.reason, 'CANCELLED');
    });

    it('cancelling a callback in a call aborts the attempt and records it', async () => {
      const held = new HeldDialer();
      const { callbacks, store, scheduler } = track(await setup(held));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      const c = await callbacks.cancel('cb', id);
      assert.equal(c.state, 'COMPLETED');
      assert.equal(c.reason, 'CANCELLED');
      const [attempt] = await store.attemptsOf(id);
      assert.ok(attempt.endedAt, 'the attempt is closed');
    });

    it('moves to PROCESSING when the dialer reports the agent connected', async () => {
      const held = new HeldDialer();
      const { callbacks, store, scheduler } = track(await setup(held));
      const { id } = await callbacks.start('cb', { _customer_number: '+14155552671' }, 'ivr');
      await scheduler.pass();
      held.calls[0].req.onProgress?.('CONNECTED');
      await until('the connected stage recorded', async () => ((await store.getCallback(id))?.state === 'ROUTING' ? undefined : true), 5000, 1);
      assert.equal((await store.getCallback(id))!.state, 'PROCESSING');
      held.calls[0].finish({ outcome: 'CONNECTED_TO_AGENT', agentId: 'agent-7' });
      await settle(scheduler);
      assert.equal((await store.attemptsOf(id))[0].agentId, 'agent-7');
    });

    it('does not dial USERORIGINATED callbacks: it waits for the customer to call in', async () => {
      const dialer = new SimulatedDialer({ clock: time, timers: time, delayMs: 0 });
      const { callbacks, store, scheduler } = track(await setup(dialer));
      const { id } = await callbacks.start('uo', { _customer_number: '+14155552671' }, 'app');
      await scheduler.pass();
      await settle(scheduler);
      assert.equal(dialer.dialed.length, 0);
      assert.equal((await store.getCallback(id))!.state, 'QUEUED');
      const dialed = { number: '18005550103', service: 'uo' };
      const match = await callbacks.findUserOriginatedCallback('4155552671', dialed);
      assert.equal(match?.callbackId, id);
      // the same caller dialing a number routed to another service is not this callback's customer
      assert.equal(await callbacks.findUserOriginatedCallback('4155552671', { number: '18005550100', service: 'other' }), null);
      await callbacks.completeUserOriginatedCallback(id, 'CONNECTED_TO_AGENT', 'call-1');
      assert.equal((await store.getCallback(id))!.reason, 'CONNECTED_TO_AGENT');
      assert.equal(await callbacks.findUserOriginatedCallback('4155552671', dialed), null);
    });
  });
}

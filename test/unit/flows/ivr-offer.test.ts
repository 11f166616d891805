import assert from 'node:assert/strict';
import { CallbackRequestError } from '../../../src/ports/callbacks';
import { CALLBACK_REASON, runIvrOffer, type IvrDeps } from '../../../src/flows/ivr-offer';
import { FakeAgentCalls, FakeCallbacks, FakeLeg, FakeQueue, FakeRecorder, connectSettings, log, prompts } from './fakes';

function setup(o: { ewt?: number; agents?: (string | null)[]; callbacks?: FakeCallbacks; bridge?: (number | 'answer')[] } = {}) {
  const queue = new FakeQueue(o.ewt ?? 600, o.agents);
  const callbacks = o.callbacks ?? new FakeCallbacks();
  const interactions = new FakeRecorder();
  const agents = new FakeAgentCalls(o.bridge ?? ['answer'], [], 5);
  let now = 1_000_000;
  const deps: IvrDeps = {
    queue,
    callbacks,
    interactions,
    agents,
    prompts,
    clock: { now: () => (now += 1000) },
    settings: connectSettings,
    holdPrompt: prompts.pleaseHold,
    holdMusic: prompts.holdMusic,
    ivr: { ewtThresholdSec: 120, maxRetries: 2, inputTimeoutMs: 100, digitTimeoutMs: 100, maxQueueWaitSec: 0, defaultRegion: 'US' },
    connectMode: 'bridge',
  };
  return { deps, queue, callbacks, interactions, agents };
}
const info = { interactionId: 'ix-1', serviceName: 'support-cb', target: 'support', ani: '+12025550143', dnis: '18005550100', startedAt: 999_000 };

describe('flows/ivr-offer', () => {
  it('EWT above threshold, caller presses 1 and confirms caller ID: callback requested, BYE with Reason Callback, recorded CALLBACK with _CB_* keys', async () => {
    const { deps, callbacks, interactions, queue } = setup();
    const call = new FakeLeg('c1', ['1', '1']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.deepEqual(callbacks.requests, [{ service: 'support-cb', params: { _customer_number: '+12025550143', _originating_interaction_id: 'ix-1' }, clientId: 'ivr' }]);
    assert.equal(call.hangupReason, CALLBACK_REASON);
    assert.equal(CALLBACK_REASON, 'SIP;cause=200;text="Callback"');
    assert.equal(rec.outcome, 'CALLBACK');
    assert.equal(rec.attached._CB_SERVICE_ID, 'cb-1');
    assert.equal(rec.attached._CB_T_SERVICE_START, 1000);
    assert.equal(rec.attached._CB_T_CALLBACK_ACCEPTED, 1001);
    assert.equal(interactions.records.length, 1);
    assert.deepEqual(queue.events, [], 'never entered the queue');
    // greeting, then the wait announced as "10 minutes" from digit prompts, in one playback
    const announce = call.played[0]!.map((p) => p.replace(/^.*\//, ''));
    assert.deepEqual(announce, ['welcome.wav', 'queue-holdtime.wav', '10.wav', 'queue-minutes.wav']);
    // caller ID read back digit by digit
    assert.ok(call.played.some((p) => p.filter((x) => /digits\/\d\.wav$/.test(x)).length === 11));
  });

  it('caller keys another number ending with #', async () => {
    const { deps, callbacks } = setup();
    const call = new FakeLeg('c1', ['1', '2', '2025550188']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(callbacks.requests[0]?.params._customer_number, '+12025550188');
    assert.equal(call.collects[2]?.terminator, '#');
    assert.equal(rec.outcome, 'CALLBACK');
  });

  it('a keyed number the REST rules refuse is asked again', async () => {
    const cbs = new FakeCallbacks((p) =>
      p._customer_number === '+19005550100' ? new CallbackRequestError('NUMBER_REFUSED', '_customer_number', 'premium rate') : { id: 'cb-2', existing: false, reporting: { _CB_SERVICE_ID: 'cb-2', _CB_T_SERVICE_START: 1, _CB_T_CALLBACK_ACCEPTED: 2 } },
    );
    const { deps } = setup({ callbacks: cbs });
    const call = new FakeLeg('c1', ['1', '2', '9005550100', '2025550188']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(cbs.requests.length, 2);
    assert.equal(rec.outcome, 'CALLBACK');
    assert.ok(call.log.includes('play invalid.wav'));
  });

  it('caller presses 2: waits in queue with music, connected to the agent, recorded CONNECTED_TO_AGENT', async () => {
    const { deps, queue, callbacks } = setup();
    const call = new FakeLeg('c1', ['2']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(callbacks.requests.length, 0);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(queue.events, ['enqueue caller', 'reserve a1', 'confirm r1', 'callEnded r1']);
    assert.ok(call.log.some((l) => l.startsWith('loop ')));
  });

  it('EWT below threshold: no offer, straight to the queue', async () => {
    const { deps, queue } = setup({ ewt: 30 });
    const call = new FakeLeg('c1', []);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(call.collects.length, 0);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(queue.events[0], 'enqueue caller');
  });

  it('no input and wrong input: reprompts, then keeps waiting (the safe default)', async () => {
    const { deps, callbacks } = setup();
    const call = new FakeLeg('c1', ['', '7', '']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(call.collects.length, 3, 'asked 1 + maxRetries times');
    assert.ok(call.log.includes('play invalid.wav'));
    assert.equal(callbacks.requests.length, 0);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
  });

  it('hang-up during the offer: nothing created, recorded HUNG_UP_IN_IVR', async () => {
    const { deps, callbacks, interactions, queue } = setup();
    const call = new FakeLeg('c1', ['HANGUP']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(rec.outcome, 'HUNG_UP_IN_IVR');
    assert.equal(callbacks.requests.length, 0);
    assert.deepEqual(queue.events, []);
    assert.equal(interactions.records.length, 1);
    assert.equal(call.hungUpByUs, false);
  });

  it('the media server is lost during the offer: recorded FAILED (not HUNG_UP_IN_IVR), nothing created', async () => {
    const { deps, callbacks, interactions } = setup();
    const call = new FakeLeg('c1', ['MEDIA_LOST']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(rec.outcome, 'FAILED');
    assert.equal(callbacks.requests.length, 0);
    assert.equal(interactions.records.length, 1);
  });

  it('the media server is lost while the caller waits in the queue: recorded FAILED (not ABANDONED_IN_QUEUE)', async () => {
    const { deps, queue } = setup({ ewt: 10, agents: [] });
    const call = new FakeLeg('c1', []);
    deps.queue.reserveAgentFor = (_id, o) =>
      new Promise((resolve) => {
        o.signal?.addEventListener('abort', () => resolve(null));
        setTimeout(() => call.mediaLost(), 10);
      });
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(rec.outcome, 'FAILED');
    assert.deepEqual(queue.events, ['enqueue caller', 'remove']);
  });

  it('hang-up while the number is read back: no callback request', async () => {
    const { deps, callbacks } = setup();
    const call = new FakeLeg('c1', ['1', 'HANGUP']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(rec.outcome, 'HUNG_UP_IN_IVR');
    assert.equal(callbacks.requests.length, 0);
  });

  it('hang-up while waiting in queue: removed from the line, recorded ABANDONED_IN_QUEUE', async () => {
    const { deps, queue } = setup({ ewt: 10, agents: [] });
    // the fake queue answers "none" at once; make it wait instead until the caller hangs up
    const call = new FakeLeg('c1', []);
    deps.queue.reserveAgentFor = (_id, o) =>
      new Promise((resolve) => {
        o.signal?.addEventListener('abort', () => resolve(null));
        setTimeout(() => call.farEndHangup(), 10);
      });
    const rec = await runIvrOffer(call, info, deps, log);
    assert.equal(rec.outcome, 'ABANDONED_IN_QUEUE');
    assert.deepEqual(queue.events, ['enqueue caller', 'remove']);
  });

  it('callback refused for capacity (503): told so, keeps waiting', async () => {
    const cbs = new FakeCallbacks(() => new CallbackRequestError('SLOT_FULL', undefined, 'bucket full'));
    const { deps } = setup({ callbacks: cbs });
    const call = new FakeLeg('c1', ['1', '1']);
    const rec = await runIvrOffer(call, info, deps, log);
    assert.ok(call.log.includes('play please-try-call-later.wav'));
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
  });
});

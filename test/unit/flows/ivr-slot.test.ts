import assert from 'node:assert/strict';
import { runIvrOffer, type IvrDeps } from '../../../src/flows/ivr-offer';
import { slotTimePrompts } from '../../../src/flows/prompts';
import { CallbackRequestError, type SlotAvailability, type StartCallbackResult } from '../../../src/ports/callbacks';
import { FakeAgentCalls, FakeCallbacks, FakeLeg, FakeQueue, FakeRecorder, connectSettings, log, prompts } from './fakes';

const NOW = Date.parse('2026-11-25T14:07:00Z'); // 09:07 in New York
const SLOT = '2026-11-25T19:30:00.000Z'; // 14:30 in New York

/** the callback core with an availability answer (what GET .../availability returns) */
class SlotCallbacks extends FakeCallbacks {
  availabilityAsked = 0;
  constructor(
    private readonly slots: Record<string, number>,
    behave?: (params: Record<string, string>) => StartCallbackResult | Error,
  ) {
    super(behave);
  }
  availability(): SlotAvailability {
    this.availabilityAsked++;
    return { slots: this.slots, bucketMinutes: 30, timezone: 'America/New_York' };
  }
}

function setup(callbacks: FakeCallbacks, offerSlot = true) {
  const deps: IvrDeps = {
    queue: new FakeQueue(600),
    callbacks,
    interactions: new FakeRecorder(),
    agents: new FakeAgentCalls(['answer'], [], 5),
    prompts,
    clock: { now: () => NOW },
    settings: connectSettings,
    holdPrompt: prompts.pleaseHold,
    holdMusic: prompts.holdMusic,
    ivr: { ewtThresholdSec: 120, maxRetries: 1, inputTimeoutMs: 100, digitTimeoutMs: 100, maxQueueWaitSec: 0, defaultRegion: 'US', offerSlot },
    connectMode: 'bridge',
  };
  return deps;
}
const info = { interactionId: 'ix-1', serviceName: 'support-cb', target: 'support', ani: '+12025550143', dnis: '18005550100', startedAt: NOW };
const names = (p: string[]) => p.map((x) => x.replace(/^.*\//, ''));

describe('flows/ivr-offer: scheduled time slot', () => {
  it('offers the first open slot, read in the service time zone; 2 requests the callback with _desired_time = that slot', async () => {
    const cbs = new SlotCallbacks({ [SLOT]: 3, '2026-11-25T20:00:00.000Z': 3 });
    const call = new FakeLeg('c1', ['1', '1', '2']);
    const rec = await runIvrOffer(call, info, setup(cbs), log);
    assert.equal(rec.outcome, 'CALLBACK');
    assert.deepEqual(cbs.requests.map((r) => r.params), [{ _customer_number: '+12025550143', _originating_interaction_id: 'ix-1', _desired_time: SLOT }]);
    // "as soon as possible press 1, for the next time: today at 2 30 p m, press 2"
    assert.deepEqual(names(call.collects[2]!.prompts), ['slot-offer.wav', 'today.wav', 'at.wav', '2.wav', '30.wav', 'p-m.wav', 'slot-press-2.wav']);
  });

  it('1 = as soon as possible: no _desired_time', async () => {
    const cbs = new SlotCallbacks({ [SLOT]: 3 });
    const call = new FakeLeg('c1', ['1', '1', '1']);
    await runIvrOffer(call, info, setup(cbs), log);
    assert.deepEqual(cbs.requests.map((r) => r.params._desired_time), [undefined]);
  });

  it('no answer to the slot offer: reprompted, then as soon as possible (the safe default)', async () => {
    const cbs = new SlotCallbacks({ [SLOT]: 3 });
    const call = new FakeLeg('c1', ['1', '1', '', '7']);
    const rec = await runIvrOffer(call, info, setup(cbs), log);
    assert.equal(rec.outcome, 'CALLBACK');
    assert.equal(call.collects.length, 4, 'offer, number, slot twice (maxRetries 1)');
    assert.ok(call.log.includes('play invalid.wav'));
    assert.deepEqual(cbs.requests.map((r) => r.params._desired_time), [undefined]);
  });

  it('the slot filled up meanwhile (503): requested as soon as possible instead, still a CALLBACK', async () => {
    const cbs = new SlotCallbacks({ [SLOT]: 1 }, (p) =>
      p._desired_time ? new CallbackRequestError('SLOT_FULL', '_desired_time', 'slot full') : { id: 'cb-9', existing: false, reporting: { _CB_SERVICE_ID: 'cb-9', _CB_T_SERVICE_START: 1, _CB_T_CALLBACK_ACCEPTED: 2 } },
    );
    const call = new FakeLeg('c1', ['1', '1', '2']);
    const rec = await runIvrOffer(call, info, setup(cbs), log);
    assert.equal(rec.outcome, 'CALLBACK');
    assert.deepEqual(cbs.requests.map((r) => r.params._desired_time), [SLOT, undefined]);
  });

  it('no open slot, or the service does not offer slots: no slot question at all', async () => {
    for (const [cbs, offer] of [[new SlotCallbacks({}), true], [new SlotCallbacks({ [SLOT]: 3 }), false]] as const) {
      const call = new FakeLeg('c1', ['1', '1']);
      const rec = await runIvrOffer(call, info, setup(cbs, offer), log);
      assert.equal(rec.outcome, 'CALLBACK');
      assert.equal(call.collects.length, 2);
      assert.equal(cbs.availabilityAsked, offer ? 1 : 0);
    }
  });

  it('slot times: o\'clock, "oh five", a m, tomorrow and a weekday, in the given zone', () => {
    const at = (iso: string) => names(slotTimePrompts('/p/digits', Date.parse(iso), NOW, 'America/New_York'));
    assert.deepEqual(at('2026-11-25T15:00:00Z'), ['today.wav', 'at.wav', '10.wav', 'oclock.wav', 'a-m.wav']);
    assert.deepEqual(at('2026-11-26T14:05:00Z'), ['tomorrow.wav', 'at.wav', '9.wav', 'oh.wav', '5.wav', 'a-m.wav']);
    assert.deepEqual(at('2026-11-27T17:45:00Z'), ['day-5.wav', 'at.wav', '12.wav', '40.wav', '5.wav', 'p-m.wav']); // Friday 12:45
    // 02:30 UTC on the 26th is still the 25th, 9:30 p m, in New York
    assert.deepEqual(at('2026-11-26T02:30:00Z'), ['today.wav', 'at.wav', '9.wav', '30.wav', 'p-m.wav']);
  });
});

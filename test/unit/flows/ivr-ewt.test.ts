import assert from 'node:assert/strict';
import { runIvrOffer } from '../../../src/flows/ivr-offer';
import { ivrSettingsFor } from '../../../src/telephony/ivr-settings';
import { parseTelephonyConfig } from '../../../src/telephony/config';
import { makeCore } from '../../helpers/core';
import { FakeLeg, FakeQueue, capturingLog, ivrDeps } from './fakes';

const info = { interactionId: 'ix-1', serviceName: 'support-cb', target: 'support', ani: '+12025550143', dnis: '18005550100', startedAt: 999_000 };
const estimatedWait = (lines: Record<string, unknown>[]) => {
  const l = lines.filter((x) => x.msg === 'estimated wait');
  assert.equal(l.length, 1, 'one estimated wait line per call');
  return l[0]!;
};

describe("flows/ivr-offer: the service's EWT method and threshold", () => {
  it("asks the queue with the service's method and logs it", async () => {
    const queue = new FakeQueue(600);
    queue.ewtByMethod = { simple: 30 };
    const { log, lines } = capturingLog();
    const call = new FakeLeg('c1', []);
    const rec = await runIvrOffer(call, info, ivrDeps({ queue, ivr: { ewtMethod: 'simple', ewtThresholdFrom: '_ewt_threshold' }, targetEwtMethod: () => 'erlang-a' }), log);
    assert.deepEqual(queue.ewtAsked, [{ target: 'support', method: 'simple' }]);
    // simple says 30 s (< 120): no offer, straight to the queue (the target's own method would have said 600 s)
    assert.equal(call.collects.length, 0);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    const l = estimatedWait(lines);
    assert.equal(l.ewtSec, 30);
    assert.equal(l.ewtMethod, 'simple');
    assert.equal(l.ewtMethodFrom, '_ewt_method');
    assert.equal(l.thresholdSec, 120);
    assert.equal(l.thresholdFrom, '_ewt_threshold');
  });

  it("without a service method the queue picks the target's own; the log names it", async () => {
    const queue = new FakeQueue(600);
    queue.ewtByMethod = { simple: 30 };
    const { log, lines } = capturingLog();
    const call = new FakeLeg('c1', ['2']);
    await runIvrOffer(call, info, ivrDeps({ queue, targetEwtMethod: (t) => (t === 'support' ? 'erlang' : undefined) }), log);
    assert.deepEqual(queue.ewtAsked, [{ target: 'support', method: undefined }]);
    assert.equal(call.collects.length, 1, 'offered: 600 s > 120 s');
    const l = estimatedWait(lines);
    assert.equal(l.ewtMethod, 'erlang');
    assert.equal(l.ewtMethodFrom, 'target');
  });

  it('the threshold in the settings decides: an EWT above it is offered a callback, one equal to it or below is not (GMS: "above the threshold")', async () => {
    for (const [ewt, offered] of [[91, true], [90.5, true], [90, false], [89, false]] as const) {
      const call = new FakeLeg('c1', ['2']);
      await runIvrOffer(call, info, ivrDeps({ queue: new FakeQueue(ewt), ivr: { ewtThresholdSec: 90 } }), capturingLog().log);
      assert.equal(call.collects.length > 0, offered, `EWT ${ewt} s, threshold 90 s`);
    }
  });
});

describe('IVR over the real service registry: _ewt_threshold and _ewt_method apply to the next call', () => {
  const SERVICE = 'support-cb';
  /** what src/telephony does for each inbound call: the service's options read now, then the precedence */
  const depsNow = (core: Awaited<ReturnType<typeof makeCore>>, telephony: unknown, queue: FakeQueue) =>
    ivrDeps({ queue, callbacks: core.callbacks, ivr: ivrSettingsFor(parseTelephonyConfig(telephony, 'telephony'), SERVICE, core.callbacks.serviceIvrOptions(SERVICE)) });

  it('changing _ewt_threshold changes the decision (telephony.ivr.ewtThresholdSec applies while the service sets none)', async () => {
    const core = await makeCore();
    await core.services.put(SERVICE, 'user-terminated-immediate', { _target: 'support' }, 0);
    const queue = new FakeQueue(100);

    // the service sets no _ewt_threshold: telephony.ivr.ewtThresholdSec (default 120) → 100 s is below, no offer
    const first = new FakeLeg('c1', []);
    const { log, lines } = capturingLog();
    assert.equal((await runIvrOffer(first, info, depsNow(core, {}, queue), log)).outcome, 'CONNECTED_TO_AGENT');
    assert.equal(first.collects.length, 0);
    assert.equal(estimatedWait(lines).thresholdFrom, 'telephony.ivr.ewtThresholdSec');

    // the admin sets _ewt_threshold: 60 (what PUT /admin/v1/services does): the next call is offered, and accepts
    await core.services.put(SERVICE, 'user-terminated-immediate', { _target: 'support', _ewt_threshold: 60 }, 1);
    const second = new FakeLeg('c2', ['1', '1']);
    const c2 = capturingLog();
    const rec = await runIvrOffer(second, { ...info, interactionId: 'ix-2' }, depsNow(core, {}, queue), c2.log);
    assert.equal(rec.outcome, 'CALLBACK');
    assert.equal((await core.store.getCallback(String(rec.attached._CB_ID)))?.customerNumber, '+12025550143');
    assert.equal(estimatedWait(c2.lines).thresholdSec, 60);
    assert.equal(estimatedWait(c2.lines).thresholdFrom, '_ewt_threshold');

    // a local telephony.services.<name>.ewtThresholdSec still wins over the service's option
    const third = new FakeLeg('c3', []);
    const c3 = capturingLog();
    await runIvrOffer(third, { ...info, interactionId: 'ix-3' }, depsNow(core, { services: { [SERVICE]: { ewtThresholdSec: 300 } } }, queue), c3.log);
    assert.equal(third.collects.length, 0);
    assert.equal(estimatedWait(c3.lines).thresholdFrom, `telephony.services.${SERVICE}.ewtThresholdSec`);
  });

  it("_ewt_method set on the service is the method the queue is asked for; '' or unset is the target's own", async () => {
    const core = await makeCore();
    const queue = new FakeQueue(100);
    await core.services.put(SERVICE, 'user-terminated-immediate', { _ewt_method: 'erlang' }, 0);
    await runIvrOffer(new FakeLeg('c1', []), info, depsNow(core, {}, queue), capturingLog().log);
    await core.services.put(SERVICE, 'user-terminated-immediate', { _ewt_method: '' }, 1);
    await runIvrOffer(new FakeLeg('c2', []), info, depsNow(core, {}, queue), capturingLog().log);
    await core.services.put(SERVICE, 'user-terminated-immediate', {}, 2);
    await runIvrOffer(new FakeLeg('c3', []), info, depsNow(core, {}, queue), capturingLog().log);
    assert.deepEqual(queue.ewtAsked.map((a) => a.method), ['erlang', undefined, undefined]);
  });
});

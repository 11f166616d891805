import assert from 'node:assert/strict';
import { runIvrOffer } from '../../src/flows/ivr-offer';
import { parseTelephonyConfig } from '../../src/telephony/config';
import { ivrSettingsFor } from '../../src/telephony/ivr-settings';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { FakeLeg, FakeQueue, capturingLog, ivrDeps } from '../unit/flows/fakes';

const SERVICE = 'support-cb';
const admin = { key: ADMIN_KEY };
const info = { interactionId: 'ix-1', serviceName: SERVICE, target: 'support', ani: '+12025550143', dnis: '18005550100', startedAt: Date.now() };

describe("the IVR's service options over the admin API (real HTTP, real SQLite file)", () => {
  let t: RunningApp;
  before(async () => {
    t = await startApp({ services: [{ name: SERVICE, template: 'user-terminated-immediate', options: {} }] });
  });
  after(() => t.close());

  /** one inbound call as src/telephony runs it: the service's options read when the call comes in */
  const call = async (queue: FakeQueue, answers: string[]) => {
    const leg = new FakeLeg(`c${queue.ewtAsked.length + 1}`, answers);
    const ivr = ivrSettingsFor(parseTelephonyConfig({}, 'telephony'), SERVICE, t.app.callbacks.serviceIvrOptions(SERVICE));
    await runIvrOffer(leg, info, ivrDeps({ queue, callbacks: t.app.callbacks, ivr }), capturingLog().log);
    return leg;
  };

  it('a bad _ewt_method is a 400 naming it; the catalog lists it', async () => {
    const bad = await t.call('PUT', `/admin/v1/services/${SERVICE}`, { template: 'user-terminated-immediate', options: { _ewt_method: 'fastest' } }, admin);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.parameter, 'options._ewt_method');
    assert.match(bad.json.message, /_ewt_method: "fastest" is not one of simple, erlang, erlang-a/);
    const catalog = await t.call('GET', '/admin/v1/templates', undefined, admin);
    assert.ok(catalog.json.options.some((o: { name: string }) => o.name === '_ewt_method'));
  });

  it('PUT _ewt_threshold and _ewt_method: the next call uses them, no restart', async () => {
    const queue = new FakeQueue(100);
    queue.ewtByMethod = { simple: 100 };
    // no _ewt_threshold on the service: telephony.ivr.ewtThresholdSec (120) → 100 s is not offered a callback
    assert.equal((await call(queue, [])).collects.length, 0);

    const put = await t.call('PUT', `/admin/v1/services/${SERVICE}`, { template: 'user-terminated-immediate', options: { _ewt_threshold: 60, _ewt_method: 'simple' } }, admin);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.effectiveOptions._ewt_method, 'simple');
    // the next call is offered (100 s ≥ 60 s); the caller keeps waiting
    assert.equal((await call(queue, ['2'])).collects.length, 1);
    assert.deepEqual(queue.ewtAsked.map((a) => a.method), [undefined, 'simple']);
  });

  it('a bad _ewt_method in the config file stops the start, naming the key', async () => {
    await assert.rejects(
      startApp({ services: [{ name: 'x', template: 'user-terminated-immediate', options: { _ewt_method: 'fast' } }] }),
      /services\[0\]\.options\._ewt_method: "fast" is not one of/,
    );
  });
});

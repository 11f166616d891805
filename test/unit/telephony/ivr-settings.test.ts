import assert from 'node:assert/strict';
import { parseTelephonyConfig } from '../../../src/telephony/config';
import { ivrConnectModeFor, ivrSettingsFor } from '../../../src/telephony/ivr-settings';

const cfg = (raw: unknown) => parseTelephonyConfig(raw, 'telephony');

describe("telephony/ivr-settings: the IVR's threshold and method for a service", () => {
  it('threshold: telephony.services.<name> wins, then the service\'s _ewt_threshold, then telephony.ivr', () => {
    const both = cfg({ ivr: { ewtThresholdSec: 45 }, services: { billing: { ewtThresholdSec: 90 } } });
    assert.deepEqual(pick(ivrSettingsFor(both, 'billing', { ewtThresholdSec: 60 })), [90, 'telephony.services.billing.ewtThresholdSec']);
    assert.deepEqual(pick(ivrSettingsFor(both, 'support', { ewtThresholdSec: 60 })), [60, '_ewt_threshold']);
    assert.deepEqual(pick(ivrSettingsFor(both, 'support', {})), [45, 'telephony.ivr.ewtThresholdSec']);
    assert.deepEqual(pick(ivrSettingsFor(both, 'support', undefined)), [45, 'telephony.ivr.ewtThresholdSec'], 'unknown service: telephony config only');
    assert.deepEqual(pick(ivrSettingsFor(cfg({}), 'support', {})), [120, 'telephony.ivr.ewtThresholdSec'], 'the default, as before');
    assert.deepEqual(pick(ivrSettingsFor(cfg({}), 'support', { ewtThresholdSec: 0 })), [0, '_ewt_threshold'], '0 (always offer) is a value, not unset');
  });

  it("method: the service's _ewt_method, else none (the target's own)", () => {
    assert.equal(ivrSettingsFor(cfg({}), 'support', { ewtMethod: 'simple' }).ewtMethod, 'simple');
    assert.equal('ewtMethod' in ivrSettingsFor(cfg({}), 'support', {}), false);
    assert.equal('ewtMethod' in ivrSettingsFor(cfg({}), 'support', undefined), false);
  });

  it("connect mode: the service's _connect_mode, else telephony.connect.mode (default bridge)", () => {
    const refer = cfg({ connect: { mode: 'refer' } });
    assert.deepEqual(ivrConnectModeFor(cfg({}), { connectMode: 'refer' }), { connectMode: 'refer', connectModeFrom: '_connect_mode' });
    assert.deepEqual(ivrConnectModeFor(refer, { connectMode: 'bridge' }), { connectMode: 'bridge', connectModeFrom: '_connect_mode' });
    assert.deepEqual(ivrConnectModeFor(refer, {}), { connectMode: 'refer', connectModeFrom: 'telephony.connect.mode' });
    assert.deepEqual(ivrConnectModeFor(refer, undefined), { connectMode: 'refer', connectModeFrom: 'telephony.connect.mode' }, 'unknown service: telephony config only');
    assert.deepEqual(ivrConnectModeFor(cfg({}), {}), { connectMode: 'bridge', connectModeFrom: 'telephony.connect.mode' }, 'the default, as before');
  });

  it('keeps the rest of telephony.ivr and the per-service offerSlot', () => {
    const c = cfg({ ivr: { maxRetries: 4, offerSlot: false }, services: { billing: { offerSlot: true } } });
    const s = ivrSettingsFor(c, 'billing', { ewtThresholdSec: 10 });
    assert.equal(s.maxRetries, 4);
    assert.equal(s.offerSlot, true);
    assert.equal(ivrSettingsFor(c, 'support', {}).offerSlot, false);
  });
});

function pick(s: { ewtThresholdSec: number; ewtThresholdFrom?: string }): [number, string | undefined] {
  return [s.ewtThresholdSec, s.ewtThresholdFrom];
}

import assert from 'node:assert/strict';
import { ServiceDefinitionError, ServiceRegistry } from '../../../src/callback/service-registry';
import { makeCore } from '../../helpers/core';
import { storeKinds, useStoreKind } from '../../helpers/stores';

for (const kind of storeKinds()) {
  describe(`configured services (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    it('fills every option from the template and keeps only what the service set', async () => {
      const { services } = await makeCore();
      const s = await services.put('x', 'user-terminated-preview', { _max_number_of_attempts: 5 }, 0);
      assert.deepEqual(s.options, { _max_number_of_attempts: 5 });
      assert.equal(s.settings.waitForAgent, true);
      assert.equal(s.settings.agentPreview, true);
      assert.equal(s.settings.maxNumberOfAttempts, 5);
      assert.equal(s.settings.callDirection, 'USERTERMINATED');
      assert.equal((await services.put('uo', 'user-originated-immediate', {}, 0)).settings.callDirection, 'USERORIGINATED');
      assert.deepEqual((await services.put('amd', 'user-terminated-immediate', { _amd: { greetingMs: 2000 } }, 0)).settings.amd, { greetingMs: 2000 });
    });

    it('names the bad key in errors', async () => {
      const { services } = await makeCore();
      const bad = (tpl: string, options: Record<string, unknown>, re: RegExp) =>
        assert.rejects(() => services.put('x', tpl, options, 0), (e: unknown) => e instanceof ServiceDefinitionError && re.test(e.message));
      await bad('nonsense', {}, /template: "nonsense" is not one of/);
      await bad('user-terminated-immediate', { _max_number_of_attempts: 0 }, /options\._max_number_of_attempts/);
      await bad('user-terminated-immediate', { _nope: 1 }, /unknown option _nope/);
      await bad('user-terminated-immediate', { _request_time_bucket: 7 }, /_request_time_bucket/);
      await bad('user-terminated-immediate', { _wait_for_user_confirm: true }, /needs _wait_for_agent/);
      await bad('user-terminated-immediate', { _business_hours: { timezone: 'Nowhere/City', weekly: {} } }, /Nowhere\/City/);
      await bad('user-terminated-immediate', { _overwritable_options: ['_unknown'] }, /_unknown is not a known option/);
      await bad('user-terminated-immediate', { _amd: { greetingMs: 'long' } }, /options\._amd\.greetingMs/);
      await bad('user-terminated-immediate', { _amd: { noSuchParam: 1 } }, /noSuchParam/);
      await bad('user-terminated-immediate', { _ewt_method: 'fastest' }, /^options\._ewt_method: "fastest" is not one of simple, erlang, erlang-a \(or empty\)$/);
      await bad('user-terminated-immediate', { _connect_mode: 'transfer' }, /^options\._connect_mode: "transfer" is not one of bridge, refer$/);
      await bad('user-terminated-immediate', { _ewt_threshold: -1 }, /options\._ewt_threshold/);
    });

    it("the IVR's _ewt_threshold and _ewt_method: unset in every template, read as the service sets them", async () => {
      const { services, callbacks } = await makeCore();
      await services.put('plain', 'user-terminated-immediate', {}, 0);
      assert.equal('_ewt_threshold' in services.get('plain')!.effectiveOptions, false, 'no template default hides the IVR config');
      assert.deepEqual(callbacks.serviceIvrOptions('plain'), {});
      await services.put('set', 'user-terminated-delayed', { _ewt_threshold: 60, _ewt_method: 'erlang-a' }, 0);
      assert.deepEqual(callbacks.serviceIvrOptions('set'), { ewtThresholdSec: 60, ewtMethod: 'erlang-a' });
      await services.put('empty', 'user-terminated-immediate', { _ewt_method: '' }, 0);
      assert.deepEqual(callbacks.serviceIvrOptions('empty'), {}, "'' = the target's own method");
      assert.equal(callbacks.serviceIvrOptions('nope'), undefined);
    });

    it('_connect_mode: unset in every template (telephony.connect.mode then applies), read as the service sets it', async () => {
      const { services, callbacks } = await makeCore();
      for (const t of ['user-terminated-immediate', 'user-terminated-delayed', 'user-terminated-preview', 'user-originated-immediate', 'user-originated-delayed']) {
        const s = await services.put(`plain-${t}`, t, {}, 0);
        assert.equal('_connect_mode' in s.effectiveOptions, false, t);
        assert.equal(s.settings.connectMode, undefined, t);
      }
      await services.put('refer', 'user-terminated-immediate', { _connect_mode: 'refer' }, 0);
      assert.equal(services.get('refer')!.settings.connectMode, 'refer');
      assert.deepEqual(callbacks.serviceIvrOptions('refer'), { connectMode: 'refer' });
      await services.put('bridge', 'user-terminated-immediate', { _connect_mode: 'bridge', _ewt_threshold: 30 }, 0);
      assert.deepEqual(callbacks.serviceIvrOptions('bridge'), { ewtThresholdSec: 30, connectMode: 'bridge' });
    });

    it('is durable: a new registry on the same store sees the services, and a deleted one is gone', async () => {
      const core = await makeCore();
      await core.services.put('keep', 'user-terminated-delayed', { _target: 'sales' }, 0);
      await core.services.put('drop', 'user-terminated-immediate', {}, 0);
      await core.services.delete('drop');
      const again = await ServiceRegistry.open(core.store);
      assert.equal(again.get('keep')?.settings.target, 'sales');
      assert.equal(again.get('drop'), undefined);
    });

    it('seeds from config only when the service does not exist yet', async () => {
      const { services } = await makeCore();
      assert.equal((await services.seed('s', 'user-terminated-immediate', { _target: 'a' }, 0)), true);
      await services.put('s', 'user-terminated-immediate', { _target: 'changed-by-admin' }, 1);
      assert.equal((await services.seed('s', 'user-terminated-immediate', { _target: 'a' }, 2)), false);
      assert.equal(services.get('s')?.settings.target, 'changed-by-admin');
    });
  });
}

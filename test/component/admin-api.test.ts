import assert from 'node:assert/strict';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { storeKinds, useStoreKind } from '../helpers/stores';

/** The admin API behind the /admin page: template names, option schemas, per-service figures, delete guard. */
for (const kind of storeKinds()) {
  describe(`admin API for the services page (real HTTP, real SQLite file) (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let t: RunningApp;
    const admin = { key: ADMIN_KEY };
    before(async () => {
      t = await startApp({ services: [{ name: 'from-config', template: 'User Originated Immediate', options: {} }] });
    });
    after(() => t.close());

    it('takes template display names wherever ids are (config file, POST, PUT) and shows both', async () => {
      const fromConfig = await t.call('GET', '/admin/v1/services/from-config', undefined, admin);
      assert.equal(fromConfig.json.template, 'user-originated-immediate');
      assert.equal(fromConfig.json.templateName, 'User Originated Immediate');
      const created = await t.call('POST', '/admin/v1/services', { name: 'by-name', template: 'User Terminated Delayed', options: { _target: 'billing' } }, admin);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.template, 'user-terminated-delayed');
      const put = await t.call('PUT', '/admin/v1/services/by-name', { template: 'user_terminated_preview' }, admin);
      assert.equal(put.json.template, 'user-terminated-preview');
      const bad = await t.call('POST', '/admin/v1/services', { name: 'x', template: 'Chat Immediate' }, admin);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.parameter, 'template');
      assert.match(bad.json.message, /User Terminated Immediate/);
    });

    it("lists templates by name with defaults, and every option's JSON schema and help", async () => {
      const r = (await t.call('GET', '/admin/v1/templates', undefined, admin)).json;
      assert.deepEqual(r.list.map((x: { name: string }) => x.name), ['User Terminated Immediate', 'User Terminated Delayed', 'User Terminated Preview', 'User Originated Immediate', 'User Originated Delayed']);
      const attempts = r.options.find((o: { name: string }) => o.name === '_max_number_of_attempts');
      assert.deepEqual(attempts.schema, { minimum: 1, maximum: 50, type: 'integer' });
      assert.match(attempts.description, /Dial attempts/);
    });

    it("gives each service's callbacks today by state, AMD decisions and connect rate; refuses to delete one with pending callbacks, saying how many", async () => {
      const svc = '/genesys/1/service/callback/from-config';
      const ids: string[] = [];
      for (const n of ['+14155550301', '+14155550302']) ids.push((await t.call('POST', svc, { _customer_number: n })).json._id);
      const f = (await t.call('GET', '/admin/v1/figures', undefined, admin)).json;
      assert.deepEqual(f.services['from-config'].byState, { QUEUED: 2 });
      assert.equal(f.services['from-config'].connectRate, null);
      assert.deepEqual(f.services['by-name'], { byState: {}, byReason: {}, amd: {}, completed: 0, connected: 0, connectRate: null });
      const del = await t.call('DELETE', '/admin/v1/services/from-config', undefined, admin);
      assert.equal(del.status, 409);
      assert.match(del.json.message, /2 pending callbacks/);
      for (const id of ids) await t.call('DELETE', `${svc}/${id}`);
      const after = (await t.call('GET', '/admin/v1/figures', undefined, admin)).json.services['from-config'];
      assert.deepEqual(after.byReason, { CANCELLED: 2 });
      assert.equal(after.connectRate, 0);
      assert.equal((await t.call('DELETE', '/admin/v1/services/from-config', undefined, admin)).status, 204);
      assert.equal((await t.call('GET', '/admin/v1/figures?from=nope', undefined, admin)).json.parameter, 'from');
    });
  });
}

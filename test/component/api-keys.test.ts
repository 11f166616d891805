import assert from 'node:assert/strict';
import type { App } from '../../src/app';
import { buildApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { VirtualTime } from '../../src/time';
import { silentLogger } from '../helpers/core';
import { ADMIN_KEY, IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { storeKinds, useStoreKind } from '../helpers/stores';

const T0 = Date.parse('2026-12-04T12:00:00.000Z');

for (const kind of storeKinds()) {
  describe(`API keys as data: create, use, rotate, revoke (admin API) (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let t: RunningApp;
    let vt: VirtualTime;
    beforeEach(async () => {
      vt = new VirtualTime(T0);
      t = await startApp({}, undefined, { clock: vt });
    });
    afterEach(() => t.close());

    const admin = (method: string, p: string, body?: unknown) => t.call(method, p, body, { key: ADMIN_KEY });
    const create = async (body: Record<string, unknown>) => {
      const r = await admin('POST', '/admin/v1/keys', body);
      assert.equal(r.status, 201, r.text);
      return r.json as { key: string; id: string; name: string; scopes: string[]; active: boolean };
    };
    const reports = (key: string) => t.call('GET', '/api/v1/reports/callbacks', undefined, { key });

    it('shows the key once; lists it without the secret; stores only its hash; config keys still work', async () => {
      const k = await create({ name: 'crm reports', scopes: ['reports:read'] });
      assert.match(k.key, /^cbk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(k.active, true);
      assert.equal((await reports(k.key)).status, 200);
      const list = await admin('GET', '/admin/v1/keys');
      assert.equal(list.json.keys.length, 1);
      assert.equal(list.json.keys[0].name, 'crm reports');
      assert.equal(list.json.keys[0].createdBy, 'admin');
      assert.ok(!list.text.includes(k.key.slice(21)), 'the secret is not listed');
      assert.equal((await admin('GET', `/admin/v1/keys/${k.id}`)).json.key, undefined);
      const row = await t.app.store.getApiKey(k.id);
      assert.ok(row && !JSON.stringify(row).includes(k.key.slice(21)), 'the store holds no secret');
      assert.equal(row.secretHash.length, 64);
      assert.equal((await t.call('GET', '/api/v1/reports/callbacks', undefined, { key: IVR_KEY })).status, 200, 'a config key (bootstrap) still works');
    });

    it('a wrong secret for a real key id is refused and counted against that key', async () => {
      const k = await create({ name: 'ivr', scopes: ['callbacks:write'] });
      const forged = `${k.key.slice(0, 21)}${'A'.repeat(43)}`;
      assert.equal((await reports(forged)).status, 401);
      assert.equal(t.app.throttle.failuresOf(`key:${k.id}`), 1);
    });

    it('rotation: a new key with the same scopes; the old one stops at once, or after the grace period', async () => {
      const k = await create({ name: 'crm', scopes: ['reports:read', 'callbacks:read'] });
      const r = await admin('POST', `/admin/v1/keys/${k.id}/rotate`, {});
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.scopes, ['reports:read', 'callbacks:read']);
      assert.equal(r.json.replaces.id, k.id);
      assert.equal(r.json.replaces.replacedBy, r.json.id);
      assert.equal((await reports(k.key)).status, 401, 'the old key stops at once');
      assert.equal((await reports(r.json.key)).status, 200);

      const g = await admin('POST', `/admin/v1/keys/${r.json.id}/rotate`, { graceSec: 600 });
      assert.equal((await reports(r.json.key)).status, 200, 'still works during the grace period');
      assert.equal((await reports(g.json.key)).status, 200);
      vt.advance(600_000);
      assert.equal((await reports(r.json.key)).status, 401, 'stops when the grace period ends');
      assert.equal((await admin('POST', `/admin/v1/keys/${k.id}/rotate`, {})).status, 409, 'a revoked key cannot be rotated');
    });

    it('revocation takes effect at once, on another instance sharing the store too', async () => {
      const k = await create({ name: 'partner', scopes: ['reports:read'] });
      const config = parseAppConfig(
        { server: { host: '127.0.0.1', port: 0 }, store: t.config.store, auth: { clients: [] }, dialer: { kind: 'simulated' } },
        'test',
      );
      const other: App = await buildApp(config, silentLogger);
      const otherUrl = await other.listen();
      try {
        const onOther = () => fetch(`${otherUrl}/api/v1/reports/callbacks`, { headers: { 'x-api-key': k.key } });
        assert.equal((await onOther()).status, 200);
        const revoked = await admin('DELETE', `/admin/v1/keys/${k.id}`);
        assert.equal(revoked.status, 200);
        assert.equal(revoked.json.active, false);
        assert.equal((await reports(k.key)).status, 401);
        assert.equal((await onOther()).status, 401, 'the other instance refuses it at once');
        assert.equal((await admin('DELETE', `/admin/v1/keys/${k.id}`)).status, 409);
        assert.equal((await admin('DELETE', '/admin/v1/keys/0123456789abcdef')).status, 404);
      } finally {
        await other.close();
      }
    });

    it('allowed networks: refused from elsewhere; own rate limit: 429 with Retry-After past it', async () => {
      const far = await create({ name: 'office', scopes: ['reports:read'], allowedNetworks: ['10.0.0.0/8', '2001:db8::/32'] });
      const r = await reports(far.key);
      assert.equal(r.status, 403);
      assert.match(r.json.message, /may not be used from 127\.0\.0\.1/);
      const near = await create({ name: 'local', scopes: ['reports:read'], allowedNetworks: ['127.0.0.0/8'], rateLimitPerMinute: 3 });
      for (let i = 0; i < 3; i++) assert.equal((await reports(near.key)).status, 200);
      const limited = await reports(near.key);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.match(limited.json.message, /3 requests a minute/);
      assert.equal((await reports(far.key)).status, 403, "another key's limit is its own");
      const bad = await admin('POST', '/admin/v1/keys', { name: 'x', scopes: ['reports:read'], allowedNetworks: ['10.0.0.0/33'] });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.parameter, 'allowedNetworks');
      assert.equal((await admin('POST', '/admin/v1/keys', { name: 'x', scopes: ['everything'] })).status, 400);
    });
  });
}

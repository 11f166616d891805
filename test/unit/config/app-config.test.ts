import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseAppConfig } from '../../../src/config/app-config';
import { makeCore } from '../../helpers/core';

const fails = (input: unknown, re: RegExp) =>
  assert.throws(() => parseAppConfig(input, 'test.yaml'), (e: unknown) => e instanceof ConfigError && re.test(e.message));

describe('app config', () => {
  it('fills defaults for an empty file', () => {
    const c = parseAppConfig({}, 'empty');
    assert.equal(c.server.port, 8080);
    assert.equal(c.store.path, './data/callbacks.db');
    assert.equal(c.dialer.kind, 'telephony');
    assert.deepEqual(c.services, []);
  });

  it('names the bad key', () => {
    fails({ server: { port: 'eighty' } }, /server\.port/);
    fails({ services: [{ name: 'a', template: 't' }, { template: 'x' }] }, /services\[1\]/);
    fails({ servre: {} }, /servre: unknown key/);
    fails({ auth: { clients: [{ id: 'a', key: 'short' }] } }, /auth\.clients\[0\]\.key/);
    fails({ dialer: { kind: 'carrier-pigeon' } }, /dialer\.kind/);
  });

  it('reads YAML from CONFIG_FILE and applies environment overrides', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, 'server:\n  port: 9000\nservices:\n  - name: s\n    template: user-terminated-immediate\n');
    const { config } = loadConfig({ CONFIG_FILE: file, PORT: '9100', DB_PATH: '/tmp/x.db', ADMIN_API_KEY: 'admin-key-123' });
    assert.equal(config.server.port, 9100);
    assert.equal(config.store.path, '/tmp/x.db');
    assert.equal(config.services[0].name, 's');
    assert.deepEqual(config.auth.clients.at(-1), { id: 'admin', key: 'admin-key-123', admin: true });
    fs.writeFileSync(file, 'server: [unclosed');
    assert.throws(() => loadConfig({ CONFIG_FILE: file }), /cannot parse/);
    assert.throws(() => loadConfig({ CONFIG_FILE: path.join(dir, 'missing.yaml') }), /no such file/);
    assert.throws(() => loadConfig({ CONFIG_FILE: path.join(dir, 'missing.yaml'), PORT: 'x' }), ConfigError);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("scheduler.instanceName: the instance's name on its leases, from INSTANCE_NAME; no ':' in it", () => {
    assert.equal(loadConfig({ CONFIG_FILE: 'config/default.yaml' }).config.scheduler.instanceName, undefined);
    assert.equal(loadConfig({ CONFIG_FILE: 'config/default.yaml', INSTANCE_NAME: 'app-2' }).config.scheduler.instanceName, 'app-2');
    assert.throws(() => parseAppConfig({ scheduler: { instanceName: 'host:1' } }, 'test'), /instanceName/);
  });

  it('store: SQLite by default; PostgreSQL with STORE_KIND and DATABASE_URL, which it cannot do without', () => {
    assert.equal(loadConfig({ CONFIG_FILE: 'config/default.yaml' }).config.store.kind, 'sqlite');
    const pg = loadConfig({ CONFIG_FILE: 'config/default.yaml', STORE_KIND: 'postgres', DATABASE_URL: 'postgres://u:p@db:5432/cb' }).config.store;
    assert.deepEqual([pg.kind, pg.url, pg.poolSize], ['postgres', 'postgres://u:p@db:5432/cb', 10]);
    assert.throws(() => loadConfig({ CONFIG_FILE: 'config/default.yaml', STORE_KIND: 'postgres' }), /store\.url: .*DATABASE_URL/);
    assert.throws(() => loadConfig({ CONFIG_FILE: 'config/default.yaml', STORE_KIND: 'mysql' }), /STORE_KIND: "mysql"/);
    assert.throws(() => parseAppConfig({ store: { kind: 'postgres', schema: 'Bad-Name' } }, 'test'), /store\.schema/);
  });

  it('the shipped default config is valid and its services are valid', async () => {
    const { config } = loadConfig({ CONFIG_FILE: 'config/default.yaml' });
    assert.ok(config.services.length >= 2);
    const { services } = await makeCore();
    for (const s of config.services) assert.ok((await services.put(s.name, s.template, s.options, 0)).settings);
  });
});

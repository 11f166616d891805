import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';
import { storeKinds, useStoreKind } from '../helpers/stores';

const ADMIN = 'audit-admin-key-01';
const SUPERVISOR = 'audit-super-key-01';

interface Entry {
  seq: number;
  at: string;
  actor: string;
  source: string;
  action: string;
  subject: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

for (const kind of storeKinds()) {
  describe(`audit log: every admin and supervisor action, who, when, from where, what changed (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let app: App;
    let url: string;
    let dir: string;

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-audit-'));
      ({ app, url } = await compose({
        store: { path: path.join(dir, 'cb.db') },
        auth: { clients: [{ id: 'ops-admin', key: ADMIN, admin: true }, { id: 'floor-supervisor', key: SUPERVISOR }] },
        ...BILLING_WITH_ALICE,
        dialer: { kind: 'simulated' },
      }));
    });
    after(async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const call = async (key: string, method: string, p: string, body?: unknown) => {
      const res = await fetch(url + p, { method, headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const latest = async (q = ''): Promise<Entry[]> => (await call(ADMIN, 'GET', `/admin/v1/audit${q}`)).json.entries;

    it('services created, changed and deleted, with the options before and after', async () => {
      const t0 = Date.now();
      assert.equal((await call(ADMIN, 'POST', '/admin/v1/services', { name: 'audited', template: 'user-terminated-delayed', options: { _target: 'billing', _default_country: 'US' } })).status, 201);
      assert.equal((await call(ADMIN, 'PUT', '/admin/v1/services/audited', { template: 'user-terminated-delayed', options: { _target: 'billing', _default_country: 'CA' } })).status, 200);
      assert.equal((await call(ADMIN, 'DELETE', '/admin/v1/services/audited')).status, 204);
      const [deleted, changed, created] = await latest('?subject=service:audited');
      assert.equal(created!.action, 'service.created');
      assert.equal(created!.actor, 'ops-admin');
      assert.equal(created!.source, '127.0.0.1');
      assert.ok(Date.parse(created!.at) >= t0 - 1000 && Date.parse(created!.at) <= Date.now());
      assert.deepEqual(created!.before, null);
      assert.equal((created!.after as { options: { _default_country: string } }).options._default_country, 'US');
      assert.equal(changed!.action, 'service.changed');
      assert.equal((changed!.before as { options: { _default_country: string } }).options._default_country, 'US');
      assert.equal((changed!.after as { options: { _default_country: string } }).options._default_country, 'CA');
      assert.equal(deleted!.action, 'service.deleted');
      assert.equal(deleted!.after, null);
    });

    it("a supervisor's cancel and reschedule, with the state before and after (not the customer's number)", async () => {
      await call(ADMIN, 'POST', '/admin/v1/services', { name: 'later', template: 'user-terminated-delayed', options: { _target: 'billing', _default_country: 'US' } });
      const slots = (await call(SUPERVISOR, 'GET', '/genesys/1/service/callback/later/availability?_number-of-days=3&_max-time-slots=3')).json as Record<string, number>;
      const [first, second] = Object.keys(slots);
      const { _id } = (await call(SUPERVISOR, 'POST', '/genesys/1/service/callback/later', { _customer_number: '+14155550123', _desired_time: first })).json;
      assert.equal((await call(SUPERVISOR, 'PUT', `/genesys/1/service/callback/later/${_id}`, { _new_desired_time: second })).status, 200);
      assert.equal((await call(SUPERVISOR, 'DELETE', `/genesys/1/service/callback/later/${_id}`)).status, 200);
      const [cancelled, rescheduled] = await latest(`?subject=callback:${_id}`);
      assert.equal(rescheduled!.action, 'callback.rescheduled');
      assert.equal(rescheduled!.actor, 'floor-supervisor');
      assert.equal(rescheduled!.before!.desiredTime, first);
      assert.equal(rescheduled!.after!.desiredTime, second);
      assert.equal(cancelled!.action, 'callback.cancelled');
      assert.equal(cancelled!.before!.state, 'SCHEDULED');
      assert.deepEqual([cancelled!.after!.state, cancelled!.after!.reason], ['COMPLETED', 'CANCELLED']);
      assert.ok(!JSON.stringify(await latest()).includes('4155550123'), 'no customer number in the audit log');
    });

    it('agents logged in, made ready, forced not ready and logged out by a supervisor', async () => {
      for (const a of ['login', 'ready', 'not-ready', 'logout']) assert.equal((await call(SUPERVISOR, 'POST', `/api/v1/agents/alice/${a}`)).status, 200, a);
      const entries = (await latest('?subject=agent:alice')).reverse();
      assert.deepEqual(entries.map((e) => e.action), ['agent.logged-in', 'agent.ready', 'agent.not-ready', 'agent.logged-out']);
      const forced = entries[2]!;
      assert.equal(forced.actor, 'floor-supervisor');
      assert.equal(forced.before!.state, 'READY');
      assert.equal(forced.after!.state, 'NOT_READY');
      assert.equal(entries[3]!.after!.loggedIn, false);
    });

    it('keys created, rotated and revoked, without their secrets; the supervisor key may not read the log', async () => {
      const created = (await call(ADMIN, 'POST', '/admin/v1/keys', { name: 'crm', scopes: ['reports:read'] })).json;
      const rotated = (await call(ADMIN, 'POST', `/admin/v1/keys/${created.id}/rotate`, {})).json;
      await call(ADMIN, 'DELETE', `/admin/v1/keys/${rotated.id}`);
      const keys = await latest('?subject=key:');
      assert.deepEqual(keys.map((e) => `${e.action} ${e.subject}`), [`key.revoked key:${rotated.id}`, `key.created key:${rotated.id}`, `key.rotated key:${created.id}`, `key.created key:${created.id}`].filter((x) => keys.some((e) => `${e.action} ${e.subject}` === x)));
      assert.ok(keys.some((e) => e.action === 'key.created' && e.subject === `key:${created.id}` && (e.after as { scopes: string[] }).scopes[0] === 'reports:read'));
      assert.ok(keys.some((e) => e.action === 'key.rotated' && (e.after as { replacedBy: string }).replacedBy === rotated.id));
      assert.ok(keys.some((e) => e.action === 'key.revoked' && e.subject === `key:${rotated.id}`));
      const all = JSON.stringify(await latest('?limit=1000'));
      assert.ok(!all.includes(created.key.slice(21)) && !all.includes(rotated.key.slice(21)), 'no secret in the audit log');
      assert.equal((await call(SUPERVISOR, 'GET', '/admin/v1/audit')).status, 403);
      assert.equal((await latest('?action=key.revoked')).length, 1);
      const page = await latest('?limit=2');
      assert.equal(page.length, 2);
      assert.ok((await latest(`?before=${page[1]!.seq}&limit=1`))[0]!.seq < page[1]!.seq);
    });

    it('is written in the action\'s transaction: when the entry cannot be written, the change does not happen', async () => {
      const db = new Database(path.join(dir, 'cb.db'));
      db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
      try {
        const r = await call(ADMIN, 'POST', '/admin/v1/services', { name: 'unaudited', template: 'user-terminated-delayed', options: { _target: 'billing' } });
        assert.equal(r.status, 500);
      } finally {
        db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
        db.close();
      }
      assert.equal((await call(ADMIN, 'GET', '/admin/v1/services/unaudited')).status, 404, 'no service without its audit entry');
    });
  });
}

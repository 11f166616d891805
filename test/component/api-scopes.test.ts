import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { routeAccessTable } from '../../src/http/auth';
import { API_SCOPES, type ApiScope } from '../../src/security/scopes';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';

const ADMIN = 'scopes-admin-key-01';

/**
 * Table-driven over every route the composed service registers: a key holding every scope but the route's
 * own is refused (403 naming the scope), a key holding only that scope gets past auth. A new route gets its
 * access from src/security/scopes.ts or the app does not start.
 */
describe('API scopes: every route refuses a key without its scope', () => {
  let app: App;
  let url: string;
  let dir: string;
  const without = new Map<ApiScope, string>();
  const only = new Map<ApiScope, string>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-scopes-'));
    ({ app, url } = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'boot-admin', key: ADMIN, admin: true }] },
      ...BILLING_WITH_ALICE,
      dialer: { kind: 'simulated' },
    }));
    const create = async (name: string, scopes: ApiScope[]) => {
      const res = await fetch(`${url}/admin/v1/keys`, { method: 'POST', headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ name, scopes }) });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { key: string }).key;
    };
    for (const s of API_SCOPES) {
      without.set(s, await create(`all-but-${s}`, API_SCOPES.filter((x) => x !== s)));
      only.set(s, await create(`only-${s}`, [s]));
    }
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** status of one call; event streams are cut once their headers came */
  const call = async (method: string, route: string, headers: Record<string, string>) => {
    const p = route.replace(/:[A-Za-z_]+/g, 'x').replace(/\*$/, 'x');
    const ctl = new AbortController();
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? '{}' : undefined;
    const res = await fetch(url + p, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body, signal: ctl.signal });
    const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
    ctl.abort();
    return { status: res.status, text };
  };

  it('knows the access of every route, and only a handful are public', () => {
    const table = routeAccessTable(app.http);
    assert.ok(table.length > 40, `${table.length} routes`);
    const publicOnes = table.filter((r) => r.access === 'public' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(
      publicOnes.filter((r) => !/^GET \/(vendor|assets)\//.test(r)).sort(),
      ['GET /admin', 'GET /agent', 'GET /health', 'GET /metrics', 'GET /supervisor', 'POST /api/v1/agent/sessions'].sort(),
    );
    for (const s of API_SCOPES) assert.ok(table.some((r) => r.access === s), `some route needs ${s}`);
  });

  it('refuses each scoped route to a key without its scope, and lets a key with only that scope past auth', async () => {
    const table = routeAccessTable(app.http).filter((r) => r.method !== 'HEAD');
    let checked = 0;
    for (const r of table) {
      if (r.access === 'public' || r.access === 'agent-session') continue;
      const refused = await call(r.method, r.url, { 'x-api-key': without.get(r.access)! });
      assert.equal(refused.status, 403, `${r.method} ${r.url} without ${r.access}: ${refused.status} ${refused.text}`);
      assert.match(refused.text, new RegExp(`lacks the scope \\\\"${r.access}\\\\"`));
      const allowed = await call(r.method, r.url, { 'x-api-key': only.get(r.access)! });
      assert.ok(![401, 403].includes(allowed.status), `${r.method} ${r.url} with only ${r.access}: ${allowed.status} ${allowed.text}`);
      checked++;
    }
    assert.ok(checked > 30, `${checked} scoped routes checked`);
  });

  it('agent routes take the agent sign-in token only; public routes need nothing', async () => {
    for (const r of routeAccessTable(app.http).filter((x) => x.method !== 'HEAD')) {
      if (r.access === 'agent-session') {
        assert.equal((await call(r.method, r.url, { 'x-api-key': ADMIN })).status, 403, `${r.method} ${r.url} with an API key`);
        assert.equal((await call(r.method, r.url, {})).status, 401, `${r.method} ${r.url} with nothing`);
      } else if (r.access === 'public' && r.url !== '/api/v1/agent/sessions') {
        assert.ok(![401, 403].includes((await call(r.method, r.url, {})).status), `${r.method} ${r.url}`);
      }
    }
  });
});

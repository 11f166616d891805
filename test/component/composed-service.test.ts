import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('composed service: callbacks wait in their target queue for an agent', () => {
  let app: App;
  let url: string;
  let dir: string;
  const key = { 'x-api-key': 'compose-key-001', 'content-type': 'application/json' };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-compose-'));
    ({ app, url } = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'ivr', key: 'compose-key-001' }] },
      services: [{ name: 'billing-now', template: 'user-terminated-immediate', options: { _target: 'billing' } }],
      ...BILLING_WITH_ALICE,
      scheduler: { holdRetryMs: 50 },
      dialer: { kind: 'simulated', simulated: { delayMs: 20 } },
    }));
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds the callback QUEUED while no agent is ready, dials it once one is', async () => {
    const start = await fetch(`${url}/genesys/1/service/callback/billing-now`, { method: 'POST', headers: key, body: JSON.stringify({ _customer_number: '+14155550707' }) });
    const { _id } = (await start.json()) as { _id: string };
    const state = async () =>
      ((await (await fetch(`${url}/genesys/1/service/callback/billing-now/${_id}`, { headers: key })).json()) as { _callback_state: string })._callback_state;
    await sleep(400);
    assert.equal(await state(), 'QUEUED', 'no agent ready: the callback waits');

    const signIn = await fetch(`${url}/api/v1/agent/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'alice', password: 'alice-pass-01' }) });
    assert.equal(signIn.status, 200);
    const { token } = (await signIn.json()) as { token: string };
    const ready = await fetch(`${url}/api/v1/agent/me/state`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ state: 'READY' }) });
    assert.equal(ready.status, 200);

    let s = '';
    for (let i = 0; i < 50 && s !== 'COMPLETED'; i++) {
      await sleep(50);
      s = await state();
    }
    assert.equal(s, 'COMPLETED');
  });

  it('reports drachtio-server and FreeSWITCH down while it retries, and serves the queue API', async () => {
    const h = (await (await fetch(`${url}/health`)).json()) as { status: string; dependencies: Record<string, { state: string }> };
    assert.equal(h.status, 'degraded');
    assert.equal(h.dependencies.store.state, 'up');
    assert.equal(h.dependencies.drachtio.state, 'down');
    assert.equal(h.dependencies.freeswitch.state, 'down');
    const ewt = await fetch(`${url}/api/v1/targets/billing/ewt`, { headers: key });
    assert.equal(ewt.status, 200);
  });

  it('rejects a queue section or a service with a bad key, naming it', async () => {
    await assert.rejects(compose({ store: { path: ':memory:' }, targets: [{ name: 'x', afterCallWorkSec: -5 }] }), /targets\[0\]\.afterCallWorkSec/);
    await assert.rejects(compose({ store: { path: ':memory:' }, telephony: { drachtio: { port: 'x' } } }), /telephony\.drachtio\.port/);
    // a service routed to a target the queue does not have could never reach an agent
    await assert.rejects(
      compose({ store: { path: ':memory:' }, targets: [{ name: 'billing' }], services: [{ name: 'typo', template: 'user-terminated-immediate', options: { _target: 'biling' } }] }),
      /services\[0\]\.options\._target: "biling" is not a configured target \(targets: billing\)/,
    );
    await assert.rejects(
      compose({ store: { path: ':memory:' }, services: [{ name: 'bad', template: 'user-terminated-immediate', options: { _max_number_of_attempts: 0 } }] }),
      /services\[0\]\.options\._max_number_of_attempts/,
    );
  });
});

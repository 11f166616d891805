import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The queue's history (sampled into the store) and the live queue stream, in the composed service. */
describe('queue history and live queue stream', () => {
  let app: App;
  let url: string;
  let dir: string;
  const key = { 'x-api-key': 'history-key-001' };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-history-'));
    ({ app, url } = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'sup', key: 'history-key-001' }] },
      services: [{ name: 'billing-now', template: 'user-terminated-immediate', options: { _target: 'billing' } }],
      ...BILLING_WITH_ALICE,
      targets: [...BILLING_WITH_ALICE.targets, { name: 'sales' }],
      history: { sampleSec: 1, retainHours: 1 },
      dialer: { kind: 'simulated', simulated: { delayMs: 20 } },
    }));
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('samples each target every history.sampleSec; a queued callback shows in the history', async () => {
    const start = await fetch(`${url}/genesys/1/service/callback/billing-now`, {
      method: 'POST',
      headers: { ...key, 'content-type': 'application/json' },
      body: JSON.stringify({ _customer_number: '+14155550901' }),
    });
    assert.equal(start.status, 200);
    await sleep(2300);
    const res = await fetch(`${url}/api/v1/reports/queue-history?target=billing`, { headers: key });
    assert.equal(res.status, 200);
    const rows = (await res.json()) as { at: string; target: string; waiting: number; ewt_sec: number; staffed: number }[];
    assert.ok(rows.length >= 2, `${rows.length} samples after 2.3 s at one a second`);
    assert.ok(rows.every((r) => r.target === 'billing'));
    assert.equal(rows.at(-1)!.waiting, 1, 'the callback waits: nobody is READY');
    assert.ok(Date.parse(rows.at(-1)!.at) > Date.parse(rows[0]!.at));

    // the line is listed up to `limit` (default 100); stats.waiting counts every contact
    const capped = (await (await fetch(`${url}/api/v1/targets/billing?limit=0`, { headers: key })).json()) as { stats: { waiting: number }; waiting: unknown[] };
    assert.equal(capped.stats.waiting, 1);
    assert.equal(capped.waiting.length, 0);

    const all = (await (await fetch(`${url}/api/v1/reports/queue-history`, { headers: key })).json()) as { target: string }[];
    assert.deepEqual([...new Set(all.map((r) => r.target))].sort(), ['billing', 'sales']);
    const csv = await fetch(`${url}/api/v1/reports/queue-history?target=sales&format=csv`, { headers: key });
    assert.match(await csv.text(), /^at,target,waiting,ewt_sec,agents_ready,agents_busy,staffed\n/);
    const bad = await fetch(`${url}/api/v1/reports/queue-history?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z`, { headers: key });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { parameter: string }).parameter, 'from');
  });

  it('pushes the queues as server-sent events, with the key in the query (EventSource)', async () => {
    assert.equal((await fetch(`${url}/api/v1/stream/queues`)).status, 401);
    const controller = new AbortController();
    const res = await fetch(`${url}/api/v1/stream/queues?api_key=history-key-001`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += Buffer.from((await reader.read()).value!).toString();
    const first = /event: queues\ndata: (.*)\n\n/.exec(text);
    assert.ok(first, text);
    const snapshot = JSON.parse(first[1]!) as { targets: { name: string; waiting: { contactId: string }[]; agents: { id: string }[] }[] };
    assert.deepEqual(snapshot.targets.map((t) => t.name), ['billing', 'sales']);
    assert.deepEqual(snapshot.targets[0]!.agents.map((a) => a.id), ['alice']);
    controller.abort();
  });
});

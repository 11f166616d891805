import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { compose } from '../helpers/compose';

/**
 * Time slots of scheduled callbacks hold no more than the target's planned staffing can take
 * (planned agents × slot length ÷ mean handle time), across every service of the target.
 */
describe('scheduled callbacks: slot capacity from the target staffing', () => {
  let app: App;
  let url: string;
  let dir: string;
  const key = { 'x-api-key': 'slots-key-0001', 'content-type': 'application/json' };
  const options = { _target: 'billing', _business_hours: null, _request_time_bucket: 15, _max_request_by_time_bucket: 100 };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-slots-'));
    ({ app, url } = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'web', key: 'slots-key-0001' }] },
      services: [
        { name: 'web-delayed', template: 'user-terminated-delayed', options },
        { name: 'app-delayed', template: 'user-terminated-delayed', options },
        { name: 'sales-delayed', template: 'user-terminated-delayed', options: { ...options, _target: 'sales' } },
      ],
      // 2 agents all day, 240 s per call: 2 × 900 s ÷ 240 s = 7 callbacks per 15-minute slot
      targets: [
        { name: 'billing', initialHandleTimeSec: 240, staffing: { timezone: 'UTC', windows: [{ from: '00:00', to: '24:00', agents: 2 }] } },
        { name: 'sales' },
      ],
      agents: [],
      dialer: { kind: 'simulated', simulated: { delayMs: 20 } },
    }));
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** GMS availability: slot start -> callbacks it can still take */
  const availability = async (service: string): Promise<Record<string, number>> =>
    (await (await fetch(`${url}/genesys/1/service/callback/${service}/availability?_max-time-slots=4`, { headers: key })).json()) as Record<string, number>;
  const schedule = (service: string, n: number, at: string) =>
    fetch(`${url}/genesys/1/service/callback/${service}`, { method: 'POST', headers: key, body: JSON.stringify({ _customer_number: `+1415555${String(n).padStart(4, '0')}`, _desired_time: at }) });

  it('offers the staffing capacity, shared by the services of the target; the slot is full when it is used up', async () => {
    const slots = await availability('web-delayed');
    const [slot] = Object.keys(slots);
    assert.ok(slot, JSON.stringify(slots));
    assert.equal(slots[slot!], 7, 'the staffing capacity, below _max_request_by_time_bucket (100)');
    // a target without staffing: the service's own limit
    assert.equal(Object.values(await availability('sales-delayed'))[0], 100);

    for (let i = 0; i < 4; i++) assert.equal((await schedule('web-delayed', i, slot!)).status, 200);
    for (let i = 4; i < 7; i++) assert.equal((await schedule('app-delayed', i, slot!)).status, 200);
    assert.equal((await availability('web-delayed'))[slot!], undefined, 'the slot is no longer offered');
    assert.equal((await availability('app-delayed'))[slot!], undefined);

    const full = await schedule('app-delayed', 8, slot!);
    assert.equal(full.status, 503);
    const body = (await full.json()) as { message: string; parameter?: string };
    assert.match(body.message, /is full for target "billing" \(its planned staffing takes 7 callbacks\)/);
    // another slot is still open, and the other target is not affected
    const next = new Date(Date.parse(slot!) + 15 * 60_000).toISOString();
    assert.equal((await schedule('app-delayed', 9, next)).status, 200);
    assert.equal((await schedule('sales-delayed', 10, slot!)).status, 200);
  });
});

import assert from 'node:assert/strict';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { storeKinds, useStoreKind } from '../helpers/stores';

const SVC = '/genesys/1/service/callback/voice-delayed';
const future = (h: number) => {
  const t = new Date(Date.now() + h * 3600_000);
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString();
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of storeKinds()) {
  describe(`callback REST API (real HTTP, real SQLite file) (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let t: RunningApp;
    before(async () => {
      t = await startApp({
        services: [
          { name: 'voice-delayed', template: 'user-terminated-delayed', options: { _target: 'billing', _overwritable_options: ['_max_number_of_attempts'] } },
          { name: 'voice-now', template: 'user-terminated-immediate', options: {} },
        ],
      });
    });
    after(() => t.close());

    it('starts a callback from a JSON body and returns only after it is stored', async () => {
      const r = await t.call('POST', SVC, { _customer_number: '+1 415 555 2671', _desired_time: future(5), account: 'A-9' });
      assert.equal(r.status, 200);
      assert.match(r.json._id, /^[0-9a-f]{32}$/);
      assert.equal((await t.app.store.getCallback(r.json._id))?.state, 'SCHEDULED');
      const q = await t.call('GET', `${SVC}/${r.json._id}`);
      assert.equal(q.status, 200);
      assert.equal(q.json._callback_state, 'SCHEDULED');
      assert.equal(q.json._customer_number, '+14155552671');
      assert.equal(q.json._desired_time, future(5));
      assert.equal(q.json._service_name, 'voice-delayed');
      assert.equal(q.json.account, 'A-9');
      assert.equal(q.json._CB_SERVICE_ID, r.json._id);
      assert.equal(q.json._CB_T_SERVICE_START, Date.parse(future(5)) / 1000);
      assert.ok(q.json._expiration_time);
    });

    it('accepts form-encoded requests like GMS clients send', async () => {
      const r = await t.call('POST', SVC, { _customer_number: '4155550101', _desired_time: future(6), topic: 'billing' }, { form: true });
      assert.equal(r.status, 200, r.text);
      const q = await t.call('GET', `${SVC}/${r.json._id}`);
      assert.equal(q.json._customer_number, '+14155550101');
      assert.equal(q.json.topic, 'billing');
    });

    it('answers 400 naming the parameter, 404 for unknown service or id, 401/403 for auth', async () => {
      const missing = await t.call('POST', SVC, { note: 'x' });
      assert.equal(missing.status, 400);
      assert.equal(missing.json.parameter, '_customer_number');
      const unknown = await t.call('POST', SVC, { _customer_number: '+14155552671', _foo: 1 });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.parameter, '_foo');
      const past = await t.call('POST', SVC, { _customer_number: '+14155552672', _desired_time: '2020-01-01T00:00:00Z' });
      assert.equal(past.status, 400);
      assert.match(past.json.message, /_desired_time.*past/);
      assert.equal((await t.call('POST', '/genesys/1/service/callback/nope', { _customer_number: '+14155552671' })).status, 404);
      assert.equal((await t.call('GET', `${SVC}/0123456789abcdef`)).status, 404);
      assert.equal((await t.call('POST', SVC, { _customer_number: '+14155552671' }, { key: null })).status, 401);
      assert.equal((await t.call('POST', SVC, { _customer_number: '+14155552671' }, { key: 'wrong-key-000' })).status, 401);
      assert.equal((await t.call('GET', '/admin/v1/services')).status, 403);
      const basic = await fetch(`${t.url}/admin/v1/services`, { headers: { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_KEY}`).toString('base64') } });
      assert.equal(basic.status, 200);
    });

    it('searches, reschedules and cancels', async () => {
      const { json } = await t.call('POST', SVC, { _customer_number: '+14155550202', _desired_time: future(7) });
      const found = await t.call('GET', `${SVC}?_customer_number=415-555-0202&_callback_state=SCHEDULED`);
      assert.equal(found.status, 200);
      assert.deepEqual(found.json.map((c: { _id: string }) => c._id), [json._id]);
      const re = await t.call('PUT', `${SVC}/${json._id}`, { _new_desired_time: future(9) });
      assert.equal(re.status, 200, re.text);
      assert.equal(re.json._desired_time, future(9));
      const bad = await t.call('PUT', `${SVC}/${json._id}`, { _new_desired_time: 'soon' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.parameter, '_new_desired_time');
      const del = await t.call('DELETE', `${SVC}/${json._id}`);
      assert.equal(del.status, 200);
      assert.equal(del.json._callback_state, 'COMPLETED');
      assert.equal(del.json._callback_reason, 'CANCELLED');
      assert.equal((await t.call('DELETE', `${SVC}/${json._id}`)).status, 409);
      const badState = await t.call('GET', `${SVC}?_callback_state=LOST`);
      assert.equal(badState.status, 400);
    });

    it('serves availability as slot -> remaining capacity', async () => {
      const r = await t.call('GET', `${SVC}/availability?_number-of-days=1&_max-time-slots=5`);
      assert.equal(r.status, 200);
      const keys = Object.keys(r.json);
      assert.equal(keys.length, 5);
      for (const k of keys) {
        assert.equal(new Date(k).getUTCMinutes() % 5, 0);
        assert.ok(r.json[k] > 0 && r.json[k] <= 100);
      }
    });

    it('admin creates a service from a template; it takes requests at once and is stored', async () => {
      const admin = { key: ADMIN_KEY };
      const created = await t.call('POST', '/admin/v1/services', { name: 'sales-preview', template: 'user-terminated-preview', options: { _target: 'sales' } }, admin);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.effectiveOptions._wait_for_agent, true);
      const dup = await t.call('POST', '/admin/v1/services', { name: 'sales-preview', template: 'user-terminated-preview' }, admin);
      assert.equal(dup.status, 409);
      const bad = await t.call('PUT', '/admin/v1/services/x', { template: 'user-terminated-immediate', options: { _ring_timeout: 2 } }, admin);
      assert.equal(bad.status, 400);
      assert.match(bad.json.message, /_ring_timeout/);
      // scheduled: it stays pending (an immediate one could complete before the DELETE below on a busy machine)
      const r = await t.call('POST', '/genesys/1/service/callback/sales-preview', { _customer_number: '+14155550303', _desired_time: future(7) });
      assert.equal(r.status, 200);
      assert.ok((await t.app.store.getService('sales-preview')));
      const list = await t.call('GET', '/admin/v1/services', undefined, admin);
      assert.ok(list.json.some((s: { name: string }) => s.name === 'sales-preview'));
      const del = await t.call('DELETE', '/admin/v1/services/sales-preview', undefined, admin);
      assert.equal(del.status, 409, 'a service with active callbacks is not deleted');
    });

    it('dials an immediate callback through the scheduler and records history', async () => {
      const { json } = await t.call('POST', '/genesys/1/service/callback/voice-now', { _customer_number: '+14155550404', _originating_interaction_id: 'ivr-call-1' });
      let state = '';
      for (let i = 0; i < 100 && state !== 'COMPLETED'; i++) {
        await sleep(20);
        state = (await t.call('GET', `/genesys/1/service/callback/voice-now/${json._id}`)).json._callback_state;
      }
      assert.equal(state, 'COMPLETED');
      const h = await t.call('GET', `/genesys/1/service/callback/voice-now/${json._id}/history`);
      assert.deepEqual(h.json.attempts.map((a: { outcome: string }) => a.outcome), ['CONNECTED_TO_AGENT']);
      const inter = await t.call('GET', '/api/v1/interactions/ivr-call-1');
      assert.equal(inter.json.attached._CB_SERVICE_ID, json._id);
      const csv = await t.call('GET', '/api/v1/reports/callbacks?format=csv&service=voice-now');
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      const [header, ...rows] = csv.text.trim().split('\n');
      assert.match(header, /^id,service,customer_number,state,reason/);
      assert.ok(rows.some((r) => r.startsWith(json._id) && r.includes('CONNECTED_TO_AGENT')));
      const badFilter = await t.call('GET', '/api/v1/reports/callbacks?state=DONE');
      assert.equal(badFilter.status, 400);
      assert.equal(badFilter.json.parameter, 'state');
      const events = await t.call('GET', '/api/v1/reports/events?type=ATTEMPT_ENDED');
      assert.ok(events.json.some((e: { callback_id: string; outcome: string }) => e.callback_id === json._id && e.outcome === 'CONNECTED_TO_AGENT'));
    });

    it('publishes health, metrics and the OpenAPI document', async () => {
      const h = await t.call('GET', '/health', undefined, { key: null });
      assert.equal(h.status, 200);
      assert.equal(h.json.dependencies.store.state, 'up');
      const m = await t.call('GET', '/metrics', undefined, { key: null });
      assert.match(m.text, /callback_requests_accepted_total\{service="voice-delayed",existing="false"\} \d+/);
      const doc = await t.call('GET', '/docs/json', undefined, { key: null });
      assert.equal(doc.status, 200);
      assert.ok(doc.json.paths['/genesys/1/service/callback/{service}']);
      assert.ok(doc.json.paths['/genesys/1/service/callback/{service}/availability']);
    });
  });
}

for (const kind of storeKinds()) {
  describe(`live event stream (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let t: RunningApp;
    before(async () => {
      t = await startApp({ services: [{ name: 'live', template: 'user-terminated-immediate', options: {} }] });
    });
    after(() => t.close());

    it('pushes committed events as Server-Sent Events, with the key in the query', async () => {
      const denied = await fetch(`${t.url}/api/v1/stream`);
      assert.equal(denied.status, 401);
      const controller = new AbortController();
      const res = await fetch(`${t.url}/api/v1/stream?service=live&api_key=test-ivr-key-123`, { signal: controller.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = res.body!.getReader();
      const { json } = await t.call('POST', '/genesys/1/service/callback/live', { _customer_number: '+14155550505' });
      let text = '';
      const deadline = Date.now() + 5000;
      while (!/"type":"ATTEMPT_ENDED"/.test(text) && Date.now() < deadline) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      controller.abort();
      const events = text
        .split('\n\n')
        .filter((b) => b.startsWith('event: callback'))
        .map((b) => JSON.parse(b.split('data: ')[1]) as { callbackId: string; type: string });
      assert.ok(events.every((e) => e.callbackId === json._id));
      assert.deepEqual(events.map((e) => e.type).slice(0, 2), ['CREATED', 'STATE_CHANGED']);
      assert.ok(events.some((e) => e.type === 'ATTEMPT_ENDED'));
    });
  });
}

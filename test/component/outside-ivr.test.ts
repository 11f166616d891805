import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { compose } from '../helpers/compose';
import { storeKinds, useStoreKind } from '../helpers/stores';

/**
 * An IVR of its own (another PBX, a voice bot) that only calls the REST API, as GMS's "IVR Classic
 * Callback" describes it: request the wait-time statistic, offer when it says so, start the callback with
 * `_originating_interaction_id`; the originating call is reported as ended with reason Callback and the
 * _CB_* keys, which follow a reuse of the callback and a reschedule.
 */
for (const kind of storeKinds()) {
  describe(`outside IVR over REST: statistic → callback → originating interaction reported (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let app: App;
    let url: string;
    let dir: string;
    const headers = { 'x-api-key': 'pbx-key-0001', 'content-type': 'application/json' };
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };
    const inHours = (h: number) => {
      const t = new Date(Date.now() + h * 3600_000);
      t.setUTCMinutes(0, 0, 0);
      return t.toISOString();
    };

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-outside-ivr-'));
      ({ app, url } = await compose({
        store: { path: path.join(dir, 'cb.db') },
        auth: { clients: [{ id: 'pbx', key: 'pbx-key-0001' }] },
        services: [
          // offers above 60 s; the billing line has no agent logged in, so its wait is long
          { name: 'billing-delayed', template: 'user-terminated-delayed', options: { _target: 'billing', _business_hours: null, _ewt_threshold: 60, _ewt_method: 'simple' } },
          { name: 'billing-patient', template: 'user-terminated-immediate', options: { _target: 'billing', _business_hours: null, _ewt_threshold: 86_400 } },
          {
            name: 'billing-closed',
            template: 'user-terminated-immediate',
            options: { _target: 'billing', _ewt_threshold: 0, _business_hours: { timezone: 'UTC', weekly: {} } },
          },
        ],
        targets: [{ name: 'billing', ewtMethod: 'erlang' }],
        agents: [{ id: 'alice', targets: ['billing'], uri: 'sip:alice@127.0.0.1' }],
        dialer: { kind: 'simulated', simulated: { delayMs: 20 } },
      }));
    });
    after(async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('the statistic: EWT of the service target by its method, and whether it offers now (threshold, hours, slots)', async () => {
      const s = await call('GET', '/genesys/1/statistic/ewt?service=billing-delayed');
      assert.equal(s.status, 200, JSON.stringify(s.json));
      assert.equal(s.json._target, 'billing');
      assert.equal(s.json._ewt_method, 'simple');
      assert.equal(s.json._ewt_method_from, '_ewt_method');
      assert.equal(s.json._ewt_threshold, 60);
      assert.equal(s.json._ewt_threshold_from, '_ewt_threshold');
      assert.ok(s.json._ewt > 60, `EWT ${s.json._ewt} s with no agent logged in`);
      assert.equal(s.json._offer_callback, true);
      assert.equal(s.json._reason, null);
      assert.equal(s.json._offer_immediate, true);
      assert.equal(s.json._offer_scheduled, true);
      assert.equal(Object.keys(s.json._time_slots).length, 3);

      const patient = await call('GET', '/genesys/1/statistic/ewt?service=billing-patient');
      assert.equal(patient.json._offer_callback, false);
      assert.equal(patient.json._reason, 'EWT_NOT_ABOVE_THRESHOLD');
      assert.equal(patient.json._ewt_method, 'erlang', "the target's own method when the service sets none");

      const closed = await call('GET', '/genesys/1/statistic/ewt?service=billing-closed');
      assert.equal(closed.json._offer_callback, false);
      assert.equal(closed.json._reason, 'OUTSIDE_BUSINESS_HOURS');

      const target = await call('GET', '/genesys/1/statistic/ewt?target=billing');
      assert.equal(target.json._ewt_method, 'erlang');
      assert.equal(target.json._offer_callback, undefined, 'a target alone has no offer');

      assert.equal((await call('GET', '/genesys/1/statistic/ewt?service=nope')).status, 404);
      assert.equal((await call('GET', '/genesys/1/statistic/ewt?target=nope')).json.parameter, 'target');
      assert.equal((await call('GET', '/genesys/1/statistic/ewt')).status, 400);
      // the existing target route stays
      assert.equal((await call('GET', '/api/v1/targets/billing/ewt')).status, 200);
    });

    it('start with _originating_interaction_id: the call is reported ended as Callback with its keys, in date-filtered reports; keys follow a reuse and a reschedule', async () => {
      const t0 = new Date(Date.now() - 90_000).toISOString();
      // the IVR announces its call when it comes in (optional: it gives the report the call's start)
      const opened = await call('POST', '/api/v1/interactions', { id: 'pbx-call-1', startedAt: t0, ani: '+14155550111', dnis: '8005550100' });
      assert.equal(opened.status, 201);
      assert.equal(opened.json.state, 'OPEN');
      assert.equal((await call('POST', '/api/v1/interactions', { id: 'pbx-call-1' })).status, 409);

      const when = inHours(3);
      const started = await call('POST', '/genesys/1/service/callback/billing-delayed', { _customer_number: '+14155550111', _desired_time: when, _originating_interaction_id: 'pbx-call-1' });
      assert.equal(started.status, 200, JSON.stringify(started.json));
      const id: string = started.json._id;
      const cb = (await call('GET', `/genesys/1/service/callback/billing-delayed/${id}`)).json;

      const i1 = (await call('GET', '/api/v1/interactions/pbx-call-1')).json;
      assert.equal(i1.state, 'ENDED');
      assert.equal(i1.outcome, 'CALLBACK');
      assert.equal(i1.startedAt, t0);
      assert.equal(i1.ani, '+14155550111');
      assert.equal(i1.serviceName, 'billing-delayed');
      assert.equal(i1.callbackId, id);
      assert.ok(Date.parse(i1.endedAt) >= Date.parse(t0));
      assert.deepEqual(i1.attached, { _CB_SERVICE_ID: id, _CB_T_SERVICE_START: Date.parse(when) / 1000, _CB_T_CALLBACK_ACCEPTED: cb._CB_T_CALLBACK_ACCEPTED });

      // the IVR ends its call itself: Callback is what it already is; never Abandoned
      const again = await call('POST', '/api/v1/interactions/pbx-call-1/end', { reason: 'Callback' });
      assert.equal(again.status, 200);
      assert.equal(again.json.endedAt, i1.endedAt);
      const abandoned = await call('POST', '/api/v1/interactions/pbx-call-1/end', { reason: 'Abandoned' });
      assert.equal(abandoned.status, 409);
      assert.match(abandoned.json.message, /led to callback .* ends as Callback/);
      assert.equal((await call('GET', '/api/v1/interactions/pbx-call-1')).json.outcome, 'CALLBACK');

      // a second call from the same number, never announced: the active callback is reused, the call reported the same way
      const reused = await call('POST', '/genesys/1/service/callback/billing-delayed', { _customer_number: '+14155550111', _desired_time: inHours(4), _originating_interaction_id: 'pbx-call-2' });
      assert.equal(reused.json._id, id);
      const i2 = (await call('GET', '/api/v1/interactions/pbx-call-2')).json;
      assert.equal(i2.outcome, 'CALLBACK');
      assert.equal(i2.callbackId, id);
      assert.ok(i2.startedAt, 'starts when its callback request was accepted');
      assert.deepEqual(i2.attached, i1.attached);

      // both appear in a date-filtered report
      const from = new Date(Date.now() - 600_000).toISOString();
      const report = (await call('GET', `/api/v1/reports/interactions?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`)).json as { interaction_id: string; outcome: string; _CB_SERVICE_ID: string }[];
      for (const iid of ['pbx-call-1', 'pbx-call-2']) {
        const row = report.find((r) => r.interaction_id === iid);
        assert.ok(row, `${iid} in the report`);
        assert.equal(row.outcome, 'CALLBACK');
        assert.equal(row._CB_SERVICE_ID, id);
      }

      // reschedule: _CB_T_SERVICE_START follows on every call that led to the callback
      const later = inHours(6);
      const moved = await call('PUT', `/genesys/1/service/callback/billing-delayed/${id}`, { _new_desired_time: later });
      assert.equal(moved.status, 200, JSON.stringify(moved.json));
      for (const iid of ['pbx-call-1', 'pbx-call-2']) {
        const i = (await call('GET', `/api/v1/interactions/${iid}`)).json;
        assert.equal(i.attached._CB_T_SERVICE_START, Date.parse(later) / 1000, iid);
        assert.equal(i.attached._CB_T_CALLBACK_ACCEPTED, i1.attached._CB_T_CALLBACK_ACCEPTED);
        assert.equal(i.outcome, 'CALLBACK');
      }
    });

    it('an IVR ends a call that led to no callback with its reason; bad reasons and unknown ids are refused', async () => {
      const start = new Date(Date.now() - 30_000).toISOString();
      const ended = await call('POST', '/api/v1/interactions/pbx-call-3/end', { reason: 'Abandoned', startedAt: start });
      assert.equal(ended.status, 200);
      assert.equal(ended.json.outcome, 'ABANDONED_IN_QUEUE');
      assert.equal(ended.json.startedAt, start);
      assert.equal((await call('POST', '/api/v1/interactions/pbx-call-3/end', { reason: 'Callback' })).status, 409, 'already ended otherwise');
      const bad = await call('POST', '/api/v1/interactions/pbx-call-4/end', { reason: 'Gone' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.parameter, 'reason');
      assert.equal((await call('GET', '/api/v1/interactions/pbx-call-4')).status, 404);
    });
  });
}

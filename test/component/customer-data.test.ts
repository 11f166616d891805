import assert from 'node:assert/strict';
import { VirtualTime } from '../../src/time';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { storeKinds, useStoreKind } from '../helpers/stores';

const T0 = Date.parse('2026-12-01T15:00:00.000Z');
const SVC = '/genesys/1/service/callback/later';
const DAY = 86_400_000;

for (const kind of storeKinds()) {
  describe(`customer data: retention and erase-by-number (injected clock) (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));

    let t: RunningApp;
    let vt: VirtualTime;

    const start = async (mode: 'anonymise' | 'purge') => {
      vt = new VirtualTime(T0);
      t = await startApp(
        { targets: [{ name: 'billing' }], services: [{ name: 'later', template: 'user-terminated-delayed', options: { _target: 'billing', _default_country: 'US' } }], retention: { days: 30, mode, checkEveryMin: 60 } } as never,
        undefined,
        { clock: vt },
      );
    };
    afterEach(() => t.close());

    /** a scheduled callback for `number`, cancelled (COMPLETED) unless `keep` */
    const callback = async (number: string, keep = false) => {
      const a = await t.call('GET', `${SVC}/availability?_start=${encodeURIComponent(new Date(vt.now() + DAY).toISOString())}&_number-of-days=3&_max-time-slots=1`);
      assert.equal(a.status, 200, a.text);
      const slots = a.json as Record<string, number>;
      const r = await t.call('POST', SVC, { _customer_number: number, _desired_time: Object.keys(slots)[0], account: 'A-42' });
      assert.equal(r.status, 200, r.text);
      if (!keep) {
        const c = await t.call('DELETE', `${SVC}/${r.json._id}`);
        assert.equal(c.status, 200, c.text);
      }
      return r.json._id as string;
    };
    const interaction = async (id: string, ani: string, at: number) =>
      await t.app.store.recordInteraction({ interactionId: id, ani, dnis: '+18005550100', serviceName: 'later', startedAt: at, endedAt: at + 60_000, outcome: 'HUNG_UP_IN_IVR', attached: {} });
    const report = async () => (await t.call('GET', '/api/v1/reports/callbacks', undefined, { key: ADMIN_KEY })).json as { id: string; state: string; reason: string; customer_number: string }[];
    const counts = (rows: { state: string; reason: string }[]) => rows.map((r) => `${r.state}/${r.reason}`).sort();

    it('anonymises completed callbacks and calls older than the retention; reporting counts stay; newer ones and active ones keep their number', async () => {
      await start('anonymise');
      const old = await callback('+14155552671');
      interaction('old-call', '+14155552671', vt.now());
      vt.advance(20 * DAY);
      const recent = await callback('+14155550001');
      const active = await callback('+14155550002', true);
      const before = await report();
      vt.advance(11 * DAY);
      assert.deepEqual((await t.app.customers.applyRetention()), { callbacks: 1, interactions: 1 });
      const after = await report();
      assert.deepEqual(counts(after), counts(before), 'the same callbacks by state and reason');
      const byId = new Map(after.map((r) => [r.id, r.customer_number]));
      assert.equal(byId.get(old), 'ERASED');
      assert.equal(byId.get(recent), '+14155550001');
      assert.equal(byId.get(active), '+14155550002');
      const cb = (await t.app.store.getCallback(old))!;
      assert.deepEqual(cb.userData, {});
      assert.equal((await t.app.store.getInteraction('old-call'))?.ani, undefined);
      assert.deepEqual((await t.app.customers.applyRetention()), { callbacks: 0, interactions: 0 }, 'nothing twice');
    });

    it('purge mode deletes them with their attempts and events', async () => {
      await start('purge');
      const old = await callback('+14155552671');
      vt.advance(31 * DAY);
      const kept = await callback('+14155550001');
      assert.equal((await t.app.customers.applyRetention()).callbacks, 1);
      assert.equal((await t.app.store.getCallback(old)), undefined);
      assert.equal((await t.app.store.events({ callbackId: old, limit: 10 })).length, 0);
      assert.ok((await t.app.store.getCallback(kept)));
    });

    it("erases one customer's number everywhere on request, refused while a callback is to come, audited without the number", async () => {
      await start('anonymise');
      await callback('+14155552671');
      const pending = await callback('+14155552671', true);
      interaction('their-call', '14155552671', vt.now());
      await callback('+14155550009');
      const erase = () => t.call('POST', '/admin/v1/erasures', { customerNumber: '+14155552671' }, { key: ADMIN_KEY });
      const refused = await erase();
      assert.equal(refused.status, 409);
      assert.match(refused.json.message, /1 active callback/);
      await t.call('DELETE', `${SVC}/${pending}`);
      const before = await report();
      const done = await erase();
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(done.json, { callbacks: 2, interactions: 1 });
      const after = await report();
      assert.deepEqual(counts(after), counts(before));
      assert.ok(!JSON.stringify(after).includes('4155552671'));
      assert.equal(after.filter((r) => r.customer_number === '+14155550009').length, 1, 'other customers untouched');
      assert.equal((await t.call('GET', `${SVC}?_customer_number=%2B14155552671`)).json.length, 0);
      const audit = (await t.call('GET', '/admin/v1/audit?action=customer.erased', undefined, { key: ADMIN_KEY })).json.entries;
      assert.equal(audit[0].subject, 'customer:+*******2671');
      assert.ok(!JSON.stringify(audit).includes('4155552671'));
      assert.equal((await t.call('POST', '/admin/v1/erasures', { customerNumber: '4155552671' }, { key: ADMIN_KEY })).status, 400);
    });
  });
}

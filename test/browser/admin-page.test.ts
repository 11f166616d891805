import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import type { Dialer } from '../../src/ports/dialer';
import { ADMIN_KEY, IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';

/** The services admin page in real headless Chromium against the real app (real HTTP, real SQLite). */
describe('admin page (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  /** what the page's Content-Security-Policy refused (it has no inline script or style) */
  const cspViolations: string[] = [];

  before(async function () {
    browser = await chromiumOrSkip(this);
    // a stand-in for telephony: a number ending in 1 is a person (connected), in 2 an answering machine
    const dialer: Dialer = {
      dial: async (req) =>
        req.customerNumber.endsWith('1')
          ? { outcome: 'CONNECTED_TO_AGENT', amd: { decision: 'HUMAN', decisionMs: 900 }, agentId: 'alice' }
          : { outcome: 'MACHINE', amd: { decision: 'MACHINE', decisionMs: 2100 } },
    };
    t = await startApp(
      {
        services: [
          { name: 'support-now', template: 'User Terminated Immediate', options: { _target: 'support', _max_number_of_attempts: 5 } },
          { name: 'sales-later', template: 'user-terminated-delayed', options: { _target: 'sales', _business_hours: null } },
        ],
        dialer: { kind: 'telephony', simulated: { delayMs: 0, rules: [] } },
      },
      { dialer },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const open = async (key = ADMIN_KEY): Promise<Page> => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(`${t.url}/admin`);
    await page.fill('#key', key);
    await page.click('#connect');
    return page;
  };
  const row = (page: Page, name: string) => page.locator(`#services tr[data-service="${name}"]`);

  it('lists services with their template name, overrides apart from defaults, and today\'s figures; pushed as callbacks change', async () => {
    const page = await open();
    await page.waitForSelector('#live.on');
    const support = row(page, 'support-now');
    await support.waitFor();
    assert.equal(await support.locator('.template').textContent(), 'User Terminated Immediate');
    assert.equal(await support.locator('.target').textContent(), 'support');
    assert.match((await support.locator('.overrides').textContent()) ?? '', /_max_number_of_attempts = 5/);
    assert.equal(await support.locator('.connect-rate').textContent(), 'n/a');

    // callbacks requested elsewhere: one reaches a person and is connected, one an answering machine
    // (attempts left: scheduled again); the row follows, pushed
    for (const n of ['+14155550901', '+14155550902']) assert.equal((await t.call('POST', '/genesys/1/service/callback/support-now', { _customer_number: n })).status, 200);
    await support.locator('.connect-rate', { hasText: '100 % (1/1)' }).waitFor({ timeout: 20_000 });
    await support.locator('.amd .chip[data-name="MACHINE"]').waitFor();
    assert.equal(await support.locator('.states .chip[data-name="COMPLETED"] b').textContent(), '1');
    assert.equal(await support.locator('.amd .chip[data-name="HUMAN"] b').textContent(), '1');

    // the effective options: template default, override and effective value apart
    await support.locator('button.open').click();
    const attempts = page.locator('#detail-options tr[data-option="_max_number_of_attempts"]');
    assert.equal(await attempts.locator('.default').textContent(), '3');
    assert.equal(await attempts.locator('.override-value').textContent(), '5');
    assert.equal(await attempts.locator('.effective').textContent(), '5');
    assert.equal(await page.locator('#detail-options tr[data-option="_ring_timeout"] .override-value').textContent(), '');
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/admin.png`, fullPage: false });
    await page.close();
  });

  it('creates a service from a template with the form built from the option schema', async () => {
    const page = await open();
    await row(page, 'support-now').waitFor();
    await page.click('#new-service');
    await page.fill('#f-name', 'billing-preview');
    await page.selectOption('#f-template', { label: 'User Terminated Preview' });
    // the form shows the template's defaults and each option's type and range
    const attempts = page.locator('#option-fields tr[data-option="_max_number_of_attempts"]');
    assert.equal(await attempts.locator('td.default').textContent(), '3');
    assert.match((await attempts.locator('.range').textContent()) ?? '', /whole number, 1–50/);
    assert.match((await attempts.locator('.help').textContent()) ?? '', /Dial attempts/);
    assert.equal(await page.locator('#opt-_wait_for_agent').evaluate((e) => e.tagName), 'SELECT');
    assert.equal(await page.locator('#opt-_amd').evaluate((e) => e.tagName), 'TEXTAREA');
    assert.equal(await page.locator('#opt-_max_number_of_attempts').isDisabled(), true, 'follows the template until ticked');

    await page.check('#option-fields tr[data-option="_target"] .use-override');
    await page.fill('#opt-_target', 'billing');
    await page.check('#option-fields tr[data-option="_max_number_of_attempts"] .use-override');
    await page.fill('#opt-_max_number_of_attempts', '7');
    await page.check('#option-fields tr[data-option="_connect_mode"] .use-override');
    await page.selectOption('#opt-_connect_mode', { label: 'refer' });
    await page.click('#save');
    await row(page, 'billing-preview').waitFor();
    assert.equal(await page.locator('#service-form-section').isHidden(), true);

    const stored = (await t.call('GET', '/admin/v1/services/billing-preview', undefined, { key: ADMIN_KEY })).json;
    assert.equal(stored.template, 'user-terminated-preview');
    assert.deepEqual(stored.options, { _target: 'billing', _max_number_of_attempts: 7, _connect_mode: 'refer' });
    assert.equal(stored.effectiveOptions._agent_preview, true, 'the rest from the template');
    await page.close();
  });

  it('edits a service: its overrides prefilled, one changed and one given back to the template', async () => {
    const page = await open();
    await row(page, 'support-now').locator('button.edit').click();
    assert.equal(await page.locator('#f-name').isDisabled(), true);
    assert.equal(await page.inputValue('#opt-_max_number_of_attempts'), '5');
    assert.equal(await page.locator('#option-fields tr[data-option="_max_number_of_attempts"] .use-override').isChecked(), true);
    await page.fill('#opt-_max_number_of_attempts', '9');
    await page.check('#option-fields tr[data-option="_ring_timeout"] .use-override');
    await page.fill('#opt-_ring_timeout', '45');
    await page.click('#save');
    await row(page, 'support-now').locator('.overrides', { hasText: '_ring_timeout = 45' }).waitFor();

    const stored = (await t.call('GET', '/admin/v1/services/support-now', undefined, { key: ADMIN_KEY })).json;
    assert.deepEqual(stored.options, { _target: 'support', _max_number_of_attempts: 9, _ring_timeout: 45 });

    await row(page, 'support-now').locator('button.edit').click();
    await page.uncheck('#option-fields tr[data-option="_ring_timeout"] .use-override');
    await page.click('#save');
    await row(page, 'support-now').locator('.overrides', { hasText: '_max_number_of_attempts = 9' }).waitFor();
    await row(page, 'support-now').locator('.overrides', { hasNotText: '_ring_timeout' }).waitFor();
    assert.equal((await t.call('GET', '/admin/v1/services/support-now', undefined, { key: ADMIN_KEY })).json.options._ring_timeout, undefined);
    await page.close();
  });

  it('shows bad values inline with the REST API\'s own errors, next to the field; nothing is saved', async () => {
    const page = await open();
    await row(page, 'support-now').waitFor();
    await page.click('#new-service');
    await page.fill('#f-name', 'bad-one');
    await page.check('#option-fields tr[data-option="_max_number_of_attempts"] .use-override');
    await page.fill('#opt-_max_number_of_attempts', '0');
    await page.click('#save');
    const attempts = page.locator('#option-fields tr[data-option="_max_number_of_attempts"]');
    await attempts.locator('.option-error', { hasText: /./ }).waitFor();
    const rest = await t.call('POST', '/admin/v1/services', { name: 'bad-one', template: 'user-terminated-immediate', options: { _max_number_of_attempts: 0 } }, { key: ADMIN_KEY });
    assert.equal(rest.status, 400);
    assert.equal(await attempts.locator('.option-error').textContent(), rest.json.message, 'the same words as the API');
    assert.match((await attempts.getAttribute('class')) ?? '', /has-error/);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/admin-form.png`, fullPage: false });

    // fixed; a bad name now: its error at the name, the option's error gone
    await page.fill('#opt-_max_number_of_attempts', '2');
    await page.fill('#f-name', 'bad name!');
    await page.click('#save');
    await page.locator('[data-error-for="name"]', { hasText: /must be 1-64 letters/ }).waitFor();
    assert.equal(await attempts.locator('.option-error').textContent(), '', 'the old error is gone');

    // JSON options: a syntax error is caught in the page, a schema error comes from the API
    await page.fill('#f-name', 'bad-one');
    await page.check('#option-fields tr[data-option="_business_hours"] .use-override');
    await page.fill('#opt-_business_hours', '{"timezone": "UTC", "weekly": {"mon": ["9-5"]}}');
    await page.click('#save');
    const hours = page.locator('#option-fields tr[data-option="_business_hours"] .option-error');
    await hours.filter({ hasText: /options\._business_hours/ }).waitFor();
    assert.equal((await t.call('GET', '/admin/v1/services/bad-one', undefined, { key: ADMIN_KEY })).status, 404, 'nothing saved');
    await page.close();
  });

  it('deletes a service after confirmation; refuses while a callback is pending', async () => {
    const later = new Date(Date.now() + 5 * 3600_000);
    later.setUTCMinutes(0, 0, 0);
    const pending = await t.call('POST', '/genesys/1/service/callback/sales-later', { _customer_number: '+14155550902', _desired_time: later.toISOString() });
    assert.equal(pending.status, 200);
    const page = await open();
    await row(page, 'sales-later').locator('button.delete').click();
    await page.locator('#confirm-text', { hasText: '1 pending callback' }).waitFor();
    assert.equal(await page.locator('#confirm-ok').isDisabled(), true);
    await page.click('#confirm-cancel');
    assert.equal((await t.call('GET', '/admin/v1/services/sales-later', undefined, { key: ADMIN_KEY })).status, 200);

    // cancelled, the service can go, after a confirmation
    assert.equal((await t.call('DELETE', `/genesys/1/service/callback/sales-later/${pending.json._id}`)).status, 200);
    await row(page, 'sales-later').locator('button.delete').click();
    await page.locator('#confirm-text', { hasText: 'Delete the service sales-later?' }).waitFor();
    await page.click('#confirm-cancel');
    assert.equal((await t.call('GET', '/admin/v1/services/sales-later', undefined, { key: ADMIN_KEY })).status, 200, 'cancel keeps it');
    await row(page, 'sales-later').locator('button.delete').click();
    await page.click('#confirm-ok');
    await row(page, 'sales-later').waitFor({ state: 'detached' });
    assert.equal((await t.call('GET', '/admin/v1/services/sales-later', undefined, { key: ADMIN_KEY })).status, 404);
    await page.close();
  });

  it('says so when the key is not an admin key; the page ran with no CSP violation', async () => {
    const page = await open(IVR_KEY);
    await page.locator('#error', { hasText: /lacks the scope "admin".*needs an admin API key/ }).waitFor();
    assert.equal(await page.locator('#services tbody tr').count(), 0);
    const res = await fetch(`${t.url}/admin`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self'( 'self')?;/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script>|<style|style=|\son[a-z]+=/i, 'no inline script, style or handler');
    assert.deepEqual(cspViolations, []);
    await page.close();
  });
});

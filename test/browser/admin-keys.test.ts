import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';

/** The admin page's API keys and audit log sections in real headless Chromium (real HTTP, real SQLite). */
describe('admin page: API keys and audit log (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let t: RunningApp;
  const problems: string[] = [];

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const open = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${t.url}/admin`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#connect');
    return page;
  };
  const reports = (key: string) => fetch(`${t.url}/api/v1/reports/callbacks`, { headers: { 'x-api-key': key } }).then((r) => r.status);

  it('creates a key with scopes (shown once, it works), rotates it, revokes it (refused at once), and shows each in the audit log', async () => {
    const page = await open();
    await page.fill('#k-name', 'crm export');
    await page.check('[id="scope-reports:read"]');
    await page.fill('#k-limit', '100');
    await page.click('#create-key');
    const row = page.locator('#keys tbody tr[data-name="crm export"]');
    await row.waitFor();
    const first = (await page.locator('#new-key-value').textContent()) ?? '';
    assert.match(first, /^cbk_[0-9a-f]{16}_/);
    assert.equal(await row.locator('.key-scopes').textContent(), 'reports:read');
    assert.equal(await reports(first), 200, 'the key shown on the page works');
    await page.click('#hide-new-key');
    assert.equal(await page.locator('#new-key-value').textContent(), '', 'gone once dismissed');
    assert.ok(!(await page.content()).includes(first.slice(21)), 'the secret is nowhere on the page any more');

    await row.locator('button.rotate').click();
    await page.locator('#new-key:not([hidden])').waitFor();
    const second = (await page.locator('#new-key-value').textContent()) ?? '';
    assert.notEqual(second, first);
    await page.locator('#keys tbody tr[data-name="crm export"] .key-state', { hasText: 'revoked' }).waitFor();
    assert.equal(await reports(first), 401, 'the rotated key stopped');
    assert.equal(await reports(second), 200);

    await page.locator('#keys tbody tr[data-name="crm export"]:has(button.revoke) button.revoke').click();
    await page.locator('#keys tbody tr[data-name="crm export"] button.revoke').waitFor({ state: 'detached' });
    assert.equal(await reports(second), 401, 'revoked at once');

    await page.locator('#audit tbody tr[data-action="key.revoked"]').waitFor();
    const actions = await page.locator('#audit tbody .audit-action').allTextContents();
    assert.deepEqual(actions.slice(0, 3), ['key.revoked', 'key.rotated', 'key.created']);
    assert.ok(!(await page.locator('#audit').textContent())!.includes(second.slice(21)), 'no secret in the audit log');
    assert.deepEqual(problems, []);
  });

  it('names the refusal of a bad network at the form', async () => {
    const page = await open();
    await page.fill('#k-name', 'bad');
    await page.check('[id="scope-admin"]');
    await page.fill('#k-networks', '10.0.0.0/33');
    await page.click('#create-key');
    await page.locator('#keys-error', { hasText: /allowedNetworks: "10.0.0.0\/33"/ }).waitFor();
  });
});

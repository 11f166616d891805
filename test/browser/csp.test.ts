import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';
import { until } from '../helpers/until';

/**
 * The headers every page is served with, and that under its CSP (no 'unsafe-inline') nothing the page needs is
 * refused: no `securitypolicyviolation` event and no console error on any page, while the pages still work.
 */
describe('pages under a strict CSP (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let t: { app: App; url: string };
  let dir: string;

  before(async function () {
    browser = await chromiumOrSkip(this);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-csp-'));
    t = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'admin', key: 'test-admin-key-123', admin: true }] },
      ...BILLING_WITH_ALICE,
      softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' },
      dialer: { kind: 'simulated' },
    });
  });
  after(async () => {
    await browser?.close();
    await t?.app.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** a page that records every CSP violation and console error from its first script on */
  const watched = async (): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage();
    const problems: string[] = [];
    await page.exposeFunction('__cspViolation', (v: string) => problems.push(`violation: ${v}`));
    // a string: these tests type-check without the DOM library
    await page.addInitScript({
      content: "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));",
    });
    page.on('console', (m) => {
      // the agent page's phone cannot reach its SIP server here: that is the page saying so, not the CSP
      const where = m.location().url;
      if (m.type() === 'error' && !/65533|WebSocket/.test(m.text()) && !where.endsWith('/favicon.ico')) problems.push(`console: ${m.text()} ${where}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    return { page, problems };
  };

  it('serves every page with CSP without unsafe-inline, frame-ancestors none, no referrer, nosniff', async () => {
    for (const p of ['/agent', '/supervisor', '/admin', '/docs/', '/health']) {
      const res = await fetch(t.url + p);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.ok(csp.includes("frame-ancestors 'none'"), `${p}: ${csp}`);
      assert.ok(!csp.includes('unsafe-inline'), `${p}: ${csp}`);
      assert.match(csp, /script-src 'self'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', p);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', p);
      assert.equal(res.headers.get('x-frame-options'), 'DENY', p);
      assert.equal(res.headers.get('set-cookie'), null, `${p} sets no cookie`);
    }
  });

  it('an inline script would be refused: the policy is in force in the browser', async () => {
    const { page, problems } = await watched();
    await page.goto(`${t.url}/supervisor`);
    await page.evaluate("const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.appendChild(s);");
    await until('the violation report', () => (problems.some((p) => p.startsWith('violation: script-src')) ? true : undefined), 5000, 50);
    assert.equal(await page.evaluate('window.__inlineRan'), undefined, 'the inline script did not run');
  });

  it('the agent page signs in and goes READY with no violation', async () => {
    const { page, problems } = await watched();
    await page.goto(`${t.url}/agent`);
    await page.fill('#agent-id', 'alice');
    await page.fill('#password', 'alice-pass-01');
    await page.click('#signin-form button');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    await page.click('#ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    assert.deepEqual(problems, []);
  });

  it('the supervisor, admin and API docs pages load and run with no violation', async () => {
    for (const [p, ready] of [
      ['/supervisor', '#connect'],
      ['/admin', '#connect'],
      ['/docs/', '.swagger-ui .information-container'],
    ] as const) {
      const { page, problems } = await watched();
      await page.goto(t.url + p);
      await page.locator(ready).first().waitFor();
      if (p !== '/docs/') {
        await page.fill('#key', 'test-admin-key-123');
        await page.click('#connect');
        await page.locator('#live', { hasText: /live|connected/i }).waitFor({ timeout: 10_000 }).catch(() => undefined);
      }
      assert.deepEqual(problems, [], p);
      await page.close();
    }
  });
});

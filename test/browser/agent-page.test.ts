import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/chromium';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

/**
 * The agent page in real headless Chromium: sign in with the softphone credentials, change state, and
 * see the phone report that it cannot register when no drachtio-server WebSocket listener is there.
 * (Answering a callback with audio needs drachtio-server and FreeSWITCH: the e2e suite's part.)
 */
describe('agent page (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([{ id: 'alice', password: 'alice-secret-1' }]);

  before(async function () {
    browser = await launchChromium();
    if (!browser) {
      console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    t = await startApp({ softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' } }, { agents });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  it('signs in, goes READY and NOT_READY, and shows the phone is not registered without a SIP server', async () => {
    const page = await browser!.newPage();
    await page.goto(`${t.url}/agent`);
    await page.fill('#agent-id', 'alice');
    await page.fill('#password', 'alice-secret-1');
    await page.click('#signin-form button');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    assert.equal(queue.getAgent('alice').state, 'NOT_READY');
    await page.click('#ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    assert.equal(queue.getAgent('alice').state, 'READY');
    await page.locator('#sip', { hasText: 'cannot reach ws://127.0.0.1:65533' }).waitFor();
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent.png`, fullPage: true });
    await page.click('#not-ready');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    assert.equal(queue.getAgent('alice').state, 'NOT_READY');
  });

  it('refuses a wrong password, and the agent token opens only the agent routes', async () => {
    const page = await browser!.newPage();
    await page.goto(`${t.url}/agent`);
    await page.fill('#agent-id', 'alice');
    await page.fill('#password', 'wrong-password');
    await page.click('#signin-form button');
    await page.locator('#error', { hasText: 'wrong password' }).waitFor();
    const signIn = await t.call('POST', '/api/v1/agent/sessions', { agentId: 'alice', password: 'alice-secret-1' }, { key: null });
    assert.equal(signIn.status, 200);
    const bearer = { authorization: `Bearer ${signIn.json.token}` };
    assert.equal((await fetch(`${t.url}/api/v1/agent/me`, { headers: bearer })).status, 200);
    assert.equal((await fetch(`${t.url}/api/v1/reports/callbacks`, { headers: bearer })).status, 403);
    assert.equal((await t.call('GET', '/api/v1/agent/me')).status, 403, 'an API key is not an agent');
  });
});

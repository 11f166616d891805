import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

/**
 * Preview on the agent page (real headless Chromium): the callback is offered to the reserved agent, who
 * sees its data and accepts; only then is the customer dialed (simulated dialer: no SIP server needed).
 */
describe('agent page: callback preview, pushed (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([{ id: 'dora', password: 'dora-secret-1' }]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        services: [{ name: 'preview', template: 'user-terminated-preview', options: { _target: 'support' } }],
        dialer: { kind: 'simulated', simulated: { delayMs: 50, rules: [] } },
        scheduler: { maxConcurrentAttempts: 10, holdRetryMs: 50 },
      },
      // the queue as composeApp runs it: the scheduler's gate, the approval steps before the dial, the agent page
      { queue, agents },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  it('shows the offered callback with its data; Accept has the customer dialed for this agent', async () => {
    const page = await browser!.newPage();
    const polled: string[] = [];
    page.on('request', (r) => {
      const p = new URL(r.url()).pathname;
      if (p === '/api/v1/agent/me' || p === '/api/v1/agent/me/preview') polled.push(p);
    });
    await page.goto(`${t.url}/agent`);
    await page.fill('#agent-id', 'dora');
    await page.fill('#password', 'dora-secret-1');
    await page.click('#signin-form button');
    await page.click('#ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();

    const id = (await t.call('POST', '/genesys/1/service/callback/preview', { _customer_number: '+14155550931', order: 'PO-5521' })).json._id as string;
    await page.locator(`#preview[data-id="${id}"]`).waitFor({ timeout: 10_000 });
    const shown = (await page.textContent('#preview-data')) ?? '';
    assert.match(shown, /Customer\s*\+1 415 555 0931/, "the number as people write it");
    assert.match(shown, /PO-5521/);
    assert.equal((await t.call('GET', `/genesys/1/service/callback/preview/${id}`)).json._callback_state, 'ROUTING', 'not dialed before the accept');

    assert.ok(polled.length <= 2, `the page is pushed its state and previews (${polled.length} polls)`);
    await page.click('#preview-accept');
    await page.locator('#preview').waitFor({ state: 'hidden' });
    let state = '';
    for (let i = 0; i < 50 && state !== 'COMPLETED'; i++) {
      await page.waitForTimeout(100);
      state = (await t.call('GET', `/genesys/1/service/callback/preview/${id}`)).json._callback_state as string;
    }
    const done = (await t.call('GET', `/genesys/1/service/callback/preview/${id}`)).json;
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
    const attempts = (await t.call('GET', `/genesys/1/service/callback/preview/${id}/history`)).json.attempts as { agentId?: string }[];
    assert.equal(attempts.at(-1)?.agentId, 'dora');
  });
});

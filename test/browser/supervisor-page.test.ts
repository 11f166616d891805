import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { queueRoutes } from '../../src/http/routes/queue-routes';
import { IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

/** The supervisor page in real headless Chromium against the real app. */
describe('supervisor page (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue } = queueWithAgents([{ id: 'carol', password: 'carol-pass-1' }]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        services: [{ name: 'sales', template: 'user-terminated-delayed', options: {} }],
        dialer: { kind: 'simulated', simulated: { delayMs: 100, rules: [] } },
      },
      { routes: [queueRoutes({ queue })] },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  /** open the supervisor page and connect with the IVR client's key */
  const connect = async (page: Page, key = IVR_KEY) => {
    await page.goto(`${t.url}/supervisor`);
    await page.fill('#key', key);
    await page.click('#connect');
  };

  it('shows each queue: waiting contacts with position and age, EWT, agents and their states', async () => {
    queue.login('carol');
    queue.enqueue({ contactId: 'caller-42', kind: 'caller', target: 'support', enqueuedAt: Date.now() - 45_000 });
    const page = await browser!.newPage();
    await connect(page);
    const target = page.locator('.target[data-target="support"]');
    await target.locator('h3', { hasText: '1 waiting' }).waitFor();
    await target.locator('td', { hasText: 'caller-42' }).waitFor();
    assert.match((await target.locator('tbody tr', { hasText: 'caller-42' }).textContent()) ?? '', /^1caller/);
    await target.locator('td', { hasText: 'carol' }).waitFor();
    queue.setNotReady('carol');
    await target.locator('tr', { hasText: 'carol' }).locator('td', { hasText: 'NOT_READY' }).waitFor();
    queue.remove('caller-42');
  });

  it("shows how right each EWT method was for the last hour's callers", async () => {
    const page = await browser!.newPage();
    await connect(page);
    const target = page.locator('.target[data-target="support"]');
    await target.locator('h3').waitFor();
    assert.equal(await target.locator('.ewt-accuracy').count(), 0, 'nothing to show before a caller reached an agent');
    // a live caller joins while carol is ready and is taken at once: told 0 s, waited 0 s
    queue.setReady('carol');
    queue.enqueue({ contactId: 'caller-43', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    const r = await queue.reserveAgentFor('caller-43', { timeoutMs: 5000 });
    assert.ok(r);
    const line = await target.locator('.ewt-accuracy').textContent({ timeout: 20_000 });
    assert.match(line ?? '', /1 callers who reached an agent, mean wait 0 s\): simple 0 s, erlang 0 s, erlang-a 0 s/);
    queue.release(r.reservationId);
  });

  it('shows callbacks live and cancels one from the page', async () => {
    const page = await browser!.newPage();
    const later = new Date(Date.now() + 3 * 3600_000).toISOString();
    const scheduled = (await t.call('POST', '/genesys/1/service/callback/sales', { _customer_number: '+14155550606', _desired_time: later })).json._id as string;
    await connect(page);
    await page.waitForSelector('#live.on');
    await page.waitForSelector(`#active tr[data-id="${scheduled}"]`);
    assert.equal(await page.textContent('#states .tile[data-name="SCHEDULED"] b'), '1');

    // a callback made elsewhere appears live, goes through its attempt and completes
    const immediate = (await t.call('POST', '/genesys/1/service/callback/sales', { _customer_number: '+14155550607' })).json._id as string;
    await page.locator('#events td', { hasText: immediate.slice(-8) }).first().waitFor();
    await page.waitForSelector('#reasons .tile[data-name="CONNECTED_TO_AGENT"]');

    // cancel from the page: same REST API, same auth
    await page.click(`#active tr[data-id="${scheduled}"] button.cancel`);
    await page.waitForSelector(`#active tr[data-id="${scheduled}"]`, { state: 'detached' });
    const after = await t.call('GET', `/genesys/1/service/callback/sales/${scheduled}`);
    assert.equal(after.json._callback_reason, 'CANCELLED');
  });

  it('draws the queue history (waiting and EWT over the last hours) from the stored samples', async () => {
    const now = Date.now();
    // two hours of history, one sample a minute: the queue builds up then drains
    await t.app.store.addQueueSamples(
      Array.from({ length: 120 }, (_, i) => ({
        at: now - (120 - i) * 60_000,
        target: 'support',
        waiting: Math.round(10 * Math.sin((i / 120) * Math.PI)),
        ewtSec: Math.round(600 * Math.sin((i / 120) * Math.PI)),
        agentsReady: 1,
        agentsBusy: 3,
        staffed: 4,
      })),
    );
    const page = await browser!.newPage();
    await connect(page);
    await page.waitForSelector('#history[data-samples="120"] canvas');
    assert.equal(await page.textContent('#history-note'), '120 samples');
    // the legend names the series drawn
    const legend = (await page.textContent('#history .u-legend')) ?? '';
    assert.match(legend, /waiting/);
    assert.match(legend, /EWT \(min\)/);
    await page.selectOption('#history-hours', '1');
    // one hour back from the page's clock: the last 59 or 60 samples, depending on the second it asks
    let samples: string | null = '120';
    for (let i = 0; i < 100 && samples === '120'; i++) {
      await page.waitForTimeout(100);
      samples = await page.getAttribute('#history', 'data-samples');
    }
    assert.ok(samples === '59' || samples === '60', `${samples} samples in the last hour`);
    assert.equal(await page.locator('#history canvas').count(), 1, 'the chart is redrawn, not added');
    await page.waitForSelector("#states .tile");
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/supervisor.png`, fullPage: true });
  });

  it('queues are pushed: a caller who joins shows up without a reload or a poll', async () => {
    const page = await browser!.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await connect(page);
    await page.locator('.target[data-target="support"]').waitFor();
    queue.enqueue({ contactId: 'caller-push-1', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    await page.locator('.target[data-target="support"] td', { hasText: 'caller-push-1' }).waitFor({ timeout: 5000 });
    assert.equal(requests.filter((p) => p.startsWith('/api/v1/targets')).length, 0, 'the page does not poll the queue routes');
    assert.equal(requests.filter((p) => p === '/api/v1/stream/queues').length, 1);
    queue.remove('caller-push-1');
  });

  it('shows previews offered to agents and their answers live in the events', async () => {
    const page = await browser!.newPage();
    await connect(page);
    await page.waitForSelector('#live.on');
    const subject = { callbackId: '0000preview-cb-0042', attemptId: 'a1', serviceName: 'sales', customerNumber: '+14155550777', userData: {}, agentId: 'carol' };
    const answer = t.app.approvals.offerPreview(subject, { timeoutMs: 10_000, allowReject: true });
    await page.locator('#events tr.approval', { hasText: 'PREVIEW_OFFERED' }).waitFor();
    t.app.approvals.answerPreview(subject.callbackId, 'carol', 'reject');
    assert.equal(await answer, 'REJECTED');
    const row = page.locator('#events tr.approval', { hasText: 'PREVIEW_ANSWERED' });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /cb-0042PREVIEW_ANSWEREDagent carolREJECTED/);
  });

  it('says so when the key is wrong', async () => {
    const page = await browser!.newPage();
    await connect(page, 'not-a-key-000');
    await page.locator('#error', { hasText: 'API key' }).waitFor();
    assert.equal(await page.textContent('#live'), 'offline');
  });
});

import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { until } from '../helpers/until';

/**
 * Wrap-up on the agent page (real headless Chromium; the simulated dialer connects the callback to the agent
 * through the real queue, so no SIP server is needed): after the call the agent is in after-call work for the
 * service's `_wrap_up_time`, picks one of the service's `_disposition_codes` and adds a note; both are stored
 * with the attempt (the callback's history, the attempts report and its CSV) and the agent goes READY, or
 * READY by itself when the wrap-up time runs out.
 */
describe('agent page: wrap-up with disposition codes (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([
    { id: 'fay', password: 'fay-secret-1' },
    { id: 'gus', password: 'gus-secret-1' },
    { id: 'hal', password: 'hal-secret-1' },
  ]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' },
        services: [
          { name: 'sales-back', template: 'user-terminated-immediate', options: { _target: 'support', _wrap_up_time: 120, _disposition_codes: ['Sale', 'No sale', 'Call again'] } },
          { name: 'quick', template: 'user-terminated-immediate', options: { _target: 'support', _wrap_up_time: 2 } },
        ],
        dialer: { kind: 'simulated', simulated: { delayMs: 50, agentTalkMs: 300, rules: [] } },
      },
      // the queue as composeApp runs it: the simulated dialer reserves the agent and ends the call with the queue
      { queue, agents },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  const readyPage = async (id: string, password: string): Promise<Page> => {
    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, id, password);
    await page.click('#ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    return page;
  };
  const callback = async (service: string, number: string): Promise<string> => {
    const r = await t.call('POST', `/genesys/1/service/callback/${service}`, { _customer_number: number });
    assert.equal(r.status, 200, r.text);
    return r.json._id as string;
  };

  it("after the call: after-call work with a countdown, the service's codes, a note; stored with the attempt and in the reports; then READY", async () => {
    const page = await readyPage('fay', 'fay-secret-1');
    const id = await callback('sales-back', '+12025550141');

    await page.locator(`#wrapup[data-contact-id="${id}"]`).waitFor({ timeout: 15_000 });
    await page.locator('#state', { hasText: 'AFTER_CALL_WORK' }).waitFor();
    assert.equal(queue.getAgent('fay').state, 'AFTER_CALL_WORK');
    await page.locator('#wrapup-timer', { hasText: /^ready by itself in 1:5\d$/ }).waitFor();
    await page.locator('#wrapup-about', { hasText: '+1 202 555 0141 (sales-back)' }).waitFor();
    const codes = await page.locator('#wrapup-codes input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    assert.deepEqual(codes, ['Sale', 'No sale', 'Call again'], "the service's own codes");

    await page.locator('#wrapup-codes label', { hasText: 'No sale' }).click();
    await page.fill('#wrapup-note', 'Will compare offers and call us');
    if (process.env.SCREENSHOTS) {
      await page.locator('#history[data-number="+12025550141"]').waitFor();
      await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-wrap-up.png`, fullPage: true });
    }
    await page.click('#wrapup-ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    await page.locator('#wrapup').waitFor({ state: 'hidden' });
    assert.equal(queue.getAgent('fay').state, 'READY');

    const attempts = (await t.call('GET', `/genesys/1/service/callback/sales-back/${id}/history`)).json.attempts as { agentId: string; disposition?: string; dispositionNote?: string }[];
    assert.equal(attempts.at(-1)?.agentId, 'fay');
    assert.equal(attempts.at(-1)?.disposition, 'No sale');
    assert.equal(attempts.at(-1)?.dispositionNote, 'Will compare offers and call us');
    const csv = (await t.call('GET', '/api/v1/reports/attempts?service=sales-back&format=csv')).text;
    const [header, ...lines] = csv.trim().split('\n');
    const cols = header!.split(',');
    const row = lines.map((l) => l.split(',')).find((c) => c[cols.indexOf('callback_id')] === id);
    assert.ok(row, csv);
    assert.equal(row[cols.indexOf('disposition')], 'No sale');
    assert.equal(row[cols.indexOf('disposition_note')], 'Will compare offers and call us');
    assert.equal(row[cols.indexOf('agent_id')], 'fay');
    await page.close();
  });

  it('READY by itself after the wrap-up time; the outcome can still be recorded, with the default codes', async () => {
    // fay takes nothing now: gus alone is ready for this one
    queue.setNotReady('fay');
    const page = await readyPage('gus', 'gus-secret-1');
    const id = await callback('quick', '+12025550142');
    await page.locator(`#wrapup[data-contact-id="${id}"]`).waitFor({ timeout: 15_000 });
    // the 2 s wrap-up time runs out: READY without the agent doing anything, the form stays
    await page.locator('#state', { hasText: /^READY$/ }).waitFor({ timeout: 10_000 });
    await page.locator('#wrapup-timer', { hasText: 'wrap-up time over' }).waitFor();
    const codes = await page.locator('#wrapup-codes input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    assert.ok(codes.includes('Resolved') && codes.includes('Wrong number'), `default codes: ${codes.join(', ')}`);
    await page.locator('#wrapup-codes label', { hasText: 'Resolved' }).click();
    await page.click('#wrapup-not-ready');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    await page.locator('#wrapup').waitFor({ state: 'hidden' });
    const attempts = (await t.call('GET', `/genesys/1/service/callback/quick/${id}/history`)).json.attempts as { disposition?: string; dispositionNote?: string | null }[];
    assert.equal(attempts.at(-1)?.disposition, 'Resolved');
    assert.equal(attempts.at(-1)?.dispositionNote, null);
    await page.close();
  });

  it('the REST endpoint: a code the service does not list is a 400 naming it; twice or without a call is a 409', async () => {
    const token = async (agentId: string, password: string) => (await t.call('POST', '/api/v1/agent/sessions', { agentId, password }, { key: null })).json.token as string;
    const post = async (tok: string, body: unknown) => {
      const r = await fetch(`${t.url}/api/v1/agent/me/wrap-up`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as { message?: string } };
    };
    queue.setNotReady('gus');
    const fay = await token('fay', 'fay-secret-1');
    queue.setReady('fay');
    const id = await callback('sales-back', '+12025550143');
    await until('fay in after-call work', () => (queue.getAgent('fay').lastCall?.contactId === id ? true : undefined), 10_000);

    const bad = await post(fay, { disposition: 'Resolved' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message ?? '', /disposition: "Resolved" is not one of Sale, No sale, Call again/);
    assert.equal((await post(fay, { disposition: 'Sale', extra: 1 })).status, 400, 'the schema refuses unknown keys');
    assert.equal((await post(fay, { disposition: 'Sale' })).status, 200);
    assert.equal((await post(fay, { disposition: 'Sale' })).status, 409, 'already wrapped up');

    // an agent with no call this shift has nothing to wrap up
    const none = await post(await token('hal', 'hal-secret-1'), { disposition: 'Resolved' });
    assert.equal(none.status, 409);
    assert.match(none.json.message ?? '', /no call to wrap up/);
    const view = await fetch(`${t.url}/api/v1/agent/me/wrap-up`, { headers: { authorization: `Bearer ${fay}` } });
    const w = (await view.json()) as { call: { contactId: string; wrappedUp: boolean; serviceName: string }; codes: string[] };
    assert.equal(w.call.contactId, id);
    assert.equal(w.call.wrappedUp, true);
    assert.deepEqual(w.codes, ['Sale', 'No sale', 'Call again']);
  });
});

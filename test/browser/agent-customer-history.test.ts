import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { until } from '../helpers/until';

/**
 * The customer's history beside the call (real headless Chromium, fake sip.js): their earlier callbacks with
 * each attempt's outcome and the agent's disposition and note, and their calls to the IVR (the trunk's number
 * form without the plus too), newest first; another customer's contacts are not shown.
 */
describe("agent page: the customer's earlier contacts (headless Chromium)", function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([{ id: 'ivy', password: 'ivy-secret-1' }]);
  const DAY = 86_400_000;

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' },
        services: [{ name: 'care', template: 'user-terminated-immediate', options: { _target: 'support' } }],
      },
      { agents },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  const completed = (id: string) =>
    until(`callback ${id} completed`, async () => ((await t.call('GET', `/genesys/1/service/callback/care/${id}`)).json._callback_state === 'COMPLETED' ? true : undefined), 10_000);

  it('lists earlier callbacks (attempts, outcomes, dispositions, notes) and IVR calls of the number, newest first', async () => {
    const store = t.app.store;
    const now = Date.now();
    // two days ago: a callback that never reached them
    await store.insertCallback(
      {
        id: 'old-cb', serviceName: 'care', customerNumber: '+12025550160', state: 'COMPLETED', reason: 'MAX_ATTEMPTS_REACHED', requestReason: 'Router broken', direction: 'USERTERMINATED',
        target: 'support', desiredTime: null, acceptedAt: now - 2 * DAY, serviceStart: now - 2 * DAY, expirationTime: now - DAY, nextAttemptAt: null, attempts: 1,
        originatingInteractionId: null, clientId: 'ivr', userData: {}, overrides: {}, updatedAt: now - 2 * DAY,
      },
      [{ type: 'CREATED', at: now - 2 * DAY }],
    );
    await store.saveAttempt({ id: 'old-a1', callbackId: 'old-cb', number: 1, startedAt: now - 2 * DAY, endedAt: now - 2 * DAY + 30_000, outcome: 'NO_ANSWER', sipStatus: 480, amdDecision: null, amdDecisionMs: null, agentId: null, answeredAt: null, connectedAt: null, callId: null, detail: null });
    // yesterday: they called in, an agent took it and wrote a note (the trunk sent the number without the plus)
    await store.recordInteraction({ interactionId: 'ivr-1', ani: '12025550160', serviceName: 'care', startedAt: now - DAY, endedAt: now - DAY + 120_000, outcome: 'CONNECTED_TO_AGENT', attached: {} });
    await store.setInteractionDisposition('ivr-1', 'gus', { code: 'Follow-up needed', note: 'Technician to call', at: now - DAY + 130_000 });
    // someone else
    await store.recordInteraction({ interactionId: 'ivr-2', ani: '+14155550199', serviceName: 'care', startedAt: now - DAY, endedAt: now - DAY + 1000, outcome: 'HUNG_UP_IN_IVR', attached: {} });
    // today: a callback that reached an agent, with a disposition
    const earlier = (await t.call('POST', '/genesys/1/service/callback/care', { _customer_number: '+12025550160' })).json._id as string;
    await completed(earlier);
    const [a1] = await store.attemptsOf(earlier);
    await store.saveAttempt({ ...a1!, agentId: 'fay' });
    await store.setAttemptDisposition(a1!.id, { code: 'Resolved', note: 'Router replaced', at: Date.now() });
    // and the callback being offered now
    await until('a new callback accepted', async () => ((await t.call('GET', `/genesys/1/service/callback/care/${earlier}`)).json._callback_state === 'COMPLETED' ? true : undefined), 5000);
    const current = (await t.call('POST', '/genesys/1/service/callback/care', { _customer_number: '+12025550160', _callback_reason: 'Router again' })).json._id as string;

    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, 'ivy', 'ivy-secret-1');
    await page.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Callback-Id': current, 'X-Customer-Number': '+12025550160', 'X-Callback-Attempt': '1' })}, 'cbsvc')`);
    await page.locator('#history[data-number="+12025550160"]').waitFor();
    const items = page.locator('#history-list > li');
    const ids = await items.evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { id: string } }).dataset.id));
    assert.deepEqual(ids, [current, earlier, 'ivr-1', 'old-cb'], 'newest first; no other customer');
    const text = (i: number) => items.nth(i).innerText();
    assert.match(await text(0), /This callback\s*· care/);
    assert.match(await text(0), /Reason: Router again/);
    assert.match(await text(1), /^Callback\s*· care/);
    assert.match(await text(1), /talked to an agent/);
    assert.match(await text(1), /Attempt 1, .*: talked to an agent/);
    assert.match(await text(1), /fay\s*Resolved\s*Router replaced/);
    assert.match(await text(2), /Called in\s*· care/);
    assert.match(await text(2), /gus\s*Follow-up needed\s*Technician to call/);
    assert.match(await text(3), /not reached \(all attempts made\)/);
    assert.match(await text(3), /Reason: Router broken/);
    assert.match(await text(3), /Attempt 1, .*: no answer/);

    // the call ends with no wrap-up pending for this agent: the panel goes with it
    await page.evaluate('window.fakeSip.current.remoteEnd()');
    await page.locator('#history').waitFor({ state: 'hidden' });
    await page.close();
  });

  it('the REST endpoint: a number in any form, and a refusal naming a non-number', async () => {
    const tok = (await t.call('POST', '/api/v1/agent/sessions', { agentId: 'ivy', password: 'ivy-secret-1' }, { key: null })).json.token as string;
    const get = async (q: string) => {
      const r = await fetch(`${t.url}/api/v1/agent/customer-history?${q}`, { headers: { authorization: `Bearer ${tok}` } });
      return { status: r.status, json: (await r.json()) as { number?: string; callbacks?: unknown[]; interactions?: { interactionId: string }[]; message?: string } };
    };
    const digits = await get('number=12025550160');
    assert.equal(digits.status, 200);
    assert.equal(digits.json.number, '+12025550160');
    assert.deepEqual(digits.json.interactions?.map((i) => i.interactionId), ['ivr-1']);
    assert.equal(digits.json.callbacks?.length, 3);
    const bad = await get('number=hello');
    assert.equal(bad.status, 400);
    assert.match(bad.json.message ?? '', /number: "hello" is not a phone number/);
    assert.equal((await t.call('GET', '/api/v1/agent/customer-history?number=%2B12025550160')).status, 403, 'agents only');
  });
});

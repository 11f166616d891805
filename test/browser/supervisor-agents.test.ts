import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

/**
 * The supervisor page's "Agents today": each agent's calls, average handle time, after-call work and
 * dispositions, and the supervisor's Not ready / Log out (REST, audited), which the agent's own page (headless
 * Chromium, fake sip.js) shows at once.
 */
describe('supervisor page: agents today and their state (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue } = queueWithAgents([
    { id: 'erin', password: 'erin-secret-1' },
    { id: 'finn', password: 'finn-secret-1' },
  ]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp({ softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' } }, { queue });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it("shows today's figures per agent; Not ready and Log out reach the agent's page live, audited", async () => {
    // one call of erin's, wrapped up as Resolved
    queue.setReady('erin');
    queue.enqueue({ contactId: 'c-1', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    const r = (await queue.reserveAgentFor('c-1', { timeoutMs: 1000 }))!;
    assert.equal(r.agent.agentId, 'erin');
    r.confirm();
    r.callEnded({ afterCallWorkSec: 0 });
    assert.equal(queue.wrappedUp('erin', 'Resolved'), true);

    const agentPage = await browser!.newPage();
    await useFakeSip(agentPage);
    await signIn(agentPage, t.url, 'erin', 'erin-secret-1');
    await agentPage.click('#ready');
    await agentPage.locator('#state', { hasText: /^READY$/ }).waitFor();

    const sup = await browser!.newPage();
    await sup.goto(`${t.url}/supervisor`);
    await sup.fill('#key', ADMIN_KEY);
    await sup.click('#connect');
    const erin = sup.locator('#agents tr[data-agent="erin"]');
    await erin.waitFor();
    const cells = await erin.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), ['erin', 'READY', '1']);
    assert.match(cells[3]!, /^\d+ s$/, 'average handle time');
    assert.equal(cells[6], 'Resolved 1');
    assert.deepEqual((await sup.locator('#agents tr[data-agent="finn"] td').allInnerTexts()).slice(0, 3), ['finn', 'NOT_READY (startup)', '0']);

    if (process.env.SCREENSHOTS) await sup.locator('#agents-section').screenshot({ path: `${process.env.SCREENSHOTS}/supervisor-agents.png` });
    await erin.locator('button', { hasText: 'Not ready' }).click();
    await agentPage.locator('#state', { hasText: /^NOT_READY$/ }).waitFor();
    await agentPage.locator('#notice', { hasText: 'A supervisor set you Not ready.' }).waitFor();
    await erin.locator('td', { hasText: 'NOT_READY (supervisor)' }).waitFor();
    assert.equal(await erin.locator('button', { hasText: 'Not ready' }).isDisabled(), true);

    await erin.locator('button', { hasText: 'Log out' }).click();
    await agentPage.locator('#notice', { hasText: 'A supervisor logged you out' }).waitFor();
    await erin.locator('td', { hasText: 'NOT_READY (logged-out)' }).waitFor();
    assert.equal(await erin.locator('button', { hasText: 'Log out' }).isDisabled(), true);

    // the agent takes calls again by themselves
    await agentPage.click('#ready');
    await agentPage.locator('#state', { hasText: /^READY$/ }).waitFor();

    const audit = await t.call('GET', '/admin/v1/audit?subject=agent:erin', undefined, { key: ADMIN_KEY });
    assert.deepEqual(
      (audit.json.entries as { action: string }[]).map((e) => e.action).slice(0, 2),
      ['agent.logged-out', 'agent.not-ready'],
    );
  });
});

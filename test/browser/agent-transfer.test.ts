import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { DomainError } from '../../src/errors';
import { RequestInbox, TransferDesk, type PendingRequest } from '../../src/flows/transfer';

/**
 * Transfer on the agent page, in headless Chromium with sip.js replaced by a fake: the page's picker (other
 * agents with their state, the queues), blind and consult requests through the real REST routes (audited),
 * and the consultation's phases as the call's flow reports them (here the test plays the flow on the
 * TransferDesk). The real call through drachtio-server and FreeSWITCH: agent-transfer.e2e.test.ts.
 */
describe('agent page: transfer (headless Chromium, fake sip.js)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const desk = new TransferDesk();
  const { queue } = queueWithAgents([
    { id: 'erin', password: 'erin-secret-1' },
    { id: 'finn', password: 'finn-secret-1' },
    { id: 'gina', password: 'gina-secret-1' },
  ]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp({ softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' } }, { queue, transfers: desk });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** erin signed in and talking to a caller on the page; the call's flow is the test (an inbox on the desk) */
  async function onCall(): Promise<{ page: Page; inbox: RequestInbox; flow: ReturnType<TransferDesk['attach']> }> {
    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, 'erin', 'erin-secret-1');
    await page.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Customer-Number': '+12025550188' })}, 'anonymous')`);
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor();
    const inbox = new RequestInbox();
    const flow = desk.attach('erin', inbox);
    return { page, inbox, flow };
  }

  it('consult: picks a READY agent (busy ones cannot be picked), shows the ringing and the talk, completes; audited', async () => {
    queue.setReady('finn');
    queue.setNotReady('gina');
    const { page, inbox, flow } = await onCall();
    await page.locator('#transfer-open:not([disabled])').waitFor();
    await page.click('#transfer-open');
    await page.locator('#transfer-to option[value="agent:finn"]').waitFor({ state: 'attached' });
    const options = await page.locator('#transfer-to option').evaluateAll((os) => os.map((o) => [o.getAttribute('value'), o.textContent, o.hasAttribute('disabled')]));
    assert.deepEqual(options, [
      ['agent:finn', 'finn (ready)', false],
      ['agent:gina', 'gina (not ready)', true],
      ['target:support', 'support', false],
    ]);
    await page.selectOption('#transfer-to', 'agent:finn');

    const asked = inbox.next();
    await page.click('#transfer-consult');
    const consult: PendingRequest = await asked;
    assert.deepEqual(consult.request, { kind: 'consult', to: { agentId: 'finn' } });
    const ringing = { phase: 'consult-ringing' as const, to: { agentId: 'finn' }, toAgentId: 'finn' };
    consult.accept(ringing);
    flow.update(ringing);
    await page.locator('#consult-status', { hasText: 'Calling finn… the customer is on hold' }).waitFor();
    assert.equal(await page.locator('#transfer-complete').isDisabled(), true, 'nothing to complete while it rings');
    assert.equal(await page.locator('#transfer-pick').isVisible(), false);

    flow.update({ phase: 'consulting', to: { agentId: 'finn' }, toAgentId: 'finn' });
    await page.locator('#consult-status', { hasText: 'Talking to finn — the customer is on hold' }).waitFor();
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-transfer.png`, fullPage: true });
    const completing = inbox.next();
    await page.locator('#transfer-complete:not([disabled])').click();
    const complete = await completing;
    assert.deepEqual(complete.request, { kind: 'complete' });
    complete.accept({ phase: 'talking', last: 'transferred to finn' });
    await page.locator('#transfer-last', { hasText: 'transferred to finn' }).waitFor();
    flow.detach();
    await page.evaluate('window.fakeSip.current.remoteEnd()');
    await page.locator('#call').waitFor({ state: 'hidden' });

    const audit = await t.call('GET', '/admin/v1/audit?subject=agent:erin', undefined, { key: ADMIN_KEY });
    assert.equal(audit.status, 200, audit.text);
    const actions = (audit.json.entries as { action: string; actor: string; after: { to?: unknown } }[]).map((e) => [e.action, e.actor]);
    assert.deepEqual(actions.slice(0, 2), [
      ['call.transfer-completed', 'agent:erin'],
      ['call.transfer-consult', 'agent:erin'],
    ]);
    await page.close();
  });

  it('blind to a queue; a refusal (the call ended meanwhile) is shown; a call handed over says who transferred it', async () => {
    const { page, inbox, flow } = await onCall();
    await page.click('#transfer-open:not([disabled])');
    await page.locator('#transfer-to option[value="target:support"]').waitFor({ state: 'attached' });
    await page.selectOption('#transfer-to', 'target:support');
    const asked = inbox.next();
    await page.click('#transfer-blind');
    const blind = await asked;
    assert.deepEqual(blind.request, { kind: 'blind', to: { target: 'support' } });
    blind.refuse(new DomainError('CONFLICT', 'the call ended'));
    await page.locator('#error', { hasText: 'the call ended' }).waitFor();
    flow.detach();
    await page.evaluate('window.fakeSip.current.remoteEnd()');
    await page.locator('#call').waitFor({ state: 'hidden' });

    // the agent a call is transferred to sees who handed it over
    await page.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Customer-Number': '+12025550188', 'X-Transferred-By': 'finn' })}, 'anonymous')`);
    await page.locator('#call-from', { hasText: 'Transferred by finn' }).waitFor();
    await page.click('#hangup');
    await page.locator('#call').waitFor({ state: 'hidden' });
    await page.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Customer-Number': '+12025550188', 'X-Consult-From': 'finn' })}, 'anonymous')`);
    await page.locator('#call-from', { hasText: 'Consultation from finn' }).waitFor();
    await page.close();
  });

  it('the routes: 409 when the agent is on no call, 404 for an unknown agent, 400 for a malformed target; not for API keys', async () => {
    const signin = await t.call('POST', '/api/v1/agent/sessions', { agentId: 'gina', password: 'gina-secret-1' }, { key: null });
    const token = signin.json.token as string;
    const as = (method: string, path: string, body?: unknown) =>
      fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    assert.equal((await as('POST', '/api/v1/agent/me/transfer', { mode: 'blind', to: { target: 'support' } })).status, 409);
    assert.equal((await as('POST', '/api/v1/agent/me/transfer', { mode: 'blind', to: { agentId: 'nobody' } })).status, 404);
    assert.equal((await as('POST', '/api/v1/agent/me/transfer', { mode: 'sideways', to: { target: 'support' } })).status, 400);
    assert.equal((await as('POST', '/api/v1/agent/me/transfer/complete')).status, 409);
    assert.equal((await as('GET', '/api/v1/agent/me/transfer')).status, 404);
    const targets = (await (await as('GET', '/api/v1/agent/transfer-targets')).json()) as { targets: string[]; agents: { agentId: string }[] };
    assert.deepEqual(targets.targets, ['support']);
    assert.deepEqual(targets.agents.map((a) => a.agentId), ['erin', 'finn']);
    const byKey = await t.call('POST', '/api/v1/agent/me/transfer', { mode: 'blind', to: { target: 'support' } }, { key: ADMIN_KEY });
    assert.equal(byKey.status, 403, 'an API key is not an agent on a call');
  });
});

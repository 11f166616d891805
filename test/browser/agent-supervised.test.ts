import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { SupervisionService } from '../../src/supervision/supervision';
import { systemClock } from '../../src/time';
import { chromiumOrSkip } from '../helpers/chromium';
import { silentLogger } from '../helpers/core';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { startApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { FakeSupervisionPorts } from '../unit/supervision/fakes';

/**
 * The agent sees that a supervisor is on their call only when the service says so (`supervision.tellAgent`,
 * default false). Headless Chromium, fake sip.js, supervision over fake telephony (the real eavesdrop:
 * supervisor-call.e2e.test.ts).
 */
describe('agent page: told of a supervisor only with supervision.tellAgent (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  before(async function () {
    browser = await chromiumOrSkip(this);
  });
  after(async () => browser?.close());

  async function onSupervisedCall(tellAgent: boolean) {
    const { queue } = queueWithAgents([{ id: 'erin', password: 'erin-secret-1' }]);
    const ports = new FakeSupervisionPorts();
    ports.calls = [{ agentId: 'erin', callId: 'agent-call-1', customerCallId: 'customer-call-1', since: Date.now() }];
    const supervision = new SupervisionService(ports, systemClock, silentLogger, tellAgent);
    const t = await startApp(
      { softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' }, supervision: { tellAgent, supervisors: [{ id: 'sam', name: 'Sam', password: 'sam-pass-01' }] } } as never,
      { queue, supervision },
    );
    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, 'erin', 'erin-secret-1');
    await page.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Customer-Number': '+12025550188' })}, 'anonymous')`);
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor();
    const session = await supervision.start('sam', 'erin', 'listen');
    return { t, page, supervision, session, close: async () => (await page.close(), supervision.close(), await t.close()) };
  }

  it('tellAgent on: the call shows the supervisor listening, whispering, in the call, and gone', async () => {
    const s = await onSupervisedCall(true);
    await s.page.locator('#supervised', { hasText: 'A supervisor is listening' }).waitFor();
    await s.supervision.setMode(s.session.id, 'whisper');
    await s.page.locator('#supervised', { hasText: 'A supervisor is talking to you' }).waitFor();
    await s.supervision.setMode(s.session.id, 'barge');
    await s.page.locator('#supervised', { hasText: 'A supervisor has joined the call' }).waitFor();
    await s.supervision.stop(s.session.id);
    await s.page.locator('#supervised').waitFor({ state: 'hidden' });
    await s.close();
  });

  it('tellAgent off (the default): nothing shows, also in the views pushed after the supervisor joined', async () => {
    const s = await onSupervisedCall(false);
    await s.supervision.setMode(s.session.id, 'whisper');
    // a change the page is pushed after the supervisor joined: the view it gets carries no supervisor
    await s.page.click('#ready');
    await s.page.locator('#state', { hasText: /^READY$/ }).waitFor();
    assert.equal(await s.page.locator('#supervised').isVisible(), false);
    const token = (await s.page.evaluate('sessionStorage.getItem("agentToken")')) as string;
    const me = (await (await fetch(`${s.t.url}/api/v1/agent/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
    assert.equal(me.supervisor, undefined);
    assert.equal(s.supervision.list().length, 1, 'the supervisor is on the call all the same');
    await s.close();
  });
});

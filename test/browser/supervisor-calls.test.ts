import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { SupervisionService, type ListenInResult, type LiveCall, type SupervisionMode } from '../../src/supervision/supervision';
import { systemClock } from '../../src/time';
import { chromiumOrSkip } from '../helpers/chromium';
import { silentLogger } from '../helpers/core';
import { useFakeSip } from '../helpers/fake-sip';
import { ADMIN_KEY, IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { until } from '../helpers/until';
import { FakeListeningLeg, FakeSupervisionPorts } from '../unit/supervision/fakes';

/**
 * The supervisor page's live calls in headless Chromium, against the real app with its supervision over
 * fake telephony, and sip.js replaced by the fake (test/helpers/fake-sip.ts): the supervisor's INVITE is
 * rung into the page by the fake telephony, as drachtio-server would. The real audio path is
 * test/browser/supervisor-call.e2e.test.ts.
 */
describe('supervisor page: listen, whisper, barge (headless Chromium, fake SIP)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  let page: Page;
  /** the telephony stand-in rings the page's phone and waits for it to answer */
  class RingingPorts extends FakeSupervisionPorts {
    page?: Page;
    override async listenIn(req: { sessionId: string; supervisorUri: string; call: LiveCall; mode: SupervisionMode }): Promise<ListenInResult> {
      this.requests.push({ supervisorUri: req.supervisorUri, call: req.call, mode: req.mode });
      await this.page!.evaluate(`window.fakeSip.ring(${JSON.stringify({ 'X-Supervision-Id': req.sessionId })}, 'app')`);
      await until('the page to answer', async () => ((await this.page!.evaluate('window.fakeSip.current.state')) === 'Established' ? true : undefined), 5000, 50);
      const leg = new FakeListeningLeg();
      this.legs.push(leg);
      return { kind: 'listening', leg };
    }
  }
  const ports = new RingingPorts();

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        softphone: { wsUrl: 'ws://127.0.0.1:9', domain: 'cc.test' },
        supervision: { tellAgent: false, supervisors: [{ id: 'sam', name: 'Sam', password: 'sam-pass-01' }] },
      } as never,
      { supervision: new SupervisionService(ports, systemClock, silentLogger, false) },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const row = () => page.locator('#calls tr[data-agent="alice"]');

  it('a key without calls:supervise is told so in words', async () => {
    page = await browser!.newPage();
    await useFakeSip(page);
    await page.goto(`${t.url}/supervisor`);
    await page.fill('#key', IVR_KEY);
    await page.click('#connect');
    await page.locator('#calls-note', { hasText: 'calls:supervise' }).waitFor();
    assert.equal(await page.locator('#calls tbody tr').count(), 0);
  });

  it('signs in the phone, listens to a live call (answered by itself), switches to whisper and barge, leaves', async () => {
    page = await browser!.newPage();
    ports.page = page;
    await useFakeSip(page);
    await page.goto(`${t.url}/supervisor`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('#connect');
    await row().locator('td.mode', { hasText: 'not supervised' }).waitFor();
    await page.selectOption('#sup-id', 'sam');
    await page.fill('#sup-pass', 'sam-pass-01');
    await page.click('#sup-phone');
    await page.locator('#sup-phone-state', { hasText: 'phone ready' }).waitFor();
    const ua = (await page.evaluate('({ user: window.fakeSip.ua.options.authorizationUsername, pw: window.fakeSip.ua.options.authorizationPassword, ws: window.fakeSip.ua.options.transportOptions.server })')) as { user: string; pw: string; ws: string };
    assert.deepEqual(ua, { user: 'sam', pw: 'sam-pass-01', ws: 'ws://127.0.0.1:9' });

    await row().locator('button', { hasText: 'Listen' }).click();
    await row().locator('td.mode', { hasText: 'you: listening' }).waitFor();
    assert.equal(await row().getAttribute('data-mode'), 'listen');
    assert.equal(await row().locator('button', { hasText: 'Listen' }).getAttribute('aria-pressed'), 'true');
    assert.deepEqual(ports.requests.map((r) => [r.call.agentId, r.mode]), [['alice', 'listen']]);

    await row().locator('button', { hasText: 'Whisper' }).click();
    await row().locator('td.mode', { hasText: 'you: whispering to the agent' }).waitFor();
    await row().locator('button', { hasText: 'Barge' }).click();
    await row().locator('td.mode', { hasText: 'you: in the call' }).waitFor();
    assert.deepEqual(ports.legs[0]!.modes, ['whisper', 'barge']);
    assert.equal(ports.requests.length, 1, 'switching modes rings no new call');

    await row().locator('button', { hasText: 'Leave' }).click();
    await row().locator('td.mode', { hasText: 'not supervised' }).waitFor();
    assert.equal(ports.legs[0]!.hungUp, true);
  });

  it('refuses a call it did not ask for (486), and says to sign in the phone before joining', async () => {
    const before = ports.requests.length;
    await page.evaluate(`window.fakeSip.ring({}, 'someone')`);
    assert.equal(await page.evaluate('window.fakeSip.current.state'), 'Terminated');
    const fresh = await browser!.newPage();
    await useFakeSip(fresh);
    await fresh.goto(`${t.url}/supervisor`);
    await fresh.fill('#key', ADMIN_KEY);
    await fresh.click('#connect');
    await fresh.locator('#calls tr[data-agent="alice"] button', { hasText: 'Barge' }).click();
    await fresh.locator('#calls-note', { hasText: 'Sign in your phone first' }).waitFor();
    assert.equal(ports.requests.length, before);
  });
});

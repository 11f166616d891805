import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { until } from '../helpers/until';

/**
 * The agent page on a call, in real headless Chromium with sip.js replaced by a fake (test/helpers/fake-sip.ts):
 * the customer's number as people write it, the callback as a card (service, reason, attempt of the maximum,
 * when they asked, how long they waited, AMD, user data) with no debug text, a call timer, mute (the
 * microphone's track stops), hold and keypad, and the call-quality indicator computed from getStats().
 */
describe('agent page: on a call (headless Chromium, fake sip.js)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([{ id: 'erin', password: 'erin-secret-1' }]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp(
      {
        softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' },
        services: [{ name: 'billing-now', template: 'user-terminated-immediate', options: { _target: 'support', _max_number_of_attempts: 3 } }],
      },
      { agents },
    );
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  const ring = (page: Page, headers: Record<string, string>, user = 'anonymous') =>
    page.evaluate(`window.fakeSip.ring(${JSON.stringify(headers)}, ${JSON.stringify(user)})`);
  const onCall = <T>(page: Page, fn: string): Promise<T> => page.evaluate(`(() => { const c = window.fakeSip.current; return ${fn}; })()`) as Promise<T>;

  it('shows the callback as a readable card, times the call, mutes, holds, sends DTMF and hangs up', async () => {
    const created = await t.call('POST', '/genesys/1/service/callback/billing-now', { _customer_number: '+12025550188', _callback_reason: 'Invoice question', order_number: 'PO-5521' });
    assert.equal(created.status, 200, created.text);
    const id = created.json._id as string;
    await until('the first attempt', async () => ((await t.call('GET', `/genesys/1/service/callback/billing-now/${id}/history`)).json.attempts.length ? true : undefined), 10_000);

    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, 'erin', 'erin-secret-1');
    await ring(page, { 'X-Callback-Id': id, 'X-Callback-Attempt': '1', 'X-Customer-Number': '+12025550188', 'X-Amd-Result': 'HUMAN' });

    await page.locator('#call:not([hidden])').waitFor();
    assert.equal(await page.locator('#call-title').innerText(), 'Incoming callback');
    assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0188');
    assert.equal(await page.locator('#customer-number').getAttribute('href'), 'tel:+12025550188');
    assert.equal(await page.locator('#customer-region').innerText(), 'United States');
    // the card fills in from the agent API once the callback is read
    await page.locator('#call-data', { hasText: 'Invoice question' }).waitFor();
    const card = await page.locator('#call-data').innerText();
    assert.match(card, /Service\s+billing-now/);
    assert.match(card, /Reason\s+Invoice question/);
    assert.match(card, /Attempt\s+1 of 3/);
    assert.match(card, /Asked\s+\d{1,2}:\d\d/);
    assert.match(card, /Waited\s+\d+ (s|min)/);
    assert.match(card, /Detected\s+HUMAN · a person answered/);
    assert.match(card, /Order number\s+PO-5521/);
    assert.match(card, new RegExp(`Reference\\s+${id}`));
    assert.doesNotMatch(await page.locator('#call').innerText(), /packets/, 'no debug text on the call');

    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor();
    assert.equal(await page.locator('#answer').isVisible(), false);
    await page.locator('#call-timer', { hasText: /^0:0[1-9]$/ }).waitFor();

    // mute: the microphone's track stops sending, the button says so; again: it sends
    await page.click('#mute');
    assert.equal(await page.locator('#mute').getAttribute('aria-pressed'), 'true');
    assert.match(await page.locator('#mute').innerText(), /^Unmute/);
    assert.equal(await onCall<boolean>(page, 'c.sessionDescriptionHandler.peerConnection.mic.enabled'), false);
    await page.click('#mute');
    assert.equal(await page.locator('#mute').getAttribute('aria-pressed'), 'false');
    assert.equal(await onCall<boolean>(page, 'c.sessionDescriptionHandler.peerConnection.mic.enabled'), true);

    // hold (a re-INVITE with hold), keypad (DTMF)
    await page.click('#hold');
    await page.locator('#hold', { hasText: 'Resume' }).waitFor();
    assert.deepEqual(await onCall<boolean[]>(page, 'c.holds'), [true]);
    await page.click('#hold');
    await page.locator('#hold', { hasText: /^Hold$/ }).waitFor();
    await page.locator('#keys button', { hasText: /^5$/ }).click();
    await page.locator('#keys button', { hasText: /^#$/ }).click();
    assert.deepEqual(await onCall<string[]>(page, 'c.dtmf'), ['5', '#']);
    if (process.env.SCREENSHOTS) {
      await page.evaluate(`window.fakeSip.current.sessionDescriptionHandler.peerConnection.stats = new Map([
        ['in', { id: 'in', type: 'inbound-rtp', kind: 'audio', packetsReceived: 2400, packetsLost: 3, jitter: 0.004 }],
        ['out', { id: 'out', type: 'outbound-rtp', kind: 'audio', packetsSent: 2380 }]])`);
      await page.locator('#quality[data-grade="good"]').waitFor();
      await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-call.png`, fullPage: true });
    }

    await page.click('#hangup');
    await page.locator('#call').waitFor({ state: 'hidden' });
    await page.close();
  });

  it('grades call quality from WebRTC stats (loss, jitter, MOS) behind a small indicator', async () => {
    const page = await browser!.newPage();
    await useFakeSip(page);
    await signIn(page, t.url, 'erin', 'erin-secret-1');
    await ring(page, { 'X-Customer-Number': '12025550177' });
    await page.locator('#call:not([hidden])').waitFor();
    // a caller the IVR queued: no callback, the number as the trunk sent it, written for people
    assert.equal(await page.locator('#call-title').innerText(), 'Incoming call');
    assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0177');
    await page.click('#answer');
    await page.locator('#quality', { hasText: 'no audio yet' }).waitFor();

    const setStats = (received: number, lost: number, jitter: number, sent: number) =>
      page.evaluate(`(() => {
        const pc = window.fakeSip.current.sessionDescriptionHandler.peerConnection;
        pc.stats = new Map([
          ['in', { id: 'in', type: 'inbound-rtp', kind: 'audio', packetsReceived: ${received}, packetsLost: ${lost}, jitter: ${jitter}, codecId: 'c' }],
          ['c', { id: 'c', type: 'codec', mimeType: 'audio/opus' }],
          ['out', { id: 'out', type: 'outbound-rtp', kind: 'audio', packetsSent: ${sent} }],
          ['rin', { id: 'rin', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.1 }],
        ]);
      })()`);
    // 2 % loss, 30 ms jitter, 100 ms round trip: good (MOS 4.2)
    await setStats(980, 20, 0.03, 1000);
    await page.locator('#quality[data-grade="good"]').waitFor();
    assert.equal(await page.locator('#quality-details').isVisible(), false, 'the figures stay behind the indicator');
    await page.click('#quality');
    const details = await page.locator('#quality-details').innerText();
    assert.match(details, /Packet loss\s+2\.0 %/);
    assert.match(details, /Jitter\s+30 ms/);
    assert.match(details, /Round trip\s+100 ms/);
    assert.match(details, /MOS estimate\s+4\.2/);
    assert.match(details, /audio in 980 packets, out 1000 packets \(audio\/opus\)/);
    assert.equal(await page.locator('#media').getAttribute('data-packets-received'), '980');
    // then 40 of the next 140 packets lost: poor, from the interval's loss, not the call's average
    await setStats(1080, 60, 0.03, 1100);
    await page.locator('#quality[data-grade="poor"]').waitFor();
    assert.match(await page.locator('#quality-details').innerText(), /Packet loss\s+28\.6 %/);

    // the customer hangs up
    await page.evaluate('window.fakeSip.current.remoteEnd()');
    await page.locator('#call').waitFor({ state: 'hidden' });
    await page.close();
  });
});

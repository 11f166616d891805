import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumOrSkip } from '../helpers/chromium';
import { signIn, useFakeSip } from '../helpers/fake-sip';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';

/**
 * Ringing and the desk's resilience (real headless Chromium, fake sip.js): a WebAudio ring tone while a call
 * is offered, a desktop notification only when the tab is in the background, the offer's countdown, keyboard
 * shortcuts, reconnecting by itself after the phone's WebSocket drops (and saying so), and a second tab for
 * the same agent refused before it touches the agent's state.
 */

/** what the page does with sound and notifications, observed: oscillators started/stopped, notifications shown/closed, a tab put in the background */
const OBSERVE = `
  window.__tones = [];
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    const o = create.call(this);
    const rec = { hz: 0, started: false, stopped: false };
    window.__tones.push(rec);
    const start = o.start.bind(o), stop = o.stop.bind(o);
    o.start = (t) => { rec.hz = o.frequency.value; rec.started = true; return start(t); };
    o.stop = (t) => { if (t === undefined) rec.stopped = true; return stop(t); };
    return o;
  };
  window.__hidden = false;
  Object.defineProperty(Document.prototype, 'hidden', { get: () => window.__hidden, configurable: true });
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, opts) { this.title = title; this.body = opts && opts.body; this.closed = false; window.__notes.push(this); }
    close() { this.closed = true; }
  };
`;

describe('agent page: ringing, shortcuts, reconnect, one tab (headless Chromium, fake sip.js)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let t: RunningApp;
  const { queue, agents } = queueWithAgents([
    { id: 'jo', password: 'jo-secret-1' },
    { id: 'kim', password: 'kim-secret-1' },
    { id: 'lou', password: 'lou-secret-1' },
  ]);

  before(async function () {
    browser = await chromiumOrSkip(this);
    t = await startApp({ softphone: { wsUrl: 'ws://127.0.0.1:65533', domain: 'cc.example' } }, { agents });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    queue.close();
  });

  const observedPage = async (ctx?: BrowserContext): Promise<Page> => {
    const page = await (ctx ?? (await browser!.newContext())).newPage();
    await page.addInitScript(OBSERVE);
    await useFakeSip(page);
    return page;
  };
  const ring = (page: Page, headers: Record<string, string>) => page.evaluate(`window.fakeSip.ring(${JSON.stringify(headers)}, 'cbsvc')`);
  const tones = (page: Page) => page.evaluate('window.__tones') as Promise<{ hz: number; started: boolean; stopped: boolean }[]>;
  const notes = (page: Page) => page.evaluate('window.__notes.map((n) => ({ title: n.title, body: n.body, closed: n.closed }))') as Promise<{ title: string; body: string; closed: boolean }[]>;

  it('rings with a WebAudio tone and the offer countdown; notifies only in the background; A / M / E / N / R on the keyboard', async () => {
    const page = await observedPage();
    await signIn(page, t.url, 'jo', 'jo-secret-1');
    await page.keyboard.press('r');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    assert.match(await page.locator('#shortcuts').innerText(), /A answer · E hang up · M mute · R ready · N not ready/);

    // the queue reserves jo for a caller: the offer lapses at the reservation's expiry
    queue.enqueue({ contactId: 'caller-1', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
    const r = (await queue.reserveAgentFor('caller-1', { timeoutMs: 1000 }))!;
    assert.equal(r.agent.agentId, 'jo');
    await page.locator('#state', { hasText: 'RESERVED' }).waitFor();
    await page.evaluate('window.__hidden = true');
    await ring(page, { 'X-Customer-Number': '+12025550177' });
    await page.locator('#call[data-ringing="true"]').waitFor();
    await page.locator('#ring-countdown', { hasText: /^Answer within 0:(2\d|30)$/ }).waitFor();
    const ringing = await tones(page);
    assert.deepEqual(ringing.map((o) => o.hz).sort(), [440, 480], 'the two tones of a ring');
    assert.ok(ringing.every((o) => o.started && !o.stopped));
    assert.deepEqual(await notes(page), [{ title: 'Incoming call', body: '+1 202 555 0177', closed: false }], 'a notification: the tab is in the background');

    await page.evaluate('window.__hidden = false');
    await page.keyboard.press('a');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor();
    await page.locator('#call[data-ringing="false"]').waitFor();
    assert.ok((await tones(page)).every((o) => o.stopped), 'the ring stops on answer');
    assert.equal((await notes(page))[0]?.closed, true, 'the notification goes with it');
    assert.equal(await page.locator('#ring-countdown').isVisible(), false);
    await page.keyboard.press('m');
    assert.equal(await page.locator('#mute').getAttribute('aria-pressed'), 'true');
    // typing in a field is not a shortcut
    await page.evaluate(`document.getElementById('wrapup-note').closest('section').hidden = false`);
    await page.focus('#wrapup-note');
    await page.keyboard.press('m');
    assert.equal(await page.locator('#mute').getAttribute('aria-pressed'), 'true');
    await page.evaluate(`document.getElementById('wrapup-note').blur(); document.getElementById('wrapup').hidden = true`);
    await page.keyboard.press('e');
    await page.locator('#call').waitFor({ state: 'hidden' });
    queue.release(r.reservationId);

    // a call offered while the tab is in view: no notification
    await ring(page, { 'X-Customer-Number': '+12025550178' });
    await page.locator('#call[data-ringing="true"]').waitFor();
    assert.equal((await notes(page)).length, 1);
    await page.keyboard.press('e');
    await page.locator('#call').waitFor({ state: 'hidden' });

    await page.keyboard.press('n');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    assert.equal(queue.getAgent('jo').state, 'NOT_READY');
    await page.keyboard.press('r');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    await page.context().close();
  });

  it("reconnects by itself when the phone's WebSocket drops, says so, and registers again", async () => {
    const page = await observedPage();
    await signIn(page, t.url, 'kim', 'kim-secret-1');
    await page.evaluate('window.fakeSip.failReconnects = 1; window.fakeSip.drop()');
    await page.locator('#notice', { hasText: 'Connection to the phone server lost: reconnecting by itself' }).waitFor();
    assert.equal(await page.locator('#sip').innerText(), 'reconnecting…');
    // the first try fails, the next one (after a longer pause) works
    await page.locator('#notice.ok', { hasText: 'Reconnected.' }).waitFor({ timeout: 15_000 });
    await page.locator('#sip', { hasText: /^registered$/ }).waitFor();
    assert.deepEqual(await page.evaluate('[window.fakeSip.reconnects, window.fakeSip.registrations]'), [2, 2]);
    await page.context().close();
  });

  it("says so when the page's event stream drops, and recovers by itself", async () => {
    const page = await observedPage();
    await signIn(page, t.url, 'kim', 'kim-secret-1');
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor();
    // every connection to the service cut (a proxy restart, a network change): EventSource retries after ~3 s
    t.app.http.server.closeAllConnections();
    await page.locator('#notice', { hasText: 'Connection to the service lost: reconnecting by itself' }).waitFor({ timeout: 15_000 });
    await page.locator('#notice.ok', { hasText: 'Reconnected.' }).waitFor({ timeout: 15_000 });
    // pushed again: a change made meanwhile reaches the page
    queue.setReady('kim');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    await page.context().close();
  });

  it("a second tab for the same agent is refused clearly, without touching the agent's state; free once the first closes", async () => {
    const ctx = await browser!.newContext();
    const first = await observedPage(ctx);
    await signIn(first, t.url, 'lou', 'lou-secret-1');
    await first.click('#ready');
    await first.locator('#state', { hasText: /^READY$/ }).waitFor();

    const second = await observedPage(ctx);
    await second.goto(`${t.url}/agent`);
    await second.fill('#agent-id', 'lou');
    await second.fill('#password', 'lou-secret-1');
    await second.click('#signin-form button');
    await second.locator('#signin[data-refused="another-tab"]').waitFor();
    assert.match(await second.locator('#error').innerText(), /Agent lou is already signed in in another tab of this browser/);
    assert.equal(await second.locator('#panel').isVisible(), false);
    assert.equal(queue.getAgent('lou').state, 'READY', 'the refused tab did not sign in again (which makes the agent NOT_READY)');

    await first.close();
    await second.click('#signin-form button');
    await second.locator('#sip', { hasText: /^registered$/ }).waitFor();
    assert.equal(await second.locator('#panel').isVisible(), true);
    await ctx.close();
  });
});

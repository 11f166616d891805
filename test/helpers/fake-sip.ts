import type { Page } from 'playwright-core';

/**
 * A stand-in for sip.js in the agent page, served at /vendor/sip.js/index.js, for browser tests that need
 * no SIP server: the same API the page uses (UserAgent with its delegate, Registerer, an Invitation's
 * stateChange / accept / reject / bye / invite, its SessionDescriptionHandler's peerConnection and
 * sendDtmf). The test drives it from `window.fakeSip`: `ring(headers, user)` offers a call, `current` is
 * the last one (`remoteEnd()`: the customer hangs up; `sessionDescriptionHandler.peerConnection.stats`: what
 * getStats() answers; `.mic.enabled`: whether the microphone sends), `drop()` / `failReconnects` for the
 * WebSocket. The real sip.js with drachtio-server and FreeSWITCH is the e2e suite's part
 * (agent-call.e2e.test.ts).
 */
export const FAKE_SIPJS = String.raw`
class Emitter {
  constructor() { this.listeners = []; }
  addListener(f) { this.listeners.push(f); }
  removeListener(f) { this.listeners = this.listeners.filter((x) => x !== f); }
  emit(v) { for (const f of [...this.listeners]) f(v); }
}
const fake = (window.fakeSip = { ua: null, registerer: null, current: null, registrations: 0, reconnects: 0, failReconnects: 0 });
export class UserAgent {
  static makeURI(s) { return { toString: () => s, user: s.replace(/^sips?:/, '').split('@')[0] }; }
  constructor(options) { this.options = options; this.delegate = options.delegate || {}; this.connected = false; fake.ua = this; }
  async start() { this.connected = true; }
  async stop() { this.connected = false; }
  isConnected() { return this.connected; }
  async reconnect() {
    fake.reconnects++;
    if (fake.failReconnects > 0) { fake.failReconnects--; throw new Error('WebSocket closed'); }
    this.connected = true;
    if (this.delegate.onConnect) this.delegate.onConnect();
  }
}
export class Registerer {
  constructor(ua) { this.ua = ua; this.stateChange = new Emitter(); fake.registerer = this; }
  async register() { fake.registrations++; this.stateChange.emit('Registered'); }
  async unregister() { this.stateChange.emit('Unregistered'); }
}
class FakePeerConnection {
  constructor() { this.mic = { kind: 'audio', enabled: true }; this.stats = new Map(); }
  getSenders() { return [{ track: this.mic }]; }
  getReceivers() { return []; }
  async getStats() { return this.stats; }
}
class Invitation {
  constructor(headers, user) {
    this.state = 'Initial';
    this.stateChange = new Emitter();
    this.request = { getHeader: (n) => headers[n] };
    this.remoteIdentity = { uri: { user } };
    this.dtmf = [];
    this.holds = [];
  }
  setState(s) { this.state = s; this.stateChange.emit(s); }
  async accept() {
    this.sessionDescriptionHandler = { peerConnection: new FakePeerConnection(), sendDtmf: (k) => { this.dtmf.push(k); return true; } };
    this.setState('Establishing');
    this.setState('Established');
  }
  async reject() { this.setState('Terminated'); }
  async bye() { this.setState('Terminated'); }
  async invite() { this.holds.push(this.sessionDescriptionHandlerOptionsReInvite && this.sessionDescriptionHandlerOptionsReInvite.hold); }
  remoteEnd() { this.setState('Terminated'); }
}
fake.ring = (headers, user) => {
  const inv = new Invitation(headers || {}, user || 'anonymous');
  fake.current = inv;
  fake.ua.delegate.onInvite(inv);
  return true;
};
fake.drop = () => {
  fake.ua.connected = false;
  if (fake.ua.delegate.onDisconnect) fake.ua.delegate.onDisconnect(new Error('WebSocket closed'));
};
`;

/** serve the fake sip.js to this page instead of the real one */
export async function useFakeSip(page: Page): Promise<void> {
  await page.route('**/vendor/sip.js/index.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: FAKE_SIPJS }));
}

/** sign in on the agent page and wait until its (fake) phone is registered */
export async function signIn(page: Page, url: string, id: string, password: string): Promise<void> {
  await page.goto(`${url}/agent`);
  await page.fill('#agent-id', id);
  await page.fill('#password', password);
  await page.click('#signin-form button');
  await page.locator('#sip', { hasText: /^registered$/ }).waitFor();
}

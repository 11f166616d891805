import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import pino from 'pino';
import type { App } from '../../src/app';
import { parseAppConfig } from '../../src/config/app-config';
import { composeApp } from '../../src/compose';
import type { E2eEnv } from '../e2e/env';
import { killLeftoverSipp, runSipp, type SippRun } from '../e2e/sipp';
import { CHROMIUM } from '../helpers/chromium';
import { webrtcEnvironment } from '../helpers/webrtc-env';
import { sleep, until } from '../helpers/until';
import { dtmfOn, eslApi } from '../helpers/esl';

/**
 * An agent answers a callback in the browser, through the real stack: the agent page in headless Chromium
 * (fake microphone) signs in, registers with sip.js over WebSocket through drachtio-server with the app's
 * registrar, goes READY; a callback started over REST dials a SIPp customer through drachtio-server, AMD
 * hears "hello" (HUMAN), the page rings with the callback's data, the test clicks Answer; WebRTC media
 * (ICE + DTLS-SRTP) runs between Chromium and FreeSWITCH, the customer's leg is plain RTP, FreeSWITCH
 * bridges them; audio is checked both ways (the page's WebRTC stats and FreeSWITCH's per-channel RTP
 * counters), the agent hangs up, and the callback is COMPLETED with CONNECTED_TO_AGENT.
 *
 * Needs the e2e environment (test/e2e/env.ts) plus SOFTPHONE_WS_URL (drachtio-server's ws:// or wss://
 * listener); without them it skips with one line. See docs/webrtc.md.
 */
const TRUNK_PORT = Number(process.env.AGENT_CALL_TRUNK_PORT ?? 5190);
const MEDIA_PORT = Number(process.env.AGENT_CALL_MEDIA_PORT ?? 17000);
const SERVICE = 'webrtc-immediate';
const KEY = 'webrtc-ivr-key-0001';
const AGENT = { id: 'carol', password: 'carol-webrtc-1' };
const RING_SEC = 10;
/** the DID live callers dial (the IVR queues them for the agent) and where the SIPp caller binds */
const DID = '18005550177';
const CALLER_PORT = Number(process.env.AGENT_CALL_CALLER_PORT ?? 5191);

/** the servers, or why this test cannot run */
const environment = webrtcEnvironment;

interface ChannelRtp {
  uuid: string;
  /** sofia/<profile>/<contact> */
  name: string;
  secure: string;
  inPackets: number;
  outPackets: number;
}
/** every channel on FreeSWITCH with its RTP counters (mod_commands' JSON mediaStats) */
async function channelsRtp(fsEnv: E2eEnv['freeswitch']): Promise<ChannelRtp[]> {
  const list = JSON.parse(await eslApi(fsEnv, 'show channels as json')) as { rows?: { uuid: string; name: string; secure?: string }[] };
  const out: ChannelRtp[] = [];
  for (const row of list.rows ?? []) {
    const raw = await eslApi(fsEnv, `json {"command":"mediaStats","data":{"uuid":"${row.uuid}"}}`);
    type Audio = { in_packet_count?: number; out_packet_count?: number };
    const stats = JSON.parse(raw) as { audio?: Audio; response?: { audio?: Audio } };
    const a = stats.response?.audio ?? stats.audio;
    if (!a) throw new Error(`mediaStats for ${row.uuid}: ${raw}`);
    out.push({ uuid: row.uuid, name: row.name, secure: row.secure ?? '', inPackets: Number(a.in_packet_count ?? 0), outPackets: Number(a.out_packet_count ?? 0) });
  }
  return out;
}

/** the page's WebRTC audio counters (public/agent.html writes them into #media every second) */
async function pageMedia(page: Page): Promise<{ received: number; sent: number; text: string }> {
  const m = page.locator('#media');
  return { received: Number(await m.getAttribute('data-packets-received')), sent: Number(await m.getAttribute('data-packets-sent')), text: (await m.textContent()) ?? '' };
}

function installPrompts(): string {
  const dir = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
  if (!fs.existsSync(path.join(dir, 'offer-callback.wav'))) execFileSync('bash', [path.resolve(__dirname, '../../scripts/install-prompts.sh'), dir], { stdio: 'ignore' });
  return dir;
}

describe('agent answers a callback in the browser (WebRTC through drachtio-server + FreeSWITCH)', function () {
  this.timeout(150_000);
  let env: E2eEnv;
  let wsUrl: string;
  let browser: Browser | undefined;
  let app: App | undefined;
  let url: string;
  let logDir: string;
  let customer: SippRun | undefined;

  before(async function () {
    this.timeout(60_000);
    const e = await environment();
    if (typeof e === 'string') {
      console.log(`      skipped: ${e} (see docs/webrtc.md)`);
      this.skip();
    }
    ({ env, wsUrl } = e as { env: E2eEnv; wsUrl: string });
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`      skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
      this.skip();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // a microphone without a person: Chromium's fake device (a beep) and no permission prompt
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      ],
    });
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-webrtc-'));
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(logDir, 'app.log'), sync: true }));
    const local = env.freeswitch.host === '127.0.0.1' || env.freeswitch.host === 'localhost';
    const config = parseAppConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { path: path.join(logDir, 'callbacks.db') },
        auth: { clients: [{ id: 'ivr', key: KEY }] },
        dialer: { kind: 'telephony' },
        softphone: { wsUrl, domain: 'callback.local' },
        services: [{ name: SERVICE, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
        targets: [{ name: 'billing' }],
        agents: [{ id: AGENT.id, name: 'Carol', targets: ['billing'], password: AGENT.password }],
        telephony: {
          retryMaxDelayMs: 1000,
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, ...(local ? { listenAddress: '127.0.0.1' } : {}) }],
          trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 10 },
          dids: { [DID]: { service: SERVICE, target: 'billing' } },
          prompts: { dir: installPrompts() },
          // this test is about the agent's leg: a customer AMD heard no speech from (seen once, on the first call
          // after FreeSWITCH started) is connected too, and the page shows what AMD said
          services: { [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup', noSpeech: 'connect', notSure: 'connect' } },
          connect: { mode: 'bridge', agentRingTimeoutSec: RING_SEC, maxAgentAttempts: 1, reserveTimeoutSec: 30 },
          audioFork: { host: '127.0.0.1', port: 0 },
        },
      },
      'webrtc-e2e',
    );
    app = await composeApp(config, logger, {});
    url = await app.listen();
    await until('drachtio-server and FreeSWITCH up', async () => {
      const h = (await (await fetch(`${url}/health`)).json()) as { dependencies?: Record<string, { state: string }> } & Record<string, unknown>;
      const text = JSON.stringify(h);
      return /"drachtio":\{"state":"up"/.test(text) && /"freeswitch":\{"state":"up"/.test(text) ? true : undefined;
    }, 20_000);
  });

  // a failed test's SIPp peers would keep their ports (and answer the next test's calls)
  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(async () => {
    customer?.kill();
    await browser?.close();
    await app?.close();
    if (logDir) console.log(`      (logs: ${logDir})`);
  });

  /** a fresh page: sign in, wait for the phone to register over the WebSocket, go READY */
  async function signedInPage(): Promise<Page> {
    // wss:// with a self-signed certificate for local runs (docs/webrtc.md) is accepted; ws:// needs nothing
    const page = await (await browser!.newContext({ ignoreHTTPSErrors: true })).newPage();
    page.on('console', (m) => fs.appendFileSync(path.join(logDir, 'page.log'), `${m.type()}: ${m.text()}\n`));
    await page.goto(`${url}/agent`);
    await page.fill('#agent-id', AGENT.id);
    await page.fill('#password', AGENT.password);
    await page.click('#signin-form button');
    await page.locator('#sip', { hasText: /^registered$/ }).waitFor({ timeout: 15_000 });
    await page.click('#ready');
    await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    return page;
  }

  /** the SIPp customer listening, then the callback requested over REST; its id */
  async function startCallback(number: string, userData: Record<string, string> = {}, scenario = 'agent-call-customer.xml'): Promise<string> {
    customer = runSipp(path.join(__dirname, scenario), { port: TRUNK_PORT, mediaPort: MEDIA_PORT, logDir, timeoutSec: 120 });
    await sleep(300);
    const started = await fetch(`${url}/genesys/1/service/callback/${SERVICE}`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ _customer_number: number, ...userData }),
    });
    const body = (await started.json()) as { _id: string };
    assert.equal(started.status, 200, JSON.stringify(body));
    return body._id;
  }

  const completed = (id: string) =>
    until('the callback to complete', async () => {
      const r = await fetch(`${url}/genesys/1/service/callback/${SERVICE}/${id}`, { headers: { 'x-api-key': KEY } });
      const j = (await r.json()) as { _callback_state?: string };
      return j._callback_state === 'COMPLETED' ? j : undefined;
    }, 20_000);
  const history = async (id: string): Promise<string> =>
    JSON.stringify(await (await fetch(`${url}/genesys/1/service/callback/${SERVICE}/${id}/history`, { headers: { 'x-api-key': KEY } })).json());

  it('signs in, registers over WebSocket, goes READY, rings with the callback, answers: audio both ways, keypad DTMF, holds and resumes, hangs up: COMPLETED / CONNECTED_TO_AGENT, seen on the supervisor page', async () => {
    const page = await signedInPage();
    // the supervisor watches (public/supervisor.html, server push)
    const supervisor = await page.context().newPage();
    await supervisor.goto(`${url}/supervisor`);
    await supervisor.fill('#key', KEY);
    await supervisor.click('#connect');
    await supervisor.waitForSelector('#live.on');
    // only this call's channels count (a FreeSWITCH shared with other runs may have others)
    const others = new Set((await channelsRtp(env.freeswitch)).map((c) => c.uuid));
    const id = await startCallback('+12025550188', { account: 'A-77' });

    // the page rings with the callback's data (from the INVITE's headers and the agent API)
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    const data = await page.locator('#call-data').innerText();
    assert.match(data, new RegExp(id));
    assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0188', 'the number as people write it');
    assert.match(data, /Detected\s+(HUMAN|NOTSURE|NO_SPEECH)/);
    assert.match(data, /A-77/);
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });

    // the supervisor sees the agent busy on it
    await supervisor.locator('.target[data-target="billing"] tr', { hasText: AGENT.id }).locator('td', { hasText: 'BUSY' }).waitFor({ timeout: 10_000 });

    // audio both ways: the browser receives the customer's "hello" and sends its fake microphone
    const first = await until('WebRTC audio in and out', async () => {
      const m = await pageMedia(page);
      return m.received > 50 && m.sent > 50 ? m : undefined;
    }, 15_000);
    const fsFirst = await channelsRtp(env.freeswitch);
    await sleep(2000);
    const second = await pageMedia(page);
    const fsSecond = await channelsRtp(env.freeswitch);
    console.log(`      page: ${second.text}`);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-call.png`, fullPage: true });
    assert.ok(second.received - first.received > 50, `browser received ${first.received} then ${second.received} packets`);
    assert.ok(second.sent - first.sent > 50, `browser sent ${first.sent} then ${second.sent} packets`);
    const grew = (c: ChannelRtp) => {
      const before = fsFirst.find((x) => x.uuid === c.uuid);
      return { uuid: c.uuid, name: c.name, secure: c.secure, in: c.inPackets - (before?.inPackets ?? 0), out: c.outPackets - (before?.outPackets ?? 0) };
    };
    const deltas = fsSecond.filter((c) => !others.has(c.uuid)).map(grew);
    console.log(`      FreeSWITCH channels (RTP packets in 2 s): ${JSON.stringify(deltas)}`);
    const agentLeg = deltas.find((c) => /dtls|srtp/i.test(c.secure));
    const customerLeg = deltas.find((c) => c !== agentLeg && c.in > 0);
    assert.ok(agentLeg, `a DTLS-SRTP channel for the agent: ${JSON.stringify(deltas)}`);
    assert.ok(customerLeg, `a plain RTP channel for the customer: ${JSON.stringify(deltas)}`);
    assert.equal(customerLeg.secure, '', 'the customer leg stays plain RTP');
    assert.ok(agentLeg.in > 50 && agentLeg.out > 50, `agent leg in/out: ${JSON.stringify(agentLeg)}`);
    assert.ok(customerLeg.in > 50 && customerLeg.out > 50, `customer leg in/out: ${JSON.stringify(customerLeg)}`);

    // the keypad: RFC 4733 events in the browser's RTP, which FreeSWITCH decodes on the agent's channel
    const dtmf = dtmfOn(env.freeswitch, agentLeg.uuid, 2, 10_000);
    await dtmf.ready;
    await page.locator('#keys button', { hasText: /^5$/ }).click();
    await sleep(400);
    await page.locator('#keys button', { hasText: /^#$/ }).click();
    assert.equal(await dtmf.digits, '5#');

    // hold from the page: the re-INVITE (a=sendonly) reaches FreeSWITCH, which stops sending to the browser
    const callstate = async () => ((JSON.parse(await eslApi(env.freeswitch, 'show channels as json')) as { rows?: { uuid: string; callstate: string }[] }).rows ?? []).find((r) => r.uuid === agentLeg.uuid)?.callstate;
    await page.click('#hold');
    await page.locator('#hold', { hasText: 'Resume' }).waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to see the agent leg HELD', async () => ((await callstate()) === 'HELD' ? true : undefined), 5000);
    await sleep(1000);
    const held1 = await pageMedia(page);
    const fsHeld1 = await channelsRtp(env.freeswitch);
    await sleep(2000);
    const held2 = await pageMedia(page);
    const fsHeld2 = await channelsRtp(env.freeswitch);
    console.log(`      on hold: browser received ${held2.received - held1.received} packets in 2 s`);
    assert.ok(held2.received - held1.received < 10, `audio to the browser while on hold: ${held1.received} -> ${held2.received}`);
    // the customer hears the hold music meanwhile (hold_music set by the app; FreeSWITCH's default needs mod_local_stream)
    const outToCustomer = (list: ChannelRtp[]) => list.find((c) => c.uuid === customerLeg.uuid)?.outPackets ?? 0;
    console.log(`      on hold: customer was sent ${outToCustomer(fsHeld2) - outToCustomer(fsHeld1)} packets in 2 s`);
    assert.ok(outToCustomer(fsHeld2) - outToCustomer(fsHeld1) > 50, 'the customer hears hold music while the agent holds');
    await page.click('#hold');
    await page.locator('#hold', { hasText: /^Hold$/ }).waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to see the agent leg ACTIVE', async () => ((await callstate()) === 'ACTIVE' ? true : undefined), 5000);
    await until('audio to the browser again after resume', async () => ((await pageMedia(page)).received - held2.received > 50 ? true : undefined), 10_000);

    await page.click('#hangup');
    await page.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    const done = await completed(id);
    assert.equal(done._callback_state, 'COMPLETED');
    assert.match(await history(id), /CONNECTED_TO_AGENT/);
    // ... and the callback completed, connected to an agent, on the supervisor page
    await supervisor.locator('#states .tile[data-name="COMPLETED"] b', { hasText: /^[1-9]/ }).waitFor({ timeout: 10_000 });
    await supervisor.locator('#reasons .tile[data-name="CONNECTED_TO_AGENT"] b', { hasText: /^[1-9]/ }).waitFor({ timeout: 10_000 });
    const cu = await customer!.done;
    customer = undefined;
    assert.equal(cu.code, 0, `customer sipp (expects the BYE): ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });

  it('the customer hangs up first: the app sends BYE to the browser over the WebSocket, the page ends the call, COMPLETED / CONNECTED_TO_AGENT', async () => {
    const page = await signedInPage();
    const id = await startCallback('+12025550187', {}, 'agent-call-customer-hangs-up.xml');
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await until('audio to the browser', async () => ((await pageMedia(page)).received > 50 ? true : undefined), 10_000);
    // the customer's BYE comes 15 s after its answer; the app then hangs up the agent's browser
    await page.locator('#call').waitFor({ state: 'hidden', timeout: 30_000 });
    const done = await completed(id);
    assert.equal(done._callback_state, 'COMPLETED');
    assert.match(await history(id), /CONNECTED_TO_AGENT/);
    const cu = await customer!.done;
    customer = undefined;
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });

  it('a live caller the IVR queued rings in the page with their number, is answered with audio both ways, and hung up by the agent', async () => {
    const page = await signedInPage();
    const caller = runSipp(path.join(__dirname, 'agent-call-caller.xml'), {
      port: CALLER_PORT, mediaPort: MEDIA_PORT + 10, target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550177'], logDir, timeoutSec: 120,
    });
    try {
      // greeting, EWT below the threshold (an agent is READY), queued, agent reserved: the page rings
      await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
      assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0177', 'the caller\'s number as people write it');
      assert.equal(await page.locator('#call-title').innerText(), 'Incoming call');
      await page.click('#answer');
      await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
      const first = await until('WebRTC audio in and out', async () => {
        const m = await pageMedia(page);
        return m.received > 50 && m.sent > 50 ? m : undefined;
      }, 15_000);
      await sleep(2000);
      const second = await pageMedia(page);
      // the caller's SIPp streams without pause (~100 packets in 2 s); the browser's fake microphone has silences (CN)
      assert.ok(second.received - first.received > 50 && second.sent - first.sent > 30, `${JSON.stringify(first)} -> ${JSON.stringify(second)}`);
      await page.click('#hangup');
      await page.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
      const r = await caller.done;
      assert.equal(r.code, 0, `caller sipp (expects the BYE): ${r.output.slice(-600)}\n${r.errors}`);
    } finally {
      caller.kill();
      await page.context().close();
    }
  });

  it('the agent lets it ring: the ring timeout CANCELs over the WebSocket, the page stops ringing, the agent goes NOT_READY, the attempt ends AGENT_UNAVAILABLE', async () => {
    const page = await signedInPage();
    const id = await startCallback('+12025550189');
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    const rangAt = Date.now();
    await page.locator('#call').waitFor({ state: 'hidden', timeout: (RING_SEC + 5) * 1000 });
    const rangSec = (Date.now() - rangAt) / 1000;
    assert.ok(rangSec > RING_SEC - 3, `stopped ringing after ${rangSec} s, before the ring timeout`);
    await until('the attempt to end AGENT_UNAVAILABLE', async () => (/AGENT_UNAVAILABLE/.test(await history(id)) ? true : undefined), 20_000);
    // not answering takes the agent out of rotation
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor({ timeout: 10_000 });
    // AGENT_UNAVAILABLE is retried later: cancel it so it is not dialed again
    await fetch(`${url}/genesys/1/service/callback/${SERVICE}/${id}`, { method: 'DELETE', headers: { 'x-api-key': KEY } });
    const cu = await customer!.done;
    customer = undefined;
    assert.equal(cu.code, 0, `customer sipp (expects the BYE): ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });
});

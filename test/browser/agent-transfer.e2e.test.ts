import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import pino from 'pino';
import type { App } from '../../src/app';
import { goertzelPower } from '../../src/amd/goertzel';
import { readAudioFile } from '../../src/amd/wav';
import { parseAppConfig } from '../../src/config/app-config';
import { composeApp } from '../../src/compose';
import type { E2eEnv } from '../e2e/env';
import { killLeftoverSipp, runSipp, type SippRun } from '../e2e/sipp';
import { CHROMIUM } from '../helpers/chromium';
import { webrtcEnvironment } from '../helpers/webrtc-env';
import { eslApi } from '../helpers/esl';
import { sleep, until } from '../helpers/until';
import { rawMicrophone } from '../helpers/raw-microphone';

/**
 * Mute and transfer through the real stack, two agents' pages in headless Chromium (drachtio-server,
 * FreeSWITCH, a SIPp customer saying "hello"). Carol's fake microphone is a 1777 Hz tone; FreeSWITCH
 * records what it sends to each channel (uuid_record, RECORD_WRITE_ONLY) and the test measures the tone's
 * share (Goertzel) and the energy of each recording:
 * - mute: Carol's tone reaches the customer, muted it does not, unmuted again it does;
 * - consult: the customer on hold (no tone), Dave hears Carol; complete: Carol leaves, FreeSWITCH bridges
 *   Dave to the customer (bridge_to) and Dave hears the customer (energy, no tone);
 * - blind: Dave hands the call back to Carol, whose page rings "Transferred by dave" and hears the customer;
 *   the callback is COMPLETED with the two transfers in its history.
 *
 * Needs the e2e environment plus SOFTPHONE_WS_URL, FreeSWITCH on this machine and Chromium; without them it
 * skips with one line. See docs/webrtc.md.
 */
const TRUNK_PORT = Number(process.env.AGENT_TRANSFER_TRUNK_PORT ?? 5192);
const MEDIA_PORT = Number(process.env.AGENT_TRANSFER_MEDIA_PORT ?? 17020);
const SERVICE = 'transfer-immediate';
const KEY = 'transfer-e2e-admin-0001';
const CAROL = { id: 'carol', password: 'carol-webrtc-1' };
const DAVE = { id: 'dave', password: 'dave-webrtc-1' };
const TONE_HZ = 1777;

async function environment(): Promise<{ env: E2eEnv; wsUrl: string } | string> {
  const e = await webrtcEnvironment();
  if (typeof e === 'string') return e;
  if (e.env.freeswitch.host !== '127.0.0.1' && e.env.freeswitch.host !== 'localhost') return 'FreeSWITCH is not on this machine (the test reads its recordings)';
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  return e;
}

interface Channel {
  uuid: string;
  secure: string;
}
async function channels(fsEnv: E2eEnv['freeswitch']): Promise<Channel[]> {
  const list = JSON.parse(await eslApi(fsEnv, 'show channels as json')) as { rows?: { uuid: string; secure?: string }[] };
  return (list.rows ?? []).map((r) => ({ uuid: r.uuid, secure: r.secure ?? '' }));
}

function toneWav(file: string, hz: number, seconds: number): void {
  const rate = 48_000;
  const n = rate * seconds;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  fs.writeFileSync(file, buf);
}

/** the tone's share of a recording's energy (mean over 20 ms frames), and its RMS level (full scale 1) */
function measure(file: string): { tone: number; rms: number } {
  const a = readAudioFile(file);
  const n = Math.round(a.sampleRate / 50);
  let sum = 0;
  let frames = 0;
  let all = 0;
  for (let start = 0; start + n <= a.samples.length; start += n) {
    let sq = 0;
    for (let i = start; i < start + n; i++) sq += a.samples[i]! * a.samples[i]!;
    all += sq;
    if (sq === 0) continue;
    sum += Math.min(1, (2 * goertzelPower(a.samples, start, n, TONE_HZ, a.sampleRate)) / (n * sq));
    frames++;
  }
  return { tone: frames ? sum / frames : 0, rms: Math.sqrt(all / Math.max(1, a.samples.length)) };
}

function installPrompts(): string {
  const dir = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
  if (!fs.existsSync(path.join(dir, 'offer-callback.wav'))) execFileSync('bash', [path.resolve(__dirname, '../../scripts/install-prompts.sh'), dir], { stdio: 'ignore' });
  return dir;
}

const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

describe('agents mute and transfer calls in the browser (through drachtio-server + FreeSWITCH)', function () {
  this.timeout(240_000);
  let env: E2eEnv;
  let wsUrl: string;
  let carolBrowser: Browser | undefined;
  let daveBrowser: Browser | undefined;
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
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-transfer-'));
    const tone = path.join(logDir, 'tone.wav');
    toneWav(tone, TONE_HZ, 120);
    carolBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...BROWSER_ARGS, `--use-file-for-fake-audio-capture=${tone}`] });
    daveBrowser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(logDir, 'app.log'), sync: true }));
    const config = parseAppConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { path: path.join(logDir, 'callbacks.db') },
        auth: { clients: [{ id: 'admin', key: KEY, admin: true }] },
        dialer: { kind: 'telephony' },
        softphone: { wsUrl, domain: 'callback.local' },
        services: [{ name: SERVICE, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
        targets: [{ name: 'billing' }],
        agents: [
          { id: CAROL.id, name: 'Carol', targets: ['billing'], password: CAROL.password },
          { id: DAVE.id, name: 'Dave', targets: ['billing'], password: DAVE.password },
        ],
        telephony: {
          retryMaxDelayMs: 1000,
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, listenAddress: '127.0.0.1' }],
          trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 10 },
          prompts: { dir: installPrompts() },
          services: { [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup', noSpeech: 'connect', notSure: 'connect' } },
          connect: { mode: 'bridge', agentRingTimeoutSec: 20, maxAgentAttempts: 1, reserveTimeoutSec: 30 },
          audioFork: { host: '127.0.0.1', port: 0 },
        },
      },
      'transfer-e2e',
    );
    app = await composeApp(config, logger, {});
    url = await app.listen();
    await until('drachtio-server and FreeSWITCH up', async () => {
      const text = JSON.stringify(await (await fetch(`${url}/health`)).json());
      return /"drachtio":\{"state":"up"/.test(text) && /"freeswitch":\{"state":"up"/.test(text) ? true : undefined;
    }, 20_000);
  });

  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(async () => {
    customer?.kill();
    await carolBrowser?.close();
    await daveBrowser?.close();
    await app?.close();
    if (logDir) console.log(`      (logs: ${logDir})`);
  });

  async function signedIn(browser: Browser, agent: { id: string; password: string }, ready: boolean): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    // the test's "voice" is a steady tone, which the browser's noise suppression would fade out
    await rawMicrophone(context);
    const page = await context.newPage();
    page.on('console', (m) => fs.appendFileSync(path.join(logDir, `page-${agent.id}.log`), `${m.type()}: ${m.text()}\n`));
    await page.goto(`${url}/agent`);
    await page.fill('#agent-id', agent.id);
    await page.fill('#password', agent.password);
    await page.click('#signin-form button');
    await page.locator('#sip', { hasText: /^registered$/ }).waitFor({ timeout: 15_000 });
    if (ready) {
      await page.click('#ready');
      await page.locator('#state', { hasText: /^READY$/ }).waitFor();
    }
    return page;
  }

  /** FreeSWITCH records 3 s of what it sends to each channel; the tone's share and the level of each */
  async function record(phase: string, legs: Record<string, string>): Promise<Record<string, { tone: number; rms: number }>> {
    const files: Record<string, string> = {};
    for (const [who, uuid] of Object.entries(legs)) {
      files[who] = path.join(logDir, `${phase}-${who}.wav`);
      await eslApi(env.freeswitch, `uuid_setvar ${uuid} RECORD_WRITE_ONLY true`);
      await eslApi(env.freeswitch, `uuid_record ${uuid} start ${files[who]}`);
    }
    await sleep(3000);
    for (const [who, uuid] of Object.entries(legs)) await eslApi(env.freeswitch, `uuid_record ${uuid} stop ${files[who]}`);
    await sleep(300);
    const out: Record<string, { tone: number; rms: number }> = {};
    for (const [who, file] of Object.entries(files)) out[who] = measure(file);
    console.log(`        ${phase.padEnd(16)} ${Object.entries(out).map(([who, m]) => `to ${who}: tone ${m.tone.toFixed(3)}, rms ${m.rms.toFixed(4)}`).join('; ')}`);
    return out;
  }
  const bridgedTo = async (uuid: string) => (await eslApi(env.freeswitch, `uuid_getvar ${uuid} bridge_to`)).trim();
  const received = async (page: Page) => Number(await page.locator('#media').getAttribute('data-packets-received'));

  it('mute: no audio from the agent reaches the customer; consult then complete: the second agent hears the customer; blind back to the first: recorded in the history', async () => {
    const carol = await signedIn(carolBrowser!, CAROL, true);
    const dave = await signedIn(daveBrowser!, DAVE, false);
    const others = new Set((await channels(env.freeswitch)).map((c) => c.uuid));
    customer = runSipp(path.join(__dirname, 'agent-call-customer.xml'), { port: TRUNK_PORT, mediaPort: MEDIA_PORT, logDir, timeoutSec: 200 });
    await sleep(300);
    const started = await fetch(`${url}/genesys/1/service/callback/${SERVICE}`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ _customer_number: '+12025550185' }) });
    const cb = (await started.json()) as { _id: string };
    assert.equal(started.status, 200, JSON.stringify(cb));
    await carol.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await carol.click('#answer');
    await carol.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await sleep(1500);
    const first = (await channels(env.freeswitch)).filter((c) => !others.has(c.uuid));
    const carolLeg = first.find((c) => /dtls|srtp/i.test(c.secure))?.uuid;
    const customerLeg = first.find((c) => c.secure === '')?.uuid;
    assert.ok(carolLeg && customerLeg, `carol's and the customer's channels: ${JSON.stringify(first)}`);

    console.log(`      share of Carol's ${TONE_HZ} Hz tone, and the level, in what FreeSWITCH sends:`);
    // 1. mute: Carol's voice (the tone) reaches the customer, then not while muted, then again
    const talking = await record('talking', { customer: customerLeg });
    await carol.click('#mute');
    await carol.locator('#mute[aria-pressed="true"]').waitFor();
    await sleep(500);
    const muted = await record('muted', { customer: customerLeg });
    await carol.click('#mute');
    await carol.locator('#mute[aria-pressed="false"]').waitFor();
    await sleep(500);
    const unmuted = await record('unmuted', { customer: customerLeg });

    // 2. consult Dave: the customer on hold, Dave hears Carol
    await dave.click('#ready');
    await dave.locator('#state', { hasText: /^READY$/ }).waitFor();
    await carol.click('#transfer-open');
    await carol.locator('#transfer-to option[value="agent:dave"]:not([disabled])').waitFor({ state: 'attached', timeout: 10_000 });
    await carol.selectOption('#transfer-to', 'agent:dave');
    await carol.click('#transfer-consult');
    await dave.locator('#call:not([hidden])').waitFor({ timeout: 20_000 });
    assert.equal(await dave.locator('#call-from').innerText(), 'Consultation from carol');
    await dave.click('#answer');
    await carol.locator('#consult-status', { hasText: 'Talking to dave' }).waitFor({ timeout: 20_000 });
    await sleep(1000);
    const daveLeg = (await channels(env.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== carolLeg && /dtls|srtp/i.test(c.secure))?.uuid;
    assert.ok(daveLeg, "dave's WebRTC channel");
    assert.equal(await bridgedTo(daveLeg), carolLeg, 'FreeSWITCH bridges Dave with Carol');
    const consulting = await record('consulting', { customer: customerLeg, dave: daveLeg });
    if (process.env.SCREENSHOTS) await carol.screenshot({ path: `${process.env.SCREENSHOTS}/agent-consult.png`, fullPage: true });

    // 3. complete: Carol leaves (into wrap-up), Dave talks to the customer
    await carol.click('#transfer-complete');
    await carol.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    await carol.locator('#wrapup:not([hidden])').waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to bridge Dave to the customer', async () => ((await bridgedTo(daveLeg)) === customerLeg ? true : undefined), 10_000);
    const daveBefore = await received(dave);
    const completed = await record('completed', { dave: daveLeg });
    assert.ok((await received(dave)) - daveBefore > 100, "the customer's audio reaches Dave's browser");
    assert.equal(await dave.locator('#call-title').innerText(), 'On call');

    // 4. blind back to Carol (READY again): her page rings with who handed it over, and she hears the customer
    await carol.click('#ready');
    await carol.locator('#state', { hasText: /^READY$/ }).waitFor();
    await dave.click('#transfer-open');
    await dave.locator('#transfer-to option[value="agent:carol"]:not([disabled])').waitFor({ state: 'attached', timeout: 10_000 });
    await dave.selectOption('#transfer-to', 'agent:carol');
    await dave.click('#transfer-blind');
    await dave.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    await carol.locator('#call:not([hidden])').waitFor({ timeout: 20_000 });
    assert.equal(await carol.locator('#call-from').innerText(), 'Transferred by dave');
    await carol.click('#answer');
    await carol.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await until("the customer's audio in Carol's browser", async () => ((await received(carol)) > 100 ? true : undefined), 10_000);
    const carolAgain = (await channels(env.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== carolLeg && c.uuid !== daveLeg && /dtls|srtp/i.test(c.secure))?.uuid;
    assert.ok(carolAgain, "carol's new WebRTC channel");
    assert.equal(await bridgedTo(carolAgain), customerLeg);
    await carol.click('#hangup');
    await carol.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });

    // the attempt ends (and its events are written) once both legs are down, just after the page's hang-up
    await until('the callback to complete', async () => {
      const r = (await (await fetch(`${url}/genesys/1/service/callback/${SERVICE}/${cb._id}`, { headers: { 'x-api-key': KEY } })).json()) as { _callback_state?: string };
      return r._callback_state === 'COMPLETED' ? true : undefined;
    }, 20_000);
    const history = (await (await fetch(`${url}/genesys/1/service/callback/${SERVICE}/${cb._id}/history`, { headers: { 'x-api-key': KEY } })).json()) as Record<string, unknown>;
    const text = JSON.stringify(history);
    const cu = await customer!.done;
    customer = undefined;

    const heard = (x: { tone: number }) => x.tone > 0.2;
    assert.ok(heard(talking.customer!), `the customer hears Carol: ${JSON.stringify(talking)}`);
    assert.ok(!heard(muted.customer!) , `muted: no tone reaches the customer: ${JSON.stringify(muted)}`);
    assert.ok(muted.customer!.tone < 0.05, `muted: ${JSON.stringify(muted)}`);
    assert.ok(heard(unmuted.customer!), `unmuted: the customer hears Carol again: ${JSON.stringify(unmuted)}`);
    assert.ok(!heard(consulting.customer!), `during the consultation the customer does not hear Carol: ${JSON.stringify(consulting)}`);
    assert.ok(consulting.customer!.rms > 100, `the customer hears hold music: ${JSON.stringify(consulting)}`);
    assert.ok(heard(consulting.dave!), `Dave hears Carol while they consult: ${JSON.stringify(consulting)}`);
    assert.ok(!heard(completed.dave!) && completed.dave!.rms > 100, `after completing Dave hears the customer (speech, not Carol's tone): ${JSON.stringify(completed)}`);
    assert.match(text, /"mode":"consult","fromAgentId":"carol","to":\{"agentId":"dave"\},"toAgentId":"dave","result":"completed"/);
    assert.match(text, /"mode":"blind","fromAgentId":"dave","to":\{"agentId":"carol"\},"toAgentId":"carol","result":"handed-over"/);
    assert.match(text, /CONNECTED_TO_AGENT/);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
  });
});

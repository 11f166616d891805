import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import pino from 'pino';
import type { App } from '../../src/app';
import { goertzelPower } from '../../src/amd/goertzel';
import { readAudioFile } from '../../src/amd/wav';
import { parseAppConfig } from '../../src/config/app-config';
import { composeApp } from '../../src/compose';
import { installPrompts } from '../e2e/app-process';
import { tone, wavPcm16 } from '../unit/amd/fixtures';
import type { E2eEnv } from '../e2e/env';
import { killLeftoverSipp, runSipp, type SippRun } from '../e2e/sipp';
import { FAKE_MEDIA_ARGS, launchChromium } from '../helpers/chromium';
import { eslApi } from '../helpers/esl';
import { rawMicrophone } from '../helpers/raw-microphone';
import { sleep, until } from '../helpers/until';
import { isLocal, webrtcEnvironment } from '../helpers/webrtc-env';

/**
 * The browser end-to-end tests' stack: the app (composeApp, SQLite in a temp directory) on drachtio-server and
 * FreeSWITCH, with agents signing in to the agent page in headless Chromium (fake microphone) and phoning over
 * sip.js/WebSocket, customers played by SIPp on the trunk. One service, one target (billing); each test file
 * says what differs (agents, supervisors, browsers, ports, ring timeout).
 */

export interface Person {
  id: string;
  name: string;
  password: string;
}

export interface WebrtcStackOptions {
  /** names the log directory (cbsvc-<name>-...) and the config (<name>-e2e) */
  name: string;
  /** the REST client's id and key; `admin` for the admin routes */
  client: { id: string; key: string; admin?: boolean };
  /** the one service (user-terminated-immediate, target billing) */
  service: string;
  agents: Person[];
  /** the browsers to launch, by name; `toneHz` makes that one's fake microphone a steady tone (not the beep) */
  browsers: Record<string, { toneHz?: number }>;
  /** where the SIPp customer listens (the trunk) and its RTP port */
  trunkPort: number;
  mediaPort: number;
  agentRingTimeoutSec: number;
  /** DIDs live callers dial, to the service */
  dids?: string[];
  /** added to the app's config (e.g. supervision) */
  app?: Record<string, unknown>;
  /** the test reads FreeSWITCH's recordings: FreeSWITCH must be on this machine */
  localFreeswitch?: boolean;
}

/** a channel on FreeSWITCH (`show channels`) */
export interface Channel {
  uuid: string;
  /** sofia/<profile>/<contact> */
  name: string;
  secure: string;
  callstate: string;
}

export interface ChannelRtp extends Channel {
  inPackets: number;
  outPackets: number;
}

/** every channel on FreeSWITCH */
export async function channels(fsEnv: E2eEnv['freeswitch']): Promise<Channel[]> {
  const list = JSON.parse(await eslApi(fsEnv, 'show channels as json')) as { rows?: { uuid: string; name: string; secure?: string; callstate: string }[] };
  return (list.rows ?? []).map((r) => ({ uuid: r.uuid, name: r.name, secure: r.secure ?? '', callstate: r.callstate }));
}

/** every channel on FreeSWITCH with its RTP counters (mod_commands' JSON mediaStats) */
export async function channelsRtp(fsEnv: E2eEnv['freeswitch']): Promise<ChannelRtp[]> {
  const out: ChannelRtp[] = [];
  for (const c of await channels(fsEnv)) {
    const raw = await eslApi(fsEnv, `json {"command":"mediaStats","data":{"uuid":"${c.uuid}"}}`);
    type Audio = { in_packet_count?: number; out_packet_count?: number };
    const stats = JSON.parse(raw) as { audio?: Audio; response?: { audio?: Audio } };
    const a = stats.response?.audio ?? stats.audio;
    if (!a) throw new Error(`mediaStats for ${c.uuid}: ${raw}`);
    out.push({ ...c, inPackets: Number(a.in_packet_count ?? 0), outPackets: Number(a.out_packet_count ?? 0) });
  }
  return out;
}

/** a WebRTC channel (the browser's leg: DTLS-SRTP) */
export const isWebrtc = (c: { secure: string }): boolean => /dtls|srtp/i.test(c.secure);

/** the page's WebRTC audio counters (public/agent.html writes them into #media every second) */
export async function pageMedia(page: Page): Promise<{ received: number; sent: number; text: string }> {
  const m = page.locator('#media');
  return { received: Number(await m.getAttribute('data-packets-received')), sent: Number(await m.getAttribute('data-packets-sent')), text: (await m.textContent()) ?? '' };
}

/** the page's console, appended to `file` */
export function logConsole(page: Page, file: string): void {
  page.on('console', (m) => fs.appendFileSync(file, `${m.type()}: ${m.text()}\n`));
}

/** a 48 kHz 16-bit mono WAV of a steady tone: a browser's "voice" (Chromium's --use-file-for-fake-audio-capture) */
export function toneWav(file: string, hz: number, seconds: number): void {
  const rate = 48_000;
  fs.writeFileSync(file, wavPcm16(tone(hz, seconds * 1000, 12_000, rate), rate));
}

export interface ToneMeasure {
  /** the tone's share of the energy: mean over 20 ms frames of 2|X(f)|²/(n Σx²) */
  tone: number;
  /** the RMS level (full scale 1) */
  rms: number;
}

/** the tone's share of a recording's energy, and its level */
export function measureTone(file: string, hz: number): ToneMeasure {
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
    sum += Math.min(1, (2 * goertzelPower(a.samples, start, n, hz, a.sampleRate)) / (n * sq));
    frames++;
  }
  return { tone: frames ? sum / frames : 0, rms: Math.sqrt(all / Math.max(1, a.samples.length)) };
}

/** the stack of one suite: filled in by its `before` hook (see useWebrtcStack) */
export class WebrtcStack {
  env!: E2eEnv;
  wsUrl!: string;
  app?: App;
  url!: string;
  logDir!: string;
  readonly browsers: Record<string, Browser> = {};
  /** the SIPp customer of the running test (ended after the suite if a test left it) */
  customer?: SippRun;

  constructor(readonly o: WebrtcStackOptions) {}

  get key(): string {
    return this.o.client.key;
  }

  get freeswitch(): E2eEnv['freeswitch'] {
    return this.env.freeswitch;
  }

  async start(env: E2eEnv, wsUrl: string): Promise<void> {
    this.env = env;
    this.wsUrl = wsUrl;
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), `cbsvc-${this.o.name}-`));
    // FreeSWITCH records into it (when it runs as another user)
    fs.chmodSync(this.logDir, 0o777);
    for (const [name, b] of Object.entries(this.o.browsers)) this.browsers[name] = await this.launchBrowser(name, b.toneHz);
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(this.logDir, 'app.log'), sync: true }));
    this.app = await composeApp(this.config(), logger, {});
    this.url = await this.app.listen();
    await until('drachtio-server and FreeSWITCH up', async () => {
      const text = JSON.stringify(await (await fetch(`${this.url}/health`)).json());
      return /"drachtio":\{"state":"up"/.test(text) && /"freeswitch":\{"state":"up"/.test(text) ? true : undefined;
    }, 20_000);
  }

  async close(): Promise<void> {
    this.customer?.kill();
    for (const b of Object.values(this.browsers)) await b.close();
    await this.app?.close();
    if (this.logDir) console.log(`      (logs: ${this.logDir})`);
  }

  /** Chromium with a fake microphone: its beep, or a steady tone at `toneHz` */
  private async launchBrowser(name: string, toneHz?: number): Promise<Browser> {
    const args = [...FAKE_MEDIA_ARGS];
    if (toneHz) {
      const tone = path.join(this.logDir, `${name}-tone.wav`);
      toneWav(tone, toneHz, 120);
      args.push(`--use-file-for-fake-audio-capture=${tone}`);
    }
    const browser = await launchChromium(args);
    if (!browser) throw new Error('no Chromium');
    return browser;
  }

  private config() {
    const { o, env } = this;
    return parseAppConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { path: path.join(this.logDir, 'callbacks.db') },
        auth: { clients: [{ id: o.client.id, key: o.client.key, ...(o.client.admin ? { admin: true } : {}) }] },
        dialer: { kind: 'telephony' },
        softphone: { wsUrl: this.wsUrl, domain: 'callback.local' },
        ...o.app,
        services: [{ name: o.service, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
        targets: [{ name: 'billing' }],
        agents: o.agents.map((a) => ({ id: a.id, name: a.name, targets: ['billing'], password: a.password })),
        telephony: {
          retryMaxDelayMs: 1000,
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, ...(isLocal(env.freeswitch.host) ? { listenAddress: '127.0.0.1' } : {}) }],
          trunk: { uriTemplate: `sip:{number}@127.0.0.1:${o.trunkPort}`, ringTimeoutSec: 10 },
          ...(o.dids ? { dids: Object.fromEntries(o.dids.map((d) => [d, { service: o.service, target: 'billing' }])) } : {}),
          prompts: { dir: installPrompts() },
          // these tests are about the agents' legs: a customer AMD heard no speech from (seen once, on the first
          // call after FreeSWITCH started) is connected too, and the page shows what AMD said
          services: { [o.service]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup', noSpeech: 'connect', notSure: 'connect' } },
          connect: { mode: 'bridge', agentRingTimeoutSec: o.agentRingTimeoutSec, maxAgentAttempts: 1, reserveTimeoutSec: 30 },
          audioFork: { host: '127.0.0.1', port: 0 },
        },
      },
      `${o.name}-e2e`,
    );
  }

  /**
   * A fresh page in `browser`: the agent signs in, the phone registers over the WebSocket, and (unless `ready`
   * is false) the agent goes READY. `rawMicrophone`: without the browser's voice processing (a tone as voice).
   */
  async signIn(browser: string, agent: Person, o: { ready?: boolean; rawMicrophone?: boolean } = {}): Promise<Page> {
    // wss:// with a self-signed certificate for local runs (docs/webrtc.md) is accepted; ws:// needs nothing
    const context = await this.browsers[browser]!.newContext({ ignoreHTTPSErrors: true });
    if (o.rawMicrophone) await rawMicrophone(context);
    const page = await context.newPage();
    logConsole(page, path.join(this.logDir, `page-${agent.id}.log`));
    await page.goto(`${this.url}/agent`);
    await page.fill('#agent-id', agent.id);
    await page.fill('#password', agent.password);
    await page.click('#signin-form button');
    await page.locator('#sip', { hasText: /^registered$/ }).waitFor({ timeout: 15_000 });
    if (o.ready ?? true) await goReady(page);
    return page;
  }

  /** the supervisor page, connected with the client's key (server push) */
  async openSupervisor(page: Page): Promise<void> {
    await page.goto(`${this.url}/supervisor`);
    await page.fill('#key', this.key);
    await page.click('#connect');
  }

  /** the SIPp customer listening on the trunk (scenario from test/browser/), then the callback requested over REST; its id */
  async startCallback(number: string, o: { userData?: Record<string, string>; scenario?: string; timeoutSec?: number } = {}): Promise<string> {
    this.customer = runSipp(path.join(__dirname, o.scenario ?? 'agent-call-customer.xml'), { port: this.o.trunkPort, mediaPort: this.o.mediaPort, logDir: this.logDir, timeoutSec: o.timeoutSec ?? 120 });
    await sleep(300);
    const started = await fetch(`${this.url}/genesys/1/service/callback/${this.o.service}`, {
      method: 'POST',
      headers: { 'x-api-key': this.key, 'content-type': 'application/json' },
      body: JSON.stringify({ _customer_number: number, ...o.userData }),
    });
    const text = await started.text();
    assert.equal(started.status, 200, text);
    return (JSON.parse(text) as { _id: string })._id;
  }

  /** the customer's SIPp run, once it ends (exit code 0: every message as its scenario says) */
  async customerDone(): Promise<{ code: number | null; output: string; errors: string }> {
    const done = await this.customer!.done;
    this.customer = undefined;
    return done;
  }

  /** the callback, once COMPLETED */
  completed(id: string): Promise<{ _callback_state?: string }> {
    return until('the callback to complete', async () => {
      const r = await fetch(`${this.url}/genesys/1/service/callback/${this.o.service}/${id}`, { headers: { 'x-api-key': this.key } });
      const j = (await r.json()) as { _callback_state?: string };
      return j._callback_state === 'COMPLETED' ? j : undefined;
    }, 20_000);
  }

  /** the callback's history, as JSON text */
  async history(id: string): Promise<string> {
    return JSON.stringify(await (await fetch(`${this.url}/genesys/1/service/callback/${this.o.service}/${id}/history`, { headers: { 'x-api-key': this.key } })).json());
  }

  /** FreeSWITCH records 3 s of what it sends to each channel (`legs`: who -> uuid); the tone's share and the level of each */
  async recordSent(phase: string, legs: Record<string, string>, toneHz: number): Promise<Record<string, ToneMeasure>> {
    const files: Record<string, string> = {};
    for (const [who, uuid] of Object.entries(legs)) {
      files[who] = path.join(this.logDir, `${phase}-${who}.wav`);
      await eslApi(this.freeswitch, `uuid_setvar ${uuid} RECORD_WRITE_ONLY true`);
      await eslApi(this.freeswitch, `uuid_record ${uuid} start ${files[who]}`);
    }
    await sleep(3000);
    for (const [who, uuid] of Object.entries(legs)) await eslApi(this.freeswitch, `uuid_record ${uuid} stop ${files[who]}`);
    await sleep(300);
    const out: Record<string, ToneMeasure> = {};
    for (const [who, file] of Object.entries(files)) out[who] = measureTone(file, toneHz);
    return out;
  }
}

/** the agent goes READY on its page */
export async function goReady(page: Page): Promise<void> {
  await page.click('#ready');
  await page.locator('#state', { hasText: /^READY$/ }).waitFor();
}

/**
 * The stack for the calling describe(): started in its `before` (the suite skipped with one line when the servers,
 * SIPp or Chromium are missing), SIPp peers a test left running ended after each test, all closed after the suite.
 */
export function useWebrtcStack(o: WebrtcStackOptions): WebrtcStack {
  const stack = new WebrtcStack(o);
  before(async function () {
    this.timeout(60_000);
    const e = await webrtcEnvironment({ localFreeswitch: o.localFreeswitch });
    if (typeof e === 'string') {
      console.log(`      skipped: ${e} (see docs/webrtc.md)`);
      this.skip();
    }
    const { env, wsUrl } = e as { env: E2eEnv; wsUrl: string };
    await stack.start(env, wsUrl);
  });
  // a failed test's SIPp peers would keep their ports (and answer the next test's calls)
  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(() => stack.close());
  return stack;
}

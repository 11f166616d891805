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
 * A supervisor listens in, whispers to the agent and barges in, through the real stack: the agent page
 * (Chromium, its fake microphone) answers a callback from a SIPp customer; the supervisor page, in a second
 * Chromium whose fake microphone is a 1777 Hz tone, signs its phone in (sip.js over drachtio-server's
 * WebSocket, the app's registrar) and clicks Listen, Whisper, Barge on the agent's row. The app rings the
 * supervisor's browser (WebRTC on FreeSWITCH) into `eavesdrop` on the agent's channel. In each mode
 * FreeSWITCH records what it sends to the customer and to the agent (uuid_record, RECORD_WRITE_ONLY), and
 * the test looks for the supervisor's tone in each recording (Goertzel): listen — in neither, whisper — the
 * agent's only, barge — both. FreeSWITCH's RTP counters show audio going to the supervisor.
 *
 * Needs what agent-call.e2e.test.ts needs (test/e2e/env.ts, SOFTPHONE_WS_URL, sipp, Chromium) and
 * FreeSWITCH writing to this machine's temp directory (it records there); otherwise it skips with one line.
 */
const TRUNK_PORT = Number(process.env.SUPERVISOR_CALL_TRUNK_PORT ?? 5192);
const MEDIA_PORT = Number(process.env.SUPERVISOR_CALL_MEDIA_PORT ?? 17020);
const SERVICE = 'supervised-immediate';
const KEY = 'supervisor-e2e-admin-0001';
const AGENT = { id: 'carol', password: 'carol-webrtc-1' };
const SUPERVISOR = { id: 'sam', password: 'sam-webrtc-1' };
const TONE_HZ = 1777;

/** the servers, or why this test cannot run (it also reads FreeSWITCH's recordings and runs Chromium) */
async function environment(): Promise<{ env: E2eEnv; wsUrl: string } | string> {
  const e = await webrtcEnvironment();
  if (typeof e === 'string') return e;
  if (e.env.freeswitch.host !== '127.0.0.1' && e.env.freeswitch.host !== 'localhost') return 'FreeSWITCH is not on this machine (the test reads its recordings)';
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  return e;
}

interface Channel {
  uuid: string;
  name: string;
  secure: string;
  out: number;
}
async function channels(fsEnv: E2eEnv['freeswitch']): Promise<Channel[]> {
  const list = JSON.parse(await eslApi(fsEnv, 'show channels as json')) as { rows?: { uuid: string; name: string; secure?: string }[] };
  const out: Channel[] = [];
  for (const row of list.rows ?? []) {
    const raw = await eslApi(fsEnv, `json {"command":"mediaStats","data":{"uuid":"${row.uuid}"}}`);
    const stats = JSON.parse(raw) as { audio?: { out_packet_count?: number }; response?: { audio?: { out_packet_count?: number } } };
    out.push({ uuid: row.uuid, name: row.name, secure: row.secure ?? '', out: Number((stats.response?.audio ?? stats.audio)?.out_packet_count ?? 0) });
  }
  return out;
}

/** a 48 kHz 16-bit mono WAV of a steady tone: the supervisor's "voice" */
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

/** the share of a recording's energy at the tone (mean over 20 ms frames of 2|X(f)|²/(n Σx²)) */
function toneShare(file: string): number {
  const a = readAudioFile(file);
  const n = Math.round(a.sampleRate / 50);
  let sum = 0;
  let frames = 0;
  for (let start = 0; start + n <= a.samples.length; start += n) {
    let sq = 0;
    for (let i = start; i < start + n; i++) sq += a.samples[i]! * a.samples[i]!;
    if (sq === 0) continue;
    sum += Math.min(1, (2 * goertzelPower(a.samples, start, n, TONE_HZ, a.sampleRate)) / (n * sq));
    frames++;
  }
  return frames ? sum / frames : 0;
}

function installPrompts(): string {
  const dir = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
  if (!fs.existsSync(path.join(dir, 'offer-callback.wav'))) execFileSync('bash', [path.resolve(__dirname, '../../scripts/install-prompts.sh'), dir], { stdio: 'ignore' });
  return dir;
}

const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

describe('supervisor listens, whispers, barges in from the browser (eavesdrop through drachtio-server + FreeSWITCH)', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  let agentBrowser: Browser | undefined;
  let supervisorBrowser: Browser | undefined;
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
    env = (e as { env: E2eEnv }).env;
    const wsUrl = (e as { wsUrl: string }).wsUrl;
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-supervise-'));
    fs.chmodSync(logDir, 0o777);
    const tone = path.join(logDir, 'supervisor-tone.wav');
    toneWav(tone, TONE_HZ, 120);
    agentBrowser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    supervisorBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...BROWSER_ARGS, `--use-file-for-fake-audio-capture=${tone}`] });
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(logDir, 'app.log'), sync: true }));
    const config = parseAppConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { path: path.join(logDir, 'callbacks.db') },
        auth: { clients: [{ id: 'floor', key: KEY, admin: true }] },
        dialer: { kind: 'telephony' },
        softphone: { wsUrl, domain: 'callback.local' },
        supervision: { tellAgent: true, supervisors: [{ id: SUPERVISOR.id, name: 'Sam', password: SUPERVISOR.password }] },
        services: [{ name: SERVICE, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
        targets: [{ name: 'billing' }],
        agents: [{ id: AGENT.id, name: 'Carol', targets: ['billing'], password: AGENT.password }],
        telephony: {
          retryMaxDelayMs: 1000,
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, listenAddress: '127.0.0.1' }],
          trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 10 },
          prompts: { dir: installPrompts() },
          services: { [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup', noSpeech: 'connect', notSure: 'connect' } },
          connect: { mode: 'bridge', agentRingTimeoutSec: 15, maxAgentAttempts: 1, reserveTimeoutSec: 30 },
          audioFork: { host: '127.0.0.1', port: 0 },
        },
      },
      'supervise-e2e',
    );
    app = await composeApp(config, logger, {});
    url = await app.listen();
    await until('drachtio-server and FreeSWITCH up', async () => {
      const text = JSON.stringify(await (await fetch(`${url}/health`)).json());
      return /"drachtio":\{"state":"up"/.test(text) && /"freeswitch":\{"state":"up"/.test(text) ? true : undefined;
    }, 20_000);
  });

  // a failed test's SIPp peer would keep its port (and answer another test's calls)
  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(async () => {
    customer?.kill();
    await agentBrowser?.close();
    await supervisorBrowser?.close();
    await app?.close();
    if (logDir) console.log(`      (logs: ${logDir})`);
  });

  const log = (name: string) => (page: Page) => page.on('console', (m) => fs.appendFileSync(path.join(logDir, `${name}.log`), `${m.type()}: ${m.text()}\n`));

  it('listen: the supervisor hears the call, nobody hears them; whisper: the agent only; barge: both; then leaves and the call goes on', async () => {
    const agent = await agentBrowser!.newPage();
    log('agent-page')(agent);
    await agent.goto(`${url}/agent`);
    await agent.fill('#agent-id', AGENT.id);
    await agent.fill('#password', AGENT.password);
    await agent.click('#signin-form button');
    await agent.locator('#sip', { hasText: /^registered$/ }).waitFor({ timeout: 15_000 });
    await agent.click('#ready');
    await agent.locator('#state', { hasText: /^READY$/ }).waitFor();

    const sup = await supervisorBrowser!.newPage();
    await rawMicrophone(sup);
    log('supervisor-page')(sup);
    await sup.goto(`${url}/supervisor`);
    await sup.fill('#key', KEY);
    await sup.click('#connect');
    await sup.locator('#sup-id option').first().waitFor({ state: 'attached' });
    await sup.selectOption('#sup-id', SUPERVISOR.id);
    await sup.fill('#sup-pass', SUPERVISOR.password);
    await sup.click('#sup-phone');
    await sup.locator('#sup-phone-state', { hasText: 'phone ready' }).waitFor({ timeout: 15_000 });

    const others = new Set((await channels(env.freeswitch)).map((c) => c.uuid));
    customer = runSipp(path.join(__dirname, 'agent-call-customer.xml'), { port: TRUNK_PORT, mediaPort: MEDIA_PORT, logDir, timeoutSec: 150 });
    await sleep(300);
    const started = await fetch(`${url}/genesys/1/service/callback/${SERVICE}`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ _customer_number: '+12025550186' }) });
    assert.equal(started.status, 200, await started.text());
    await agent.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await agent.click('#answer');
    await agent.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await sleep(1500);
    const onCall = (await channels(env.freeswitch)).filter((c) => !others.has(c.uuid));
    const agentLeg = onCall.find((c) => /dtls|srtp/i.test(c.secure));
    const customerLeg = onCall.find((c) => c !== agentLeg && c.secure === '');
    assert.ok(agentLeg && customerLeg, `the agent's and the customer's channels: ${JSON.stringify(onCall)}`);

    const row = sup.locator('#calls tr[data-agent="carol"]');
    await row.waitFor({ timeout: 10_000 });
    /** FreeSWITCH records 3 s of what it sends to the customer and to the agent */
    const record = async (phase: string) => {
      const files = { customer: path.join(logDir, `${phase}-customer.wav`), agent: path.join(logDir, `${phase}-agent.wav`) };
      for (const [who, uuid] of [['customer', customerLeg.uuid], ['agent', agentLeg.uuid]] as const) {
        await eslApi(env.freeswitch, `uuid_setvar ${uuid} RECORD_WRITE_ONLY true`);
        await eslApi(env.freeswitch, `uuid_record ${uuid} start ${files[who]}`);
      }
      await sleep(3000);
      for (const [who, uuid] of [['customer', customerLeg.uuid], ['agent', agentLeg.uuid]] as const) await eslApi(env.freeswitch, `uuid_record ${uuid} stop ${files[who]}`);
      await sleep(300);
      return { customer: toneShare(files.customer), agent: toneShare(files.agent) };
    };

    // a baseline before anyone listens: neither side carries the tone
    const before = await record('before');

    await row.locator('button', { hasText: 'Listen' }).click();
    await row.locator('td.mode', { hasText: 'you: listening' }).waitFor({ timeout: 20_000 });
    const supLeg = (await channels(env.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== agentLeg.uuid && c.uuid !== customerLeg.uuid && /dtls|srtp/i.test(c.secure));
    assert.ok(supLeg, "the supervisor's WebRTC channel on FreeSWITCH");
    // tellAgent is on: the agent's page is told (its own view, /api/v1/agent/me)
    const token = (await agent.evaluate('sessionStorage.getItem("agentToken")')) as string;
    const me = (await (await fetch(`${url}/api/v1/agent/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { supervisor?: { mode: string } };
    const listen = await record('listen');
    const supAfter = (await channels(env.freeswitch)).find((c) => c.uuid === supLeg.uuid)!;
    const toSupervisor = supAfter.out - supLeg.out;

    await row.locator('button', { hasText: 'Whisper' }).click();
    await row.locator('td.mode', { hasText: 'you: whispering' }).waitFor({ timeout: 10_000 });
    const whisper = await record('whisper');

    await row.locator('button', { hasText: 'Barge' }).click();
    await row.locator('td.mode', { hasText: 'you: in the call' }).waitFor({ timeout: 10_000 });
    const barge = await record('barge');

    await row.locator('button', { hasText: 'Leave' }).click();
    await row.locator('td.mode', { hasText: 'not supervised' }).waitFor({ timeout: 10_000 });
    const audit = (await (await fetch(`${url}/admin/v1/audit?action=supervision.mode-changed`, { headers: { 'x-api-key': KEY } })).json()) as { entries: unknown[] };

    console.log(`      RTP to the supervisor while listening (3.3 s): ${toSupervisor} packets; agent page told: ${JSON.stringify(me.supervisor)}`);
    console.log(`      share of the supervisor's ${TONE_HZ} Hz tone in what FreeSWITCH sends:`);
    for (const [phase, r] of Object.entries({ before, listen, whisper, barge })) console.log(`        ${phase.padEnd(8)} to the customer ${r.customer.toFixed(3)}, to the agent ${r.agent.toFixed(3)}`);

    assert.ok(toSupervisor > 100, `audio reaches the supervisor: ${toSupervisor} packets`);
    assert.deepEqual(me.supervisor, { mode: 'listen' });
    const heard = (x: number) => x > 0.2;
    assert.ok(!heard(before.customer) && !heard(before.agent), `no tone before: ${JSON.stringify(before)}`);
    assert.ok(!heard(listen.customer) && !heard(listen.agent), `listen: nobody hears the supervisor: ${JSON.stringify(listen)}`);
    assert.ok(heard(whisper.agent) && !heard(whisper.customer), `whisper: the agent only: ${JSON.stringify(whisper)}`);
    assert.ok(heard(barge.agent) && heard(barge.customer), `barge: both: ${JSON.stringify(barge)}`);
    assert.equal(audit.entries.length, 2);

    // the supervisor left; the agent's call goes on until the agent hangs up
    assert.equal(await agent.locator('#call-title').innerText(), 'On call');
    await agent.click('#hangup');
    await agent.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    const cu = await customer!.done;
    customer = undefined;
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
  });
});

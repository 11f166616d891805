import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { App } from '../../src/app';
import { buildApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import type { InteractionRecord } from '../../src/ports/callbacks';
import { QueueService } from '../../src/queue/queue-service';
import { parseQueueOptions } from '../../src/queue/parse-options';
import type { Telephony } from '../../src/telephony';
import { parseTelephonyConfig } from '../../src/telephony/config';
import type { E2eEnv } from './env';
import { installPrompts } from './app-process';

export const DID = '18005550100';
export const SERVICE = 'e2e-immediate';
/** same, connecting the customer to the agent by REFER (`_connect_mode: refer`) */
export const REFER_SERVICE = 'e2e-refer';
/** same, leaving a message after an answering machine's beep (telephony `machine: leave_message`) */
export const MESSAGE_SERVICE = 'e2e-message';
/** USERORIGINATED: the customer calls the service's own DID with the callback's number as caller ID */
export const UO_SERVICE = 'e2e-uo';
export const UO_DID = '18005550103';
/** scheduling allowed (delayed template, hourly slots); its DID's IVR offers the next open slot */
export const SLOT_SERVICE = 'e2e-slot';
export const SLOT_DID = '18005550102';
/** the answer check on: a callback is connected only when the customer presses 1 after the announcement */
export const CHECK_SERVICE = 'e2e-check';
export const TRUNK_PORT = 5090;
export const AGENT_PORT = 5091;
export const IVR_KEY = 'e2e-ivr-key-0001';

export interface Stack {
  app: App;
  url: string;
  telephony: Telephony;
  queue: QueueService;
  interactions: InteractionRecord[];
  logDir: string;
  logFile: string;
  /** the app's log lines so far (flushed first) */
  readLog(): Record<string, unknown>[];
  call(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/**
 * The real service around the real servers: the callback core (REST API, SQLite, scheduler), the queue,
 * the AMD audio-fork server and the telephony layer connected to drachtio-server and FreeSWITCH.
 */
export async function startStack(
  env: E2eEnv,
  agents: { id: string; uri?: string; password?: string }[],
  /** added to the stack's config: `app` to the app's (e.g. security.throttle), `telephony` to its telephony section (e.g. access, limits) */
  extra: { app?: Record<string, unknown>; telephony?: Record<string, unknown> } = {},
): Promise<Stack> {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-e2e-'));
  const logFile = path.join(logDir, 'app.log');
  const logDest = pino.destination({ dest: logFile, sync: true });
  const logger = pino({ level: 'info' }, logDest);
  const promptsDir = installPrompts();
  const common = { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 };
  const config = parseAppConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      store: { path: path.join(logDir, 'callbacks.db') },
      auth: { clients: [{ id: 'ivr', key: IVR_KEY }] },
      dialer: { kind: 'telephony' },
      services: [
        { name: SERVICE, template: 'user-terminated-immediate', options: common },
        { name: REFER_SERVICE, template: 'user-terminated-immediate', options: { ...common, _connect_mode: 'refer' } },
        { name: MESSAGE_SERVICE, template: 'user-terminated-immediate', options: common },
        { name: UO_SERVICE, template: 'user-originated-immediate', options: common },
        { name: SLOT_SERVICE, template: 'user-terminated-delayed', options: { ...common, _request_time_bucket: 60 } },
        { name: CHECK_SERVICE, template: 'user-terminated-immediate', options: common },
      ],
      ...extra.app,
    },
    'e2e',
  );
  const queue = new QueueService(parseQueueOptions({ targets: [{ name: 'billing' }], agents: agents.map((a) => ({ id: a.id, name: a.id, targets: ['billing'], ...(a.uri ? { uri: a.uri } : {}), ...(a.password ? { password: a.password } : {}) })) }, ''), { logger });
  for (const a of agents.filter((x) => x.uri)) {
    try {
      queue.login(a.id);
      queue.setReady(a.id);
    } catch {
      /* already ready */
    }
  }
  const local = env.freeswitch.host === '127.0.0.1' || env.freeswitch.host === 'localhost';
  const tconfig = parseTelephonyConfig(
    {
      retryMaxDelayMs: 1000,
      drachtio: env.drachtio,
      mediaServers: [{ ...env.freeswitch, ...(local ? { listenAddress: '127.0.0.1' } : {}) }],
      trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 6 },
      dids: { [DID]: { service: SERVICE, target: 'billing' }, [SLOT_DID]: { service: SLOT_SERVICE, target: 'billing' }, [UO_DID]: { service: UO_SERVICE, target: 'billing' } },
      prompts: { dir: promptsDir },
      services: {
        [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup' },
        [REFER_SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup' },
        [MESSAGE_SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'leave_message' },
        [SLOT_SERVICE]: { prompts: { greeting: 'hello.wav' }, offerSlot: true },
        [CHECK_SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup', noSpeech: 'connect', answerCheck: { enabled: true, timeoutMs: 6000 } },
      },
      ivr: { ewtThresholdSec: -1, maxRetries: 1, inputTimeoutMs: 4000 },
      connect: { mode: 'bridge', agentRingTimeoutSec: 5, maxAgentAttempts: 2, reserveTimeoutSec: 10 },
      audioFork: { port: 0, host: '127.0.0.1' },
      ...extra.telephony,
    },
    'telephony',
  );
  const interactions: InteractionRecord[] = [];
  // the wiring npm start uses (compose.ts), with this queue and telephony; every interaction recorded is also kept here
  const app = await buildApp(config, logger, { queue, telephony: tconfig, onInteraction: (i) => void interactions.push(i) });
  const telephony: Telephony = app.telephony!;
  const url = await app.listen();
  // both servers up before the first call
  for (let i = 0; i < 100; i++) {
    const h = telephony.health();
    if (h.drachtio?.state === 'up' && h.freeswitch?.state === 'up') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    app,
    url,
    telephony,
    queue,
    interactions,
    logDir,
    logFile,
    readLog() {
      try {
        logDest.flushSync();
      } catch {
        /* not open yet, or a write in flight: what is on disk */
      }
      return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async call(method, p, body) {
      const res = await fetch(url + p, {
        method,
        headers: { 'x-api-key': IVR_KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    async close() {
      // the app closes what it built: telephony, the audio fork, the queue
      await app.close();
    },
  };
}

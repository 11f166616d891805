import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { App } from '../../src/app';
import { composeApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp, type SippRun } from './sipp';

/**
 * Agent preview and customer confirmation through the real servers, with the service composed as
 * `npm start` composes it (composeApp: core, queue, approvals, telephony). The reserved agent accepts over
 * REST, then the customer (SIPp behind the trunk) is dialed, detected human and bridged to that agent
 * (SIPp agent). Ports 5290/5291 and RTP 17500+ keep clear of the telephony suite's peers.
 */
const TRUNK = 5290;
const AGENT = 5291;
const KEY = 'e2e-approvals-key-01';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: agent preview and customer confirmation through drachtio-server and FreeSWITCH', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let app: App;
  let url: string;
  let logDir: string;

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-e2e-approvals-'));
    const prompts = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
    if (!fs.existsSync(path.join(prompts, 'offer-callback.wav'))) execFileSync('bash', [path.resolve(__dirname, '../../scripts/install-prompts.sh'), prompts], { stdio: 'ignore' });
    const local = env.freeswitch.host === '127.0.0.1' || env.freeswitch.host === 'localhost';
    const us = { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 };
    const config = parseAppConfig(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: { path: path.join(logDir, 'callbacks.db') },
        auth: { clients: [{ id: 'web', key: KEY }] },
        services: [
          { name: 'preview', template: 'user-terminated-preview', options: us },
          { name: 'confirm', template: 'user-terminated-immediate', options: { ...us, _wait_for_agent: true, _wait_for_user_confirm: true } },
        ],
        targets: [{ name: 'billing' }],
        agents: [{ id: 'alice', name: 'Alice', targets: ['billing'], password: 'alice-e2e-pass', uri: `sip:alice@127.0.0.1:${AGENT}` }],
        dialer: { kind: 'telephony' },
        telephony: {
          retryMaxDelayMs: 1000,
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, ...(local ? { listenAddress: '127.0.0.1' } : {}) }],
          trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK}`, ringTimeoutSec: 10 },
          prompts: { dir: prompts },
          audioFork: { port: 0, host: '127.0.0.1' },
          connect: { mode: 'bridge', agentRingTimeoutSec: 8, maxAgentAttempts: 1, reserveTimeoutSec: 20 },
        },
      },
      'e2e',
    );
    const logger = pino({ level: 'info' }, pino.destination({ dest: path.join(logDir, 'app.log'), sync: true }));
    app = await composeApp(config, logger, {});
    url = await app.listen();
    for (let i = 0; i < 100; i++) {
      const h = (await (await fetch(`${url}/health`)).json()) as { status: string };
      if (h.status === 'ok') break;
      await sleep(200);
    }
  });
  // a failed test's SIPp peers would keep their ports (and answer the next test's calls)
  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(async () => {
    await app?.close();
  });

  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = { 'x-api-key': KEY }) => {
    const res = await fetch(`${url}${p}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, any> };
  };
  const completed = async (service: string, id: string) => {
    for (let i = 0; i < 150; i++) {
      const c = (await call('GET', `/genesys/1/service/callback/${service}/${id}`)).json;
      if (c._callback_state === 'COMPLETED') return c;
      await sleep(200);
    }
    throw new Error(`callback ${id} did not complete`);
  };
  let running: SippRun[] = [];
  const peers = (media: number) => {
    const p = {
      customer: runSipp('customer-human.xml', { port: TRUNK, mediaPort: media, args: ['-rtp_echo'], timeoutSec: 60, logDir }),
      agent: runSipp('agent-answer.xml', { port: AGENT, mediaPort: media + 100, timeoutSec: 60, logDir }),
    };
    running = [p.customer, p.agent];
    return p;
  };
  afterEach(() => {
    for (const r of running) if (r.proc.exitCode === null) r.kill();
  });

  it('preview: nothing is dialed until the reserved agent accepts; then the customer is called, detected human and bridged to her', async () => {
    const sipp = peers(17500);
    // the agent signs in (NOT_READY) and goes READY, as on the agent page
    const token = (await call('POST', '/api/v1/agent/sessions', { agentId: 'alice', password: 'alice-e2e-pass' }, {})).json.token as string;
    const agent = { authorization: `Bearer ${token}` };
    assert.equal((await call('PUT', '/api/v1/agent/me/state', { state: 'READY' }, agent)).json.state, 'READY');
    const id = (await call('POST', '/genesys/1/service/callback/preview', { _customer_number: '+12025550161', order: 'PO-9' })).json._id as string;

    let preview: Record<string, any> | undefined;
    for (let i = 0; i < 50 && !preview; i++) {
      const r = await call('GET', '/api/v1/agent/me/preview', undefined, agent);
      if (r.status === 200) preview = r.json;
      else await sleep(100);
    }
    assert.equal(preview?._id, id);
    assert.deepEqual(preview?.userData, { order: 'PO-9' });
    await sleep(1000);
    assert.equal(sipp.customer.proc.exitCode, null, 'the customer is not called before the accept');
    assert.equal((await call('GET', `/genesys/1/service/callback/preview/${id}`)).json._callback_state, 'ROUTING');

    assert.equal((await call('POST', `/api/v1/agent/callbacks/${id}/preview`, { action: 'accept' }, agent)).json.outcome, 'ACCEPTED');
    const done = await completed('preview', id);
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
    const attempt = (await call('GET', `/genesys/1/service/callback/preview/${id}/history`)).json.attempts.at(-1);
    assert.equal(attempt.agentId, 'alice');
    assert.equal(attempt.amdDecision, 'HUMAN');
    assert.ok(attempt.connectedAt > attempt.answeredAt);
    assert.equal((await sipp.customer.done).code, 0, 'the customer scenario ran as written');
    assert.equal((await sipp.agent.done).code, 0, 'the agent scenario ran as written');
  });

  it('confirmation: the customer confirms over REST once the agent is reserved; the call follows', async () => {
    const sipp = peers(17700);
    await sleep(500);
    assert.equal((await call('POST', '/api/v1/agents/alice/ready')).status, 200);
    const id = (await call('POST', '/genesys/1/service/callback/confirm', { _customer_number: '+12025550162' })).json._id as string;
    let pending: Record<string, any> | undefined;
    for (let i = 0; i < 50 && !pending; i++) {
      const r = await call('GET', `/genesys/1/service/callback/confirm/${id}/user-confirm`);
      if (r.status === 200) pending = r.json;
      else await sleep(100);
    }
    assert.equal(pending?.agentId, 'alice');
    assert.equal((await call('POST', `/genesys/1/service/callback/confirm/${id}/user-confirm`, { _confirm: true })).json.outcome, 'CONFIRMED');
    const done = await completed('confirm', id);
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
    assert.equal((await sipp.customer.done).code, 0);
    assert.equal((await sipp.agent.done).code, 0);
  });
});

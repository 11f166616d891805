import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, spawnApp, waitForServers, writeProcessConfig, type AppProcess } from './app-process';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp, sippMessages, type SippRun } from './sipp';
import { until } from '../helpers/until';

/**
 * Two app processes on one PostgreSQL, both connected to the real drachtio-server and FreeSWITCH (issue 13):
 *   - callers to the DID are spread by drachtio-server over both (it hands inbound INVITEs to the connected
 *     apps in turn), and each instance's IVR answers and takes the callback the caller accepts by DTMF;
 *   - each accepted callback is dialed exactly once, by either instance (one attempt in the store, one
 *     instance logging it, one INVITE to the customer in the customer's own SIP trace), connected to an agent;
 *   - the other instance's REST API sees each callback, completed.
 * Skips in one line without the servers, SIPp or a PostgreSQL (TEST_DATABASE_URL).
 */
const KEY = 'two-key-0001';
const ADMIN_KEY = 'two-admin-key-0001';
const SERVICE = 'two';
const DID = '18005550177';
const TRUNK_PORT = 5090;
const AGENT_PORTS = [5091, 5092, 5093, 5094];
const AGENTS = AGENT_PORTS.map((_, i) => `agent00${i + 1}`);
/** one caller per number (a callback per number), each from its own SIPp */
const CALLERS = ['12025550171', '12025550172', '12025550173', '12025550174'];

function writeConfig(env: E2eEnv, dir: string, port: number, name: string, url: string, schema: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return writeProcessConfig(
    env,
    dir,
    port,
    {
      store: { kind: 'postgres', url, schema },
      log: { level: process.env.E2E_LOG_LEVEL ?? 'info' },
      // two processes on one host: each under its own name (leases, queue ownership; the default is the hostname)
      scheduler: { instanceName: name },
      auth: { clients: [{ id: 'ivr', key: KEY }, { id: 'admin', key: ADMIN_KEY, admin: true }] },
      services: [{ name: SERVICE, template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 1 } }],
      targets: [{ name: 'billing' }],
      agents: AGENTS.map((id, i) => ({ id, name: id, targets: ['billing'], uri: `sip:${id}@127.0.0.1:${AGENT_PORTS[i]}` })),
    },
    {
      trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 10 },
      dids: { [DID]: { service: SERVICE, target: 'billing' } },
      services: { [SERVICE]: { prompts: { greeting: 'hello.wav' }, machine: 'hangup' } },
      // the offer always made (caller-accept.xml's pauses fit these prompts, as in test/e2e/stack.ts)
      ivr: { ewtThresholdSec: -1, maxRetries: 1, inputTimeoutMs: 4000 },
      connect: { mode: 'bridge', agentRingTimeoutSec: 6, maxAgentAttempts: 2, reserveTimeoutSec: 30 },
    },
  );
}

/** INVITEs to each number in SIPp's -trace_msg log (one per Call-ID) */
function invitesByNumber(log: string): Map<string, number> {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const block of log.split(/^-{10,} /m).slice(1)) {
    const callId = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
    const to = /^INVITE sip:\+?([^@;]+)/m.exec(block)?.[1];
    if (!callId || !to || seen.has(callId)) continue;
    seen.add(callId);
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

describe('e2e: two app instances on one PostgreSQL behind the real drachtio-server', function () {
  this.timeout(240_000);
  let env: E2eEnv;
  let url: string;
  let dir: string;
  const schema = `e2e_two_${randomBytes(4).toString('hex')}`;
  const apps: AppProcess[] = [];
  const peers: SippRun[] = [];

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : !process.env.TEST_DATABASE_URL ? 'no PostgreSQL (TEST_DATABASE_URL not set)' : null;
    if (why) {
      console.log(`      two-instances e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
    url = process.env.TEST_DATABASE_URL!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-two-'));
  });

  after(async () => {
    for (const a of apps) a.proc.kill('SIGTERM');
    await Promise.all(apps.map((a) => a.exited));
    await killLeftoverSipp();
    if (url) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
    if (dir) console.log(`      (logs: ${dir})`);
  });

  it('callers are spread over both instances and each is answered; each callback accepted is dialed once (by either), connected, and seen by the other instance', async () => {
    // one instance after the other: the first migrates the schema
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const app = spawnApp(writeConfig(env, path.join(dir, name), port, `e2e-two-${name}`, url, schema), port, path.join(dir, `app-${name}.log`));
      apps.push(app);
      await waitForServers(app);
    }
    const [a, b] = apps as [AppProcess, AppProcess];
    // agents logged in on one instance: the other takes their state from the store
    for (const id of AGENTS) assert.equal((await a.api('POST', `/api/v1/agents/${id}/login`, ADMIN_KEY)).status, 200, id);
    await until('the agents READY on the other instance', async () => {
      const { agents } = (await b.api('GET', '/api/v1/agents', ADMIN_KEY)).json as { agents: { id: string; state: string }[] };
      return AGENTS.every((id) => agents.find((x) => x.id === id)?.state === 'READY') ? true : undefined;
    }, 15_000, 250).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify((await b.api('GET', '/api/v1/agents', ADMIN_KEY)).json)}`);
    });

    let media = 36000;
    const nextMedia = () => (media += 10);
    const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: dir, timeoutSec: 150, args: ['-m', String(CALLERS.length)] });
    peers.push(customer);
    AGENT_PORTS.forEach((port) => peers.push(runSipp('agent-answer.xml', { port, mediaPort: nextMedia(), logDir: dir, timeoutSec: 150, args: ['-m', String(CALLERS.length)] })));

    // the callers one after the other, a second apart (drachtio-server's turn-taking sees each INVITE on its own)
    const callers: SippRun[] = [];
    for (const [i, n] of CALLERS.entries()) {
      callers.push(runSipp('caller-accept.xml', { port: 5170 + i, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', n], logDir: dir, timeoutSec: 60 }));
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const [i, c] of callers.entries()) {
      const r = await c.done;
      assert.equal(r.code, 0, `caller ${CALLERS[i]}: ${r.output.slice(-800)}\n${r.errors}`);
      assert.match(sippMessages('caller-accept.xml', 5170 + i, dir), /Reason: SIP;cause=200;text="Callback"/, `caller ${CALLERS[i]} got the BYE of an accepted callback`);
    }

    // which instance answered each caller and took the callback
    const answered = apps.map((app) => app.readLog().filter((l) => l.msg === 'call answered').length);
    const accepted = new Map<string, number>(); // callbackId -> instance index
    apps.forEach((app, i) => app.readLog().filter((l) => l.msg === 'callback requested from the IVR').forEach((l) => accepted.set(String(l.callbackId), i)));
    console.log(`      calls answered: instance a ${answered[0]}, b ${answered[1]}; callbacks accepted: a ${[...accepted.values()].filter((i) => i === 0).length}, b ${[...accepted.values()].filter((i) => i === 1).length}`);
    assert.equal(answered[0]! + answered[1]!, CALLERS.length, 'every call answered once');
    assert.ok(answered[0]! >= 1 && answered[1]! >= 1, `calls spread over both instances: ${answered.join(' + ')}`);
    assert.equal(accepted.size, CALLERS.length, 'a callback accepted per caller');

    // each callback: seen and completed through the other instance's REST API, one attempt, dialed by one instance once
    const dialers: string[] = [];
    for (const [id, by] of accepted) {
      const other = apps[1 - by]!;
      const cb = await until(`callback ${id} completed, seen on the other instance`, async () => {
        const r = await other.api('GET', `/genesys/1/service/callback/${SERVICE}/${id}`, KEY);
        return r.status === 200 && r.json._callback_state === 'COMPLETED' ? (r.json as Record<string, unknown>) : undefined;
      }, 90_000, 500);
      assert.ok(CALLERS.some((n) => cb._customer_number === `+${n}`), JSON.stringify(cb));
      const history = (await other.api('GET', `/genesys/1/service/callback/${SERVICE}/${id}/history`, KEY)).json as { attempts: { outcome?: string }[] };
      assert.equal(history.attempts.length, 1, `one attempt: ${JSON.stringify(history.attempts)}`);
      assert.equal(history.attempts[0]!.outcome, 'CONNECTED_TO_AGENT', JSON.stringify(history.attempts));
      const starts = apps.map((app) => app.readLog().filter((l) => l.callbackId === id && l.msg === 'attempt started').length);
      assert.equal(starts[0]! + starts[1]!, 1, `dialed by one instance, once: ${starts.join(' + ')}`);
      dialers.push(starts[0] ? 'a' : 'b');
    }
    // the customers' side: one INVITE per number
    const invites = invitesByNumber(sippMessages('customer-human.xml', TRUNK_PORT, dir));
    for (const n of CALLERS) assert.equal(invites.get(n) ?? 0, 1, `${n} called once: ${JSON.stringify([...invites])}`);
    console.log(`      callbacks dialed by: ${dialers.join(', ')}; one INVITE per customer`);
    // the customer took its four calls and ended; the agents (each ready for more calls than it got) are ended here
    const cu = await customer.done;
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    await killLeftoverSipp();
  });
});

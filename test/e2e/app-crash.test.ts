import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, sleep, spawnApp, waitForServers, writeProcessConfig, type AppProcess } from './app-process';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp, sippMessages, type SippRun } from './sipp';
import { expectNoDrachtioDialogs } from './drachtio-dialogs';
import { eslApi } from '../helpers/esl';
import { until } from '../helpers/until';

/**
 * The app `kill -9`'d while callbacks are being dialed and agents are talking (issue 15 §2), through the real
 * drachtio-server and FreeSWITCH, the app as its own process on a SQLite file:
 *   - two customers talking to the two agents, and a third customer's phone ringing, when the kill comes;
 *   - a new process on the same database takes over at once (the dead one's leases name its pid);
 *   - the talks are recorded as connected, interrupted during the talk, and not dialed again; the ringing
 *     attempt is recorded as interrupted and retried once; no customer is called twice at the same time
 *     (seen from the customers' own SIP traces); no agent is left reserved; no FreeSWITCH channel is left.
 */
const KEY = 'crash-key-0001';
const ADMIN_KEY = 'crash-admin-key-0001';
const SERVICE = 'crash';
const TRUNK_PORT = 5090;
const AGENT_PORT = 5091;
/**
 * sip/soak-customer.xml: +1202555K..., K 4-9 a person who answers and talks until hung up; K=0 rings until CANCEL or
 * until the network's no-answer timer (20 s, a 480): nothing else ends a call whose app died
 */
const PEOPLE = ['+12025554001', '+12025554002'];
const RINGING = '+12025550001';
/** the network gives up on a call nobody cancels after NETWORK_NO_ANSWER_SEC; the service waits longer before the retry */
const NETWORK_NO_ANSWER_SEC = 20;
const ORPHANED_CALL_SEC = 25;
const RING_TIMEOUT_SEC = 15;

function writeConfig(env: E2eEnv, dir: string, port: number): string {
  return writeProcessConfig(
    env,
    dir,
    port,
    {
      auth: { clients: [{ id: 'crash', key: KEY }, { id: 'admin', key: ADMIN_KEY, admin: true }] },
      services: [
        {
          name: SERVICE,
          template: 'user-terminated-immediate',
          // an interrupted attempt is retried 3 s later; a phone that rings out is not retried within the test
          options: { _target: 'billing', _default_country: 'US', _allowed_countries: ['US'], _max_number_of_attempts: 3, _ring_timeout: RING_TIMEOUT_SEC, _retry: { failed: 3, no_answer: 600 } },
        },
      ],
      targets: [{ name: 'billing', afterCallWorkSec: 1 }],
      agents: ['agent001', 'agent002'].map((id) => ({ id, name: id, targets: ['billing'], uri: `sip:${id}@127.0.0.1:${AGENT_PORT}` })),
    },
    {
      trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: RING_TIMEOUT_SEC, orphanedCallSec: ORPHANED_CALL_SEC },
      dids: {},
      services: { [SERVICE]: { machine: 'hangup' } },
      connect: { mode: 'bridge', agentRingTimeoutSec: 6, maxAgentAttempts: 2, reserveTimeoutSec: 15 },
    },
  );
}

/** INVITEs, CANCELs and final answers per Call-ID in SIPp's -trace_msg log, in order, with SIPp's timestamps */
interface CallTrace {
  callId: string;
  to: string;
  invitedAt: number;
  /** the INVITE's Expires header, when it had one */
  expires?: number;
  /** when the INVITE was answered with a final response or cancelled (undefined: it never ended) */
  endedRingingAt?: number;
}
function customerCalls(log: string): CallTrace[] {
  const calls = new Map<string, CallTrace>();
  for (const block of log.split(/^-{10,} /m).slice(1)) {
    const stamp = /^(\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)/.exec(block);
    const callId = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
    if (!stamp || !callId) continue;
    const at = Date.parse(`${stamp[1]}T${stamp[2]!.slice(0, 12)}`);
    const body = block.slice(block.indexOf('\n\n') + 2).trimStart();
    const first = body.split(/\r?\n/)[0] ?? '';
    if (first.startsWith('INVITE ')) {
      const expires = /^Expires:\s*(\d+)/im.exec(body)?.[1];
      if (!calls.has(callId)) calls.set(callId, { callId, to: /^INVITE sip:([^@;]+)/.exec(first)?.[1] ?? '', invitedAt: at, ...(expires ? { expires: Number(expires) } : {}) });
    } else if (first.startsWith('CANCEL ') || /^SIP\/2\.0 [2-6]\d\d /.test(first)) {
      const c = calls.get(callId);
      if (c && c.endedRingingAt === undefined && (first.startsWith('CANCEL') || /CSeq:\s*\d+ INVITE/i.test(body))) c.endedRingingAt = at;
    }
  }
  return [...calls.values()];
}

describe('e2e: the app killed with -9 while it dials and agents talk', function () {
  this.timeout(330_000);
  let env: E2eEnv;
  let dir: string;
  let app: AppProcess | undefined;
  const peers: SippRun[] = [];
  const channels = async () => Number(/(\d+) total/.exec(await eslApi(env.freeswitch, 'show channels count'))?.[1] ?? NaN);

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
    if (why) {
      console.log(`      app-crash e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-crash-'));
  });
  after(async () => {
    app?.proc.kill('SIGTERM');
    await app?.exited;
    await killLeftoverSipp();
    if (dir) console.log(`      (logs: ${dir})`);
  });

  it('talks are recorded as connected and not dialed again, the ringing attempt is retried once, nobody is called twice at once, nothing is left behind', async () => {
    const port = await freePort();
    const config = writeConfig(env, dir, port);
    peers.push(runSipp('soak-customer.xml', { port: TRUNK_PORT, mediaPort: 30000, logDir: dir, timeoutSec: 200, args: ['-m', '100'] }));
    // agents answer and talk 10 s (then hang up): long enough to be talking when the kill comes
    peers.push(runSipp('soak-agent.xml', { port: AGENT_PORT, mediaPort: 34000, logDir: dir, timeoutSec: 200, args: ['-m', '100'] }));

    app = spawnApp(config, port, path.join(dir, 'app-1.log'));
    await waitForServers(app);
    for (const id of ['agent001', 'agent002']) assert.equal((await app.api('POST', `/api/v1/agents/${id}/login`, ADMIN_KEY)).status, 200);
    const ids = new Map<string, string>();
    const request = async (n: string) => {
      const r = await app!.api('POST', `/genesys/1/service/callback/${SERVICE}`, KEY, { _customer_number: n });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      ids.set(n, r.json._id as string);
    };
    for (const n of PEOPLE) await request(n);
    const first = app;
    const stageOf = (id: string, stage: string) => first.readLog().some((l) => l.callbackId === id && l.msg === 'attempt progress' && l.stage === stage);
    await until('both people talking to an agent', () => (PEOPLE.every((n) => stageOf(ids.get(n)!, 'CONNECTED')) ? true : undefined), 60_000, 200);
    // the third phone is called once both talk, so it still rings (ring timeout RING_TIMEOUT_SEC) when the kill comes
    await request(RINGING);
    await until('the third phone ringing', () => (stageOf(ids.get(RINGING)!, 'DIALING') ? true : undefined), 20_000, 100);
    await sleep(1000);
    const channelsAtKill = await channels();

    const killedAt = Date.now();
    first.proc.kill('SIGKILL');
    await first.exited;
    const second = spawnApp(config, port, path.join(dir, 'app-2.log'));
    app = second;
    await waitForServers(second);
    const upMs = Date.now() - killedAt;

    const get = async (n: string) => (await second.api('GET', `/genesys/1/service/callback/${SERVICE}/${ids.get(n)}`, KEY)).json as Record<string, string>;
    const attemptsOf = async (n: string) =>
      ((await second.api('GET', `/api/v1/reports/attempts?from=${new Date(killedAt - 600_000).toISOString()}`, ADMIN_KEY)).json as Record<string, string>[]).filter((a) => a.callback_id === ids.get(n));

    // the talks: completed as connected, cut by the kill, not dialed again
    for (const n of PEOPLE) {
      await until(`${n} completed`, async () => ((await get(n))._callback_state === 'COMPLETED' ? true : undefined), 30_000, 250);
      assert.equal((await get(n))._callback_reason, 'CONNECTED_TO_AGENT', n);
    }
    // the ringing attempt: interrupted, then one new attempt that rings out (no retry of that within the test)
    await until('the ringing callback retried and rung out', async () => ((await attemptsOf(RINGING)).some((a) => a.outcome === 'NO_ANSWER') ? true : undefined), 120_000, 500);
    const ringing = (await attemptsOf(RINGING)).sort((a, b) => Number(a.number) - Number(b.number));
    assert.deepEqual(ringing.map((a) => a.outcome), ['FAILED', 'NO_ANSWER'], 'interrupted, then retried once');
    const talks = await Promise.all(PEOPLE.map(attemptsOf));
    for (const t of talks) assert.deepEqual(t.map((a) => a.outcome), ['CONNECTED_TO_AGENT'], 'one attempt, not dialed again');

    // nothing left: no agent reserved or busy once the agents hung up, no FreeSWITCH channel
    await until('the agents free', async () => {
      const { agents } = (await second.api('GET', '/api/v1/agents', ADMIN_KEY)).json as { agents: { agentId: string; state: string }[] };
      return agents.every((a) => a.state !== 'RESERVED' && a.state !== 'BUSY') ? true : undefined;
    }, 30_000, 500);
    await until('no FreeSWITCH channel', async () => ((await channels()) === 0 ? true : undefined), 30_000, 500);
    const dialogsChecked = await expectNoDrachtioDialogs(); // nor a SIP dialog in drachtio-server (E2E_DRACHTIO_METRICS)

    // the customers' side: never two INVITEs to one number ringing at once
    const calls = customerCalls(sippMessages('soak-customer.xml', TRUNK_PORT, dir));
    const byNumber = new Map<string, CallTrace[]>();
    for (const c of calls) byNumber.set(c.to.replace(/^\+/, ''), [...(byNumber.get(c.to.replace(/^\+/, '')) ?? []), c]);
    const toRinging = byNumber.get(RINGING.slice(1)) ?? [];
    assert.equal(toRinging.length, 2, `two INVITEs to the ringing phone: ${JSON.stringify(toRinging)}`);
    const [a, b] = toRinging.sort((x, y) => x.invitedAt - y.invitedAt);
    assert.equal(a!.expires, RING_TIMEOUT_SEC + 5, 'the INVITE tells the far end when to give up by itself');
    assert.ok(b!.invitedAt - killedAt >= ORPHANED_CALL_SEC * 1000, `the retry waited out the orphaned call (${b!.invitedAt - killedAt} ms after the kill)`);
    assert.ok(a!.endedRingingAt !== undefined && a!.endedRingingAt <= b!.invitedAt, `the first call to ${RINGING} stopped ringing (${a!.endedRingingAt ? new Date(a!.endedRingingAt).toISOString() : 'never'}) before the second came (${new Date(b!.invitedAt).toISOString()})`);
    for (const n of PEOPLE) assert.equal((byNumber.get(n.slice(1)) ?? []).length, 1, `${n} called once`);
    console.log(`      killed with ${channelsAtKill} FreeSWITCH channels open; the new process up ${(upMs / 1000).toFixed(1)} s later; ringing attempt retried ${((b!.invitedAt - killedAt) / 1000).toFixed(1)} s after the kill; the orphaned INVITE stopped ringing ${((a!.endedRingingAt! - killedAt) / 1000).toFixed(1)} s after it, ${((a!.endedRingingAt! - a!.invitedAt) / 1000).toFixed(1)} s after it was sent (the network gives up at ${NETWORK_NO_ANSWER_SEC} s)${dialogsChecked ? "; no drachtio-server dialog left" : ""}`);
    for (const p of peers) p.proc.kill('SIGKILL');
    await sleep(100);
  });
});

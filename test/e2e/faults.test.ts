import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp } from './sipp';
import { AGENT_PORT, DID, SERVICE, TRUNK_PORT, startStack, type Stack } from './stack';
import { eslApi } from '../helpers/esl';
import { sleep, until } from '../helpers/until';

/**
 * Faults through the real servers (issue 15 §2): FreeSWITCH frozen (SIGSTOP) for 20 s, and drachtio-server
 * killed and started again mid-call. The test must be able to stop and start the servers, so it runs only
 * when it is told how:
 *   E2E_FREESWITCH_PID_FILE  FreeSWITCH's pid file (SIGSTOP / SIGCONT)
 *   E2E_DRACHTIO_PID_FILE    drachtio-server's pid file (SIGKILL)
 *   E2E_SERVERS_START        a command that starts whichever server is down (and leaves a running one alone)
 * Without them it says so in one line and skips. Every test leaves the servers running as it found them.
 */
const FS_PID = process.env.E2E_FREESWITCH_PID_FILE;
const DRACHTIO_PID = process.env.E2E_DRACHTIO_PID_FILE;
const START = process.env.E2E_SERVERS_START;
const FREEZE_MS = 20_000;
const pidOf = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());
const path0 = `/genesys/1/service/callback/${SERVICE}`;

describe('e2e: faults (FreeSWITCH frozen, drachtio-server restarted)', function () {
  this.timeout(180_000);
  let env: E2eEnv;
  let stack: Stack;
  let mediaPort = 17000;
  const nextMedia = () => (mediaPort += 10);
  const channels = async () => Number(/(\d+) total/.exec(await eslApi(env.freeswitch, 'show channels count'))?.[1] ?? NaN);
  const health = () => stack.telephony.health();

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : !FS_PID || !DRACHTIO_PID || !START ? 'E2E_FREESWITCH_PID_FILE, E2E_DRACHTIO_PID_FILE and E2E_SERVERS_START not set' : null;
    if (why) {
      console.log(`      faults e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
    stack = await startStack(env, [{ id: 'alice', uri: `sip:alice@127.0.0.1:${AGENT_PORT}` }]);
  });
  afterEach(async () => {
    // whatever happened: FreeSWITCH running again, both servers up, no SIPp peer left
    if (FS_PID && fs.existsSync(FS_PID)) {
      try {
        process.kill(pidOf(FS_PID), 'SIGCONT');
      } catch {
        /* not running */
      }
    }
    if (START) execSync(START, { stdio: 'ignore' });
    await killLeftoverSipp();
  });
  after(async () => {
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
  });

  it('FreeSWITCH frozen 20 s: found down while frozen, the caller on it is hung up and recorded FAILED, a callback waits without an attempt and is dialed once it is back; nothing left behind', async () => {
    stack.queue.setNotReady('alice'); // the caller waits in the queue
    const inf = path.join(stack.logDir, 'freeze-caller.csv');
    fs.writeFileSync(inf, 'SEQUENTIAL\n12025550181;\n');
    const caller = runSipp('soak-caller-wait.xml', { port: 5196, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-inf', inf], logDir: stack.logDir, timeoutSec: 120 });
    await until('the caller to wait in the queue', () => (stack.readLog().some((l) => l.msg === 'caller waits in queue') ? true : undefined), 30_000);

    const frozenAt = Date.now();
    process.kill(pidOf(FS_PID!), 'SIGSTOP');
    let resumed = false;
    const resume = setTimeout(() => {
      resumed = true;
      process.kill(pidOf(FS_PID!), 'SIGCONT');
    }, FREEZE_MS);
    try {
      await until('FreeSWITCH reported down', () => (health().freeswitch?.state === 'down' ? true : undefined), FREEZE_MS, 100);
      const detectedMs = Date.now() - frozenAt;
      assert.equal(resumed, false, 'found down while it was still frozen');
      console.log(`      frozen FreeSWITCH reported down after ${detectedMs} ms: ${health().freeswitch?.detail}`);

      // the caller whose media was there is hung up (their SIPp takes a BYE), recorded FAILED
      const cu = await caller.done;
      assert.equal(cu.code, 0, `caller sipp took the BYE: ${cu.output.slice(-400)}\n${cu.errors}`);
      const rec = await until('the interaction', () => stack.interactions.find((i) => i.ani?.endsWith('2025550181')), 10_000);
      assert.equal(rec.outcome, 'FAILED');

      // a callback asked for while no media server is up waits: no attempt is used
      const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 90 });
      const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 90 });
      const res = await stack.call('POST', path0, { _customer_number: '+12025550182' });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const id = String(res.json._id);
      stack.queue.setReady('alice');
      if (!resumed) {
        await sleep(Math.min(3000, FREEZE_MS - (Date.now() - frozenAt) - 500));
        const h = await stack.call('GET', `${path0}/${id}/history`);
        if (!resumed) assert.equal((h.json.attempts ?? []).length, 0, 'no attempt while FreeSWITCH is down');
      }
      // back: reconnected, the callback dialed and connected
      await until('FreeSWITCH up again', () => (health().freeswitch?.state === 'up' ? true : undefined), FREEZE_MS + 30_000, 200);
      console.log(`      FreeSWITCH up again ${Date.now() - frozenAt} ms after the freeze began (resumed at ${FREEZE_MS} ms)`);
      const done = await until('the callback to complete', async () => {
        const r = await stack.call('GET', `${path0}/${id}`);
        return r.json._callback_state === 'COMPLETED' ? r.json : undefined;
      }, 60_000);
      const h = await stack.call('GET', `${path0}/${id}/history`);
      assert.match(JSON.stringify(h.json.attempts), /CONNECTED_TO_AGENT/, JSON.stringify(done));
      assert.equal((h.json.attempts ?? []).length, 1, 'one attempt: none was used while FreeSWITCH was down');
      await Promise.all([customer.done, agent.done]);
    } finally {
      clearTimeout(resume);
      if (!resumed) process.kill(pidOf(FS_PID!), 'SIGCONT');
    }
    // nothing left behind
    await until('FreeSWITCH channels back to 0', async () => ((await channels()) === 0 ? true : undefined), 45_000, 1000);
    assert.notEqual(stack.queue.getAgent('alice').state, 'RESERVED');
  });

  it('drachtio-server killed mid-call and started again: down, then up again; the callback in flight ends with a recorded outcome; a new call works; nothing left behind', async () => {
    stack.queue.setReady('alice');
    const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const res = await stack.call('POST', path0, { _customer_number: '+12025550183' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = String(res.json._id);
    await until('the customer connected to the agent', () => (stack.readLog().some((l) => l.msg === 'customer connected to agent' && l.callbackId === id) ? true : undefined), 30_000);

    const killedAt = Date.now();
    const pid = pidOf(DRACHTIO_PID!);
    process.kill(pid, 'SIGKILL');
    await until('drachtio-server reported down', () => (health().drachtio?.state === 'down' ? true : undefined), 10_000, 50);
    const gone = () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    };
    await until('the killed drachtio-server to be gone', gone, 10_000, 50);
    execSync(START!, { stdio: 'ignore' });
    const startedAt = Date.now();
    await until('drachtio-server up again', () => (health().drachtio?.state === 'up' ? true : undefined), 30_000, 100);
    console.log(`      drachtio-server: down ${Date.now() - killedAt} ms in all; the app reconnected ${Date.now() - startedAt} ms after it was started again`);

    // the callback in flight: ended, with its outcome recorded
    const cb = await until('the callback to end', async () => {
      const r = await stack.call('GET', `${path0}/${id}`);
      return r.json._callback_state === 'COMPLETED' ? r.json : undefined;
    }, 30_000);
    const h = await stack.call('GET', `${path0}/${id}/history`);
    const attempts = (h.json.attempts ?? []) as { outcome?: string }[];
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.outcome, 'CONNECTED_TO_AGENT', JSON.stringify({ cb, attempts }));
    assert.ok(stack.readLog().some((l) => l.msg === 'signaling lost; ending the call'), 'the legs were ended when the connection dropped');

    // a new inbound call works
    const caller = runSipp('caller-hangup-ivr.xml', { port: 5195, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550184'], logDir: stack.logDir, timeoutSec: 30 });
    const cu = await caller.done;
    assert.equal(cu.code, 0, `caller sipp: ${cu.output.slice(-400)}\n${cu.errors}`);
    const rec = await until('the interaction', () => stack.interactions.find((i) => i.ani?.endsWith('2025550184')), 10_000);
    assert.equal(rec.outcome, 'HUNG_UP_IN_IVR');

    customer.kill();
    agent.kill();
    await until('FreeSWITCH channels back to 0', async () => ((await channels()) === 0 ? true : undefined), 30_000, 1000);
    await until('alice free again', () => (['READY', 'AFTER_CALL_WORK', 'NOT_READY'].includes(stack.queue.getAgent('alice').state) ? true : undefined), 15_000);
  });
});

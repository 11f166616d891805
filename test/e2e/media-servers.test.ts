import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp } from './sipp';
import { AGENT_PORT, DID, startStack, type Stack } from './stack';
import { until } from '../helpers/until';

/**
 * Two FreeSWITCH media servers through the real servers (issue 13): callers waiting in the queue hold one
 * endpoint each; they spread over both servers, a frozen one (SIGSTOP) is given up and new callers go to the
 * other, and once it answers again (SIGCONT) it takes the next callers. Runs with E2E_FREESWITCH2 (host:port of
 * the second server's event socket, same secret as FREESWITCH_SECRET) and E2E_FREESWITCH2_PID_FILE.
 */
const FS2 = process.env.E2E_FREESWITCH2;
const FS2_PID = process.env.E2E_FREESWITCH2_PID_FILE;
const pidOf = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());

describe('e2e: two FreeSWITCH media servers', function () {
  this.timeout(240_000);
  let env: E2eEnv;
  let stack: Stack;
  let fs1 = '';
  let fs2 = '';
  let port = 5200;
  let media = 18000;

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : !FS2 || !FS2_PID ? 'E2E_FREESWITCH2 and E2E_FREESWITCH2_PID_FILE not set' : null;
    if (why) {
      console.log(`      two media servers e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
    const [host2, port2] = FS2!.split(':');
    fs1 = `${env.freeswitch.host}:${env.freeswitch.port}`;
    fs2 = `${host2}:${port2}`;
    stack = await startStack(env, [{ id: 'alice', uri: `sip:alice@127.0.0.1:${AGENT_PORT}` }], {
      telephony: {
        mediaServers: [
          { ...env.freeswitch, listenAddress: '127.0.0.1' },
          { host: host2, port: Number(port2), secret: env.freeswitch.secret, listenAddress: '127.0.0.1' },
        ],
      },
    });
    await until('both media servers up', () => (endpointsOn(fs1) !== undefined && endpointsOn(fs2) !== undefined ? true : undefined), 30_000);
  });
  after(async () => {
    if (FS2_PID && fs.existsSync(FS2_PID)) {
      try {
        process.kill(pidOf(FS2_PID), 'SIGCONT');
      } catch {
        /* not running */
      }
    }
    await killLeftoverSipp();
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
  });

  /** the endpoints the app holds on a server, from /health's detail; undefined while it is down */
  function endpointsOn(server: string): number | undefined {
    const m = new RegExp(`${server.replace(/\./g, '\\.')} up \\((\\d+) endpoints\\)`).exec(stack.telephony.health().freeswitch?.detail ?? '');
    return m ? Number(m[1]) : undefined;
  }
  const total = () => (endpointsOn(fs1) ?? 0) + (endpointsOn(fs2) ?? 0);
  /** a caller who keeps waiting in the queue (no agent is ready) */
  const caller = (n: number) => {
    const inf = path.join(stack.logDir, `caller-${n}.csv`);
    fs.writeFileSync(inf, `SEQUENTIAL\n1202555${String(1000 + n)};\n`);
    return runSipp('soak-caller-wait.xml', { port: ++port, mediaPort: (media += 10), target: env.sipTarget, args: ['-s', DID, '-inf', inf], logDir: stack.logDir, timeoutSec: 180 });
  };

  it('callers spread over both; one frozen is given up and new callers go to the other; resumed, it takes the next callers', async () => {
    stack.queue.setNotReady('alice');
    caller(1);
    caller(2);
    await until('two callers waiting', () => (total() === 2 ? true : undefined), 30_000);
    assert.deepEqual([endpointsOn(fs1), endpointsOn(fs2)], [1, 1], 'one caller on each');

    const frozenAt = Date.now();
    process.kill(pidOf(FS2_PID!), 'SIGSTOP');
    try {
      await until('the frozen server given up', () => (endpointsOn(fs2) === undefined ? true : undefined), 20_000, 100);
      console.log(`      frozen FreeSWITCH #2 given up after ${Date.now() - frozenAt} ms`);
      caller(3);
      caller(4);
      await until('two more callers waiting', () => (endpointsOn(fs1) === 3 ? true : undefined), 30_000);
      assert.equal(endpointsOn(fs2), undefined, 'still frozen: nothing went there');
    } finally {
      process.kill(pidOf(FS2_PID!), 'SIGCONT');
    }
    const resumedAt = Date.now();
    await until('the resumed server taken back', () => (endpointsOn(fs2) !== undefined ? true : undefined), 30_000, 100);
    console.log(`      FreeSWITCH #2 taken back ${Date.now() - resumedAt} ms after SIGCONT`);
    caller(5);
    caller(6);
    await until('two more callers waiting', () => (total() === 5 ? true : undefined), 30_000);
    assert.deepEqual([endpointsOn(fs1), endpointsOn(fs2)], [3, 2], 'the next callers go to the resumed server, the less loaded one');
  });
});

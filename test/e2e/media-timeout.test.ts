import assert from 'node:assert/strict';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp } from './sipp';
import { DID, startStack, type Stack } from './stack';
import { expectNoDrachtioDialogs } from './drachtio-dialogs';
import { eslApi } from '../helpers/esl';
import { until } from '../helpers/until';

/**
 * A caller whose phone dies without a BYE (SIPp killed with -9 while waiting in the queue): FreeSWITCH hears
 * no more RTP and hangs the channel up after its media timeout (freeswitch-conf/vars.xml MEDIA_TIMEOUT_SEC,
 * rtp-timeout-sec of the profiles; 60 s by default), the app ends the call and its queue entry, nothing is
 * left. E2E_MEDIA_TIMEOUT_SEC tells the test the running FreeSWITCH's value when it is not the default.
 */
const MEDIA_TIMEOUT_SEC = Number(process.env.E2E_MEDIA_TIMEOUT_SEC ?? 60);

describe('e2e: a caller gone without a BYE is hung up at the media timeout', function () {
  this.timeout((MEDIA_TIMEOUT_SEC + 160) * 1000);
  let env: E2eEnv;
  let stack: Stack | undefined;
  const channels = async () => Number(/(\d+) total/.exec(await eslApi(env.freeswitch, 'show channels count'))?.[1] ?? NaN);

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
    if (why) {
      console.log(`      media-timeout e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
  });
  after(async () => {
    await killLeftoverSipp();
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
  });

  it('the waiting caller killed with -9: FreeSWITCH channel gone within the media timeout (+ 15 s), the queue entry ended and the call recorded', async () => {
    stack = await startStack(env, []); // no agents: the caller who presses 2 waits in the queue
    const s = stack;
    const caller = runSipp('caller-decline.xml', { port: 5121, mediaPort: 17510, target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550471'], logDir: s.logDir, timeoutSec: 60 });
    const waiting = await until('the caller waits in the queue', () => s.readLog().find((l) => l.msg === 'caller waits in queue' && l.ani === '12025550471'), 30_000, 100);
    caller.proc.kill('SIGKILL'); // before its scenario's BYE: a phone that lost power
    const goneAt = Date.now();
    assert.ok((await channels()) >= 1, 'the channel is still up right after the caller vanished');

    await until('no FreeSWITCH channel', async () => ((await channels()) === 0 ? true : undefined), (MEDIA_TIMEOUT_SEC + 15) * 1000, 500);
    const tookMs = Date.now() - goneAt;
    const dialogsChecked = await expectNoDrachtioDialogs(); // nor a SIP dialog in drachtio-server (E2E_DRACHTIO_METRICS)
    const rec = await until('the interaction recorded', () => s.interactions.find((i) => i.ani?.includes('12025550471')), 10_000, 200);
    assert.notEqual(rec.outcome, 'CALLBACK');
    await until('the queue entry ended', () => (s.queue.targetNames().every((t) => s.queue.queueLength(t) === 0) ? true : undefined), 10_000, 200);
    // SIPp's caller sends no RTP of its own (its keys go by SIP INFO): FreeSWITCH's timer runs from the answer
    const answered = s.readLog().find((l) => l.msg === 'call answered' && l.callId === waiting.callId);
    const gone = s.readLog().find((l) => l.msg === 'media endpoint gone; ending the call' && l.callId === waiting.callId);
    assert.ok(answered && gone, 'the answer and the end of the media are logged');
    const silentMs = Number(gone.time) - Number(answered.time);
    assert.ok(silentMs >= (MEDIA_TIMEOUT_SEC - 2) * 1000, `hung up by the media timeout, not by something else (${silentMs} ms without RTP)`);
    console.log(`      FreeSWITCH hung up after ${(silentMs / 1000).toFixed(1)} s without RTP (media timeout ${MEDIA_TIMEOUT_SEC} s), channels 0 ${(tookMs / 1000).toFixed(1)} s after the caller vanished; recorded ${rec.outcome}${dialogsChecked ? "; no drachtio-server dialog left" : ""}`);
  });
});

import assert from 'node:assert/strict';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp, sippMessages, type SippRun } from './sipp';
import { AGENT_PORT, DID, SERVICE, startStack, type Stack } from './stack';
import { eslApi } from '../helpers/esl';
import { sleep, until } from '../helpers/until';

/**
 * Bad and hostile SIP (issue 15 §3) and who may call (§4), through drachtio-server + FreeSWITCH + the app:
 * SIPp scenarios from sip/ send what scanners, broken trunks and curious agents send. After each, the app is
 * still up, FreeSWITCH has no channel left (`show channels count` over the event socket), and the kind shows
 * in /metrics. Other loopback addresses (127.0.0.2...) are sources outside the trunk list (127.0.0.1 only).
 * Without the servers the suite prints one line and exits 0.
 */
let env: E2eEnv;
before(async function () {
  this.timeout(10_000);
  const e = await e2eEnv();
  const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
  if (why) {
    console.log(`e2e hostile SIP suite skipped: ${why}`);
    process.exit(0);
  }
  env = e as E2eEnv;
});

const UNKNOWN_DID = '19995550000';

describe('e2e: bad and hostile SIP, and who may call, through drachtio-server and FreeSWITCH', function () {
  this.timeout(120_000);
  let stack: Stack;
  /** FreeSWITCH's channels before the suite (another run's leftovers): each test must bring it back to this */
  let baseline = 0;
  let mediaPort = 17000;
  // SIPp binds -mp and -mp+2; this suite stays in 17000-17499 (telephony.test.ts uses 16000-16299)
  const nextMedia = () => (mediaPort += 10);

  before(async () => {
    stack = await startStack(
      env,
      [
        { id: 'alice', uri: `sip:alice@127.0.0.1:${AGENT_PORT}` },
        { id: 'dave', password: 'dave-e2e-pass' },
        { id: 'erin', password: 'erin-e2e-pass' },
      ],
      {
        // wrong passwords: each one checked (a 1 ms backoff), locked out for a minute at the 4th (403 + Retry-After)
        app: { security: { throttle: { account: { freeFailures: 2, baseDelaySec: 0.001, maxDelaySec: 0.001, lockoutAfter: 4, lockoutSec: 60 }, forgetAfterSec: 3600 } } },
        telephony: {
          access: { trunks: ['127.0.0.1/32'], maxMessageBytes: 8192 },
          limits: { invite: { perSec: 0.5, burst: 5 }, register: { perSec: 1, burst: 30 } },
        },
      },
    );
    const h = stack.telephony.health();
    assert.equal(h.drachtio?.state, 'up', `drachtio: ${h.drachtio?.detail}`);
    assert.equal(h.freeswitch?.state, 'up', `freeswitch: ${h.freeswitch?.detail}`);
    baseline = await channels();
    if (baseline) console.log(`      (FreeSWITCH has ${baseline} channel(s) from before this suite; each test must leave it at that)`);
  });
  beforeEach(() => {
    if (stack) stack.queue.setReady('alice');
  });
  afterEach(async function () {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
    if (this.currentTest?.state !== 'passed' || !stack) return;
    // the app is alive and FreeSWITCH has no channel left
    const h = stack.telephony.health();
    assert.equal(h.drachtio?.state, 'up');
    assert.equal(h.freeswitch?.state, 'up');
    await until('FreeSWITCH to have no channel left', async () => ((await channels()) === baseline ? true : undefined), 15_000, 500);
  });
  after(async () => {
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
  });

  const channels = async (): Promise<number> => Number(/(\d+) total/.exec(await eslApi(env.freeswitch, 'show channels count'))?.[1] ?? NaN);
  /** the counter's value for `kind` in /metrics */
  const counted = async (name: string, kind: string): Promise<number> => {
    const res = await fetch(`${stack.url}/metrics`);
    const text = await res.text();
    return Number(new RegExp(`^${name}\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  };
  const refused = (kind: string) => counted('sip_requests_refused_total', kind);
  const inDialog = (kind: string) => counted('sip_dialog_requests_total', kind);
  /** status codes of the responses SIPp received, in order */
  const received = (scenario: string, port: number): number[] =>
    [...sippMessages(scenario, port, stack.logDir).matchAll(/message received[^\n]*\n+SIP\/2\.0 (\d{3})/g)].map((m) => Number(m[1]));
  const finished = async (run: SippRun, what: string) => {
    const r = await run.done;
    assert.equal(r.code, 0, `${what} sipp: ${r.output.slice(-800)}\n${r.errors.slice(-1500)}`);
  };
  /** app log lines about this SIP Call-ID prefix */
  const appLines = (callIdPart: string) => stack.readLog().filter((l) => String(l.callId ?? '').includes(callIdPart));

  it('INVITE from a source that is not a trunk: 403 from the app, counted source_not_allowed', async () => {
    const before = await refused('source_not_allowed');
    const run = runSipp('invite-refused.xml', { port: 5100, mediaPort: nextMedia(), target: env.sipTarget, localIp: '127.0.0.2', args: ['-s', DID, '-key', 'caller', '12025550301'], logDir: stack.logDir, timeoutSec: 20 });
    await finished(run, 'scanner');
    assert.deepEqual(received('invite-refused.xml', 5100).filter((s) => s >= 200), [403]);
    assert.equal(await refused('source_not_allowed'), before + 1);
    assert.ok(stack.readLog().some((l) => l.msg === 'INVITE refused' && l.source === '127.0.0.2' && l.kind === 'source_not_allowed'));
  });

  it('unknown DID: 404 from the app, counted unknown_did', async () => {
    const before = await refused('unknown_did');
    const run = runSipp('invite-refused.xml', { port: 5101, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', UNKNOWN_DID, '-key', 'caller', '12025550302'], logDir: stack.logDir, timeoutSec: 20 });
    await finished(run, 'caller');
    assert.deepEqual(received('invite-refused.xml', 5101).filter((s) => s >= 200), [404]);
    assert.equal(await refused('unknown_did'), before + 1);
  });

  for (const [scenario, kind, port] of [
    ['invite-no-sdp.xml', 'no_sdp', 5102],
    ['invite-bad-sdp.xml', 'bad_sdp', 5103],
    ['invite-bad-codec.xml', 'no_common_codec', 5104],
  ] as const) {
    it(`${scenario}: 488 from the app (${kind}), no FreeSWITCH channel made`, async () => {
      const before = await refused(kind);
      const run = runSipp(scenario, { port, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', `1202555031${port - 5100}`], logDir: stack.logDir, timeoutSec: 20 });
      await finished(run, 'caller');
      const msgs = sippMessages(scenario, port, stack.logDir);
      assert.deepEqual(received(scenario, port).filter((s) => s >= 200), [488], msgs.slice(-1500));
      assert.match(msgs, /Warning: 399 callback-service/);
      assert.equal(await refused(kind), before + 1);
    });
  }

  it('oversized INVITEs: 2 x 5,000 bytes of padding (over the app\'s 8 KB) is 413 from the app; 2 x 20,000 is refused by drachtio-server before the app', async () => {
    const send = async (pad: number, port: number) => {
      const before = await refused('oversized');
      const run = runSipp('invite-oversized.xml', { port, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550320', '-key', 'pad', 'x'.repeat(pad)], logDir: stack.logDir, timeoutSec: 20 });
      const r = await run.done;
      const finals = received('invite-oversized.xml', port).filter((s) => s >= 200);
      const byApp = (await refused('oversized')) - before;
      console.log(`      INVITE with 2 x ${pad} bytes of padding over UDP: SIPp exit ${r.code}, responses ${JSON.stringify(finals)}, counted by the app ${byApp}`);
      return { finals, byApp };
    };
    const mid = await send(5000, 5105);
    assert.equal(mid.byApp, 1);
    assert.deepEqual([...new Set(mid.finals)], [413]);
    const huge = await send(20_000, 5115);
    assert.equal(huge.byApp, 0, 'the app never saw it');
    assert.ok(huge.finals.length > 0 && huge.finals.every((s) => s >= 400), `refused: ${JSON.stringify(huge.finals)}`);
  });

  it('BYE and INFO for dialogs that do not exist: 481 both; the BYE from drachtio-server (the app never sees it), the INFO from the app (counted unknown_dialog)', async () => {
    const before = await refused('unknown_dialog');
    const run = runSipp('unknown-dialog.xml', { port: 5106, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550321'], logDir: stack.logDir, timeoutSec: 20 });
    await finished(run, 'ghost');
    assert.deepEqual(received('unknown-dialog.xml', 5106), [481, 481]);
    const callId = /Call-ID: (\S+)/.exec(sippMessages('unknown-dialog.xml', 5106, stack.logDir))?.[1] ?? 'none';
    assert.deepEqual(appLines(callId).map((l) => l.method), ['INFO'], 'the app saw the INFO only');
    assert.equal(await refused('unknown_dialog'), before + 1);
  });

  it('CANCEL racing the answer (20 calls, each CANCELled at once): every call ends, no FreeSWITCH channel left', async () => {
    const run = runSipp('invite-cancel.xml', { port: 5107, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550322', '-m', '20', '-r', '4', '-l', '4'], logDir: stack.logDir, timeoutSec: 60 });
    await finished(run, 'canceller');
    const finals = received('invite-cancel.xml', 5107);
    const cancelled = finals.filter((s) => s === 487).length;
    console.log(`      20 CANCELs: ${cancelled} won (487), ${20 - cancelled} lost to the answer (200, then BYE); cancelled_before_answer counted ${await inDialog('cancelled_before_answer')}`);
    assert.ok(cancelled > 0, 'at least one CANCEL arrived before the answer');
  });

  it('during the IVR: hold and resume (re-INVITE, answered by the app: no bridge yet), UPDATE, garbage DTMF INFO (400), REFER from the caller (403); the call goes on and is recorded', async () => {
    const before = { hold: await inDialog('reinvite_hold'), resume: await inDialog('reinvite_resume'), update: await inDialog('update'), info: await refused('bad_dtmf_info'), refer: await refused('refer_from_peer') };
    const run = runSipp('caller-hold-ivr.xml', { port: 5108, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550323'], logDir: stack.logDir, timeoutSec: 30 });
    await finished(run, 'caller (fails unless hold is answered recvonly and resume sendrecv)');
    assert.deepEqual(received('caller-hold-ivr.xml', 5108).filter((s) => s >= 200), [200, 200, 200, 200, 400, 403, 200]);
    const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550323')), 10_000);
    assert.equal(rec.outcome, 'HUNG_UP_IN_IVR');
    assert.equal(await inDialog('reinvite_hold'), before.hold + 1);
    assert.equal(await inDialog('reinvite_resume'), before.resume + 1);
    assert.equal(await inDialog('update'), before.update + 1);
    assert.equal(await refused('bad_dtmf_info'), before.info + 1);
    assert.equal(await refused('refer_from_peer'), before.refer + 1);
  });

  it('during the agent bridge: the customer holds and resumes (re-INVITEs relayed to FreeSWITCH), the call goes on, COMPLETED with the agent', async () => {
    const customer = runSipp('customer-hold-bridge.xml', { port: 5090, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const res = await stack.call('POST', `/genesys/1/service/callback/${SERVICE}`, { _customer_number: '+12025550324' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = String(res.json._id);
    await until('the callback to complete', async () => {
      const r = await stack.call('GET', `/genesys/1/service/callback/${SERVICE}/${id}`);
      return r.json._callback_state === 'COMPLETED' ? true : undefined;
    }, 60_000);
    const h = await stack.call('GET', `/genesys/1/service/callback/${SERVICE}/${id}/history`);
    assert.match(JSON.stringify(h.json.attempts), /CONNECTED_TO_AGENT/);
    await finished(customer, 'customer (fails unless hold is answered recvonly and resume sendrecv)');
    await finished(agent, 'agent');
    // the customer leg's lines carry the callback id too
    const msgs = stack.readLog().filter((l) => l.callbackId === id).map((l) => String(l.msg));
    const connected = msgs.indexOf('customer connected to agent');
    const held = msgs.indexOf('far end put the call on hold');
    const resumed = msgs.indexOf('far end took the call off hold');
    assert.ok(connected >= 0 && held > connected && resumed > held, `hold, then resume, during the bridge: ${msgs.join(' | ')}`);
  });

  it('the customer holds before the agent is bridged (answered by the app, FreeSWITCH not told) and resumes after: bridged all the same, COMPLETED, no channel left', async () => {
    const customer = runSipp('customer-hold-early.xml', { port: 5090, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const res = await stack.call('POST', `/genesys/1/service/callback/${SERVICE}`, { _customer_number: '+12025550325' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const id = String(res.json._id);
    await until('the callback to complete', async () => {
      const r = await stack.call('GET', `/genesys/1/service/callback/${SERVICE}/${id}`);
      return r.json._callback_state === 'COMPLETED' ? true : undefined;
    }, 60_000);
    const h = await stack.call('GET', `/genesys/1/service/callback/${SERVICE}/${id}/history`);
    assert.match(JSON.stringify(h.json.attempts), /CONNECTED_TO_AGENT/);
    await finished(customer, 'customer (fails unless hold is answered recvonly and resume two-way)');
    await finished(agent, 'agent');
    const lines = stack.readLog().filter((l) => l.callbackId === id);
    const msgs = lines.map((l) => String(l.msg));
    const held = msgs.indexOf('far end put the call on hold');
    const connected = msgs.indexOf('customer connected to agent');
    assert.ok(held >= 0 && connected >= 0, msgs.join(' | '));
    assert.equal(lines[held]!.answeredBy, 'app');
    console.log(`      hold ${held < connected ? 'before' : 'after'} the bridge, resume ${msgs.indexOf('far end took the call off hold') > connected ? 'after' : 'before'} it`);
  });

  it("an agent's registered softphone tries to call out through the service: 403 Agents Cannot Call Out (agent_dial_out)", async () => {
    const before = await refused('agent_dial_out');
    const run = runSipp('agent-dialout.xml', { port: 5109, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'agent', 'dave', '-au', 'dave', '-ap', 'dave-e2e-pass'], logDir: stack.logDir, timeoutSec: 20 });
    await finished(run, 'agent');
    assert.match(sippMessages('agent-dialout.xml', 5109, stack.logDir), /SIP\/2\.0 403 Agents Cannot Call Out/);
    assert.equal(await refused('agent_dial_out'), before + 1);
    assert.equal(stack.queue.getAgent('dave').registration, undefined, 'un-REGISTERed at the end');
  });

  it('REGISTER with wrong passwords in a loop: 401, then 403 Too Many Failed Attempts with Retry-After (held back, then locked out), counted', async () => {
    const run = runSipp('register-wrong.xml', { port: 5110, mediaPort: nextMedia(), target: env.sipTarget, localIp: '127.0.0.3', args: ['-key', 'agent', 'erin', '-au', 'erin', '-ap', 'guess', '-m', '8', '-l', '1'], logDir: stack.logDir, timeoutSec: 30 });
    await finished(run, 'guesser');
    const msgs = sippMessages('register-wrong.xml', 5110, stack.logDir);
    const finals = received('register-wrong.xml', 5110);
    assert.ok(finals.includes(403), `403 after the free guesses: ${JSON.stringify(finals)}`);
    assert.equal(finals.indexOf(403) > finals.indexOf(401), true);
    assert.match(msgs, /SIP\/2\.0 403 Too Many Failed Attempts[\s\S]*?Retry-After: \d+/);
    assert.ok((await refused('register_locked_out')) >= 1);
    assert.equal(await refused('register_bad_credentials'), 4, 'four guesses checked, the rest refused unchecked');
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    assert.match(metrics, /auth_failures_total\{kind="sip-register"\} [2-9]/);
    assert.match(metrics, /auth_lockouts_total\{kind="sip-register",scope="account"\} 1/);
    assert.match(metrics, /auth_throttled_total\{kind="sip-register",scope="account",reason="lockout"\} [1-9]/);
    // the right password is refused too while locked out
    const right = runSipp('agent-register.xml', { port: 5111, mediaPort: nextMedia(), target: env.sipTarget, localIp: '127.0.0.3', args: ['-key', 'agent', 'erin', '-au', 'erin', '-ap', 'erin-e2e-pass'], logDir: stack.logDir, timeoutSec: 10 });
    assert.notEqual((await right.done).code, 0);
    assert.equal(stack.queue.getAgent('erin').registration, undefined);
  });

  it('REGISTER flood from one source (60 at 200/s): 503 with Retry-After past the limit, counted register_rate_limited', async () => {
    const before = await refused('register_rate_limited');
    const run = runSipp('register-flood.xml', { port: 5112, mediaPort: nextMedia(), target: env.sipTarget, localIp: '127.0.0.4', args: ['-key', 'agent', 'nobody', '-m', '60', '-r', '200'], logDir: stack.logDir, timeoutSec: 30 });
    await finished(run, 'flooder');
    const finals = received('register-flood.xml', 5112);
    const limited = finals.filter((s) => s === 503).length;
    console.log(`      REGISTER flood: ${finals.filter((s) => s === 401).length} x 401, ${limited} x 503`);
    assert.ok(limited > 0, JSON.stringify(finals));
    assert.match(sippMessages('register-flood.xml', 5112, stack.logDir), /SIP\/2\.0 503[^\n]*\n[\s\S]*?Retry-After: \d+/);
    assert.equal(await refused('register_rate_limited'), before + limited);
  });

  it('INVITE flood from one source that is not a trunk (30 at 200/s): 403, then 503 with Retry-After, counted invite_rate_limited; a trunk call goes on meanwhile', async () => {
    const before = await refused('invite_rate_limited');
    const run = runSipp('invite-refused.xml', { port: 5113, mediaPort: nextMedia(), target: env.sipTarget, localIp: '127.0.0.5', args: ['-s', DID, '-key', 'caller', '12025550330', '-m', '30', '-r', '200'], logDir: stack.logDir, timeoutSec: 30 });
    await finished(run, 'flooder');
    const finals = received('invite-refused.xml', 5113).filter((s) => s >= 200);
    const limited = finals.filter((s) => s === 503).length;
    console.log(`      INVITE flood: ${finals.filter((s) => s === 403).length} x 403, ${limited} x 503`);
    assert.ok(limited > 0 && finals.includes(403), JSON.stringify(finals));
    assert.equal(await refused('invite_rate_limited'), before + limited);
    // the trunk is not held back
    const caller = runSipp('caller-hangup-ivr.xml', { port: 5114, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550331'], logDir: stack.logDir });
    await finished(caller, 'trunk caller');
  });
});

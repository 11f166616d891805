import assert from 'node:assert/strict';
import fs from 'node:fs';
import { e2eEnv, type E2eEnv } from './env';
import { MediaWitness } from './media-witness';
import { hasSipp, killLeftoverSipp, runSipp, sippMessages } from './sipp';
import { AGENT_PORT, CHECK_SERVICE, DID, MESSAGE_SERVICE, REFER_SERVICE, SERVICE, SLOT_DID, SLOT_SERVICE, TRUNK_PORT, UO_DID, UO_SERVICE, startStack, type Stack } from './stack';
import { sleep, until } from '../helpers/until';

/**
 * SIPp scenarios from sip/ through drachtio-server + FreeSWITCH + the app. Without the servers (env unset or
 * unreachable) the suite prints one line and exits 0 (DESIGN.md §4).
 */
let env: E2eEnv;
before(async function () {
  this.timeout(10_000);
  const e = await e2eEnv();
  const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
  if (why) {
    console.log(`e2e suite skipped: ${why}`);
    process.exit(0);
  }
  env = e as E2eEnv;
});

const pathOf = (service: string) => `/genesys/1/service/callback/${service}`;
const base = pathOf(SERVICE);
/** a second static agent, READY only in the no-answer test */
const CAROL_PORT = 5092;

describe('e2e: telephony through drachtio-server and FreeSWITCH', function () {
  this.timeout(120_000);
  let stack: Stack;
  let media: MediaWitness;
  let mediaPort = 16000;
  // SIPp binds -mp and -mp+2; a step of 10 keeps the suite in 16000-16299 (other suites on this host use 17500+)
  const nextMedia = () => (mediaPort += 10);

  before(async () => {
    stack = await startStack(env, [
      { id: 'alice', uri: `sip:alice@127.0.0.1:${AGENT_PORT}` },
      { id: 'bob', password: 'bob-e2e-pass' },
      { id: 'carol', uri: `sip:carol@127.0.0.1:${CAROL_PORT}` },
    ]);
    stack.queue.setNotReady('carol');
    const h = stack.telephony.health();
    assert.equal(h.drachtio?.state, 'up', `drachtio: ${h.drachtio?.detail}`);
    assert.equal(h.freeswitch?.state, 'up', `freeswitch: ${h.freeswitch?.detail}`);
    media = new MediaWitness(env.freeswitch);
    await media.connect();
  });
  // alice is every test's agent: a test that fails after she rang out (NOT_READY, no-answer) must not fail the rest
  beforeEach(() => {
    if (stack) stack.queue.setReady('alice');
  });
  // a failed test's SIPp peers would keep their ports (and answer the next test's calls)
  afterEach(async () => {
    const n = await killLeftoverSipp();
    if (n) console.log(`      (ended ${n} SIPp peer(s) the test left running)`);
  });
  after(async () => {
    media?.close();
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
  });

  it('caller hangs up mid-IVR: the interaction is recorded HUNG_UP_IN_IVR, no callback', async () => {
    const caller = runSipp('caller-hangup-ivr.xml', { port: 5070, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550145'], logDir: stack.logDir });
    const r = await caller.done;
    assert.equal(r.code, 0, `sipp: ${r.output.slice(-800)}\n${r.errors}`);
    const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550145')), 10_000);
    assert.equal(rec.outcome, 'HUNG_UP_IN_IVR');
    assert.equal(rec.attached._CB_SERVICE_ID, undefined);
  });

  it('caller presses 2 and hangs up in queue: ABANDONED_IN_QUEUE', async () => {
    stack.queue.setNotReady('alice');
    try {
      const caller = runSipp('caller-decline.xml', { port: 5071, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550146'], logDir: stack.logDir });
      const r = await caller.done;
      assert.equal(r.code, 0, `sipp: ${r.output.slice(-800)}\n${r.errors}`);
      const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550146')), 10_000);
      assert.equal(rec.outcome, 'ABANDONED_IN_QUEUE');
    } finally {
      stack.queue.setReady('alice');
    }
  });

  // RFC 2833 by default (SIPp play_dtmf); E2E_CALLER_SCENARIO=caller-accept-info.xml sends the digits by SIP INFO
  const acceptScenario = process.env.E2E_CALLER_SCENARIO ?? 'caller-accept.xml';
  const rfc2833 = !/info/.test(acceptScenario);
  it(`caller accepts (DTMF 1, 1 by ${rfc2833 ? 'RFC 2833' : 'SIP INFO'}): BYE with Reason Callback, callback created with _CB_* keys, customer called, human detected, agent answers, audio both ways through the bridge, COMPLETED`, async () => {
    const [customerMedia, agentMedia, callerMedia] = [nextMedia(), nextMedia(), nextMedia()];
    const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: customerMedia, logDir: stack.logDir, timeoutSec: 90 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: agentMedia, logDir: stack.logDir, timeoutSec: 90 });
    await sleep(300);
    const caller = runSipp(acceptScenario, { port: 5072, mediaPort: callerMedia, target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550143'], logDir: stack.logDir });
    const c = await caller.done;
    assert.equal(c.code, 0, `caller sipp (fails without the Reason header): ${c.output.slice(-800)}\n${c.errors}`);
    assert.match(sippMessages(acceptScenario, 5072, stack.logDir), /Reason: SIP;cause=200;text="Callback"/);
    const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550143')), 10_000);
    assert.equal(rec.outcome, 'CALLBACK');
    const id = String(rec.attached._CB_SERVICE_ID);
    assert.ok(id && rec.attached._CB_T_SERVICE_START && rec.attached._CB_T_CALLBACK_ACCEPTED, JSON.stringify(rec.attached));
    const cb = await stack.call('GET', `${base}/${id}`);
    assert.equal(cb.status, 200);
    assert.equal(cb.json._customer_number, '+12025550143');
    assert.equal(cb.json._originating_interaction_id, rec.interactionId);
    // the scheduler dials at once: customer answers and says hello, AMD says HUMAN, agent answers, customer hangs up after talking
    await until('the callback to complete', async () => {
      const r = await stack.call('GET', `${base}/${id}`);
      return r.json._callback_state === 'COMPLETED' ? r.json : undefined;
    }, 60_000);
    const history = await stack.call('GET', `${base}/${id}/history`);
    const attempts = JSON.stringify(history.json.attempts);
    assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
    assert.match(attempts, /HUMAN/, attempts);
    const [cu, ag] = await Promise.all([customer.done, agent.done]);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    assert.equal(ag.code, 0, `agent sipp: ${ag.output.slice(-600)}\n${ag.errors}`);

    // RTP, as FreeSWITCH counted it on the channel facing each SIPp peer (its far end is the peer's -mp port)
    const legs = await until('the three channels to end', () => {
      const l = [callerMedia, customerMedia, agentMedia].map((p) => media.channelTo(p));
      return l.every((x) => x) ? l.map((x) => x!) : undefined;
    }, 10_000);
    const [callerLeg, customerLeg, agentLeg] = legs;
    const show = JSON.stringify({ callerLeg, customerLeg, agentLeg, bridges: media.bridges });
    assert.ok(callerLeg.outPackets > 100, `prompts reached the caller: ${show}`);
    if (rfc2833) assert.ok(callerLeg.inDtmfPackets > 0, `the caller's RFC 2833 events reached FreeSWITCH: ${show}`);
    for (const leg of [customerLeg, agentLeg]) assert.ok(leg.inPackets > 0 && leg.outPackets > 0, `RTP both ways with each peer: ${show}`);
    // and through the bridge itself: in the window after uuid_bridge, each side sent and received
    await media.settled();
    const bridge = media.bridges.find((b) => b.legs[customerLeg.uuid] && b.legs[agentLeg.uuid]);
    assert.ok(bridge, `a bridge of the customer's and the agent's channels: ${show}`);
    for (const u of [customerLeg.uuid, agentLeg.uuid]) {
      const w = bridge.legs[u]!;
      assert.ok(w.inPackets >= 20 && w.outPackets >= 20, `≥ 20 packets each way per leg in ${bridge.windowMs} ms of bridge: ${show}`);
    }
    const io = (l: { inPackets: number; outPackets: number }) => `${l.inPackets} in/${l.outPackets} out`;
    console.log(`      RTP: caller ${io(callerLeg)} (${callerLeg.inDtmfPackets} RFC 2833), customer ${io(customerLeg)}, agent ${io(agentLeg)}; bridge ${bridge.windowMs} ms: customer ${io(bridge.legs[customerLeg.uuid]!)}, agent ${io(bridge.legs[agentLeg.uuid]!)}`);
  });

  for (const [scenario, outcome, number] of [
    ['customer-busy.xml', 'BUSY', '+12025550151'],
    ['customer-noanswer.xml', 'NO_ANSWER', '+12025550152'],
    ['customer-machine.xml', 'MACHINE', '+12025550153'],
    // a greeting with a 1.2 s pause after its first sentence (longer than the short wait after a "hello?")
    ['customer-machine-paused.xml', 'MACHINE', '+12025550154'],
  ] as const) {
    it(`customer ${scenario.replace(/^customer-|\.xml$/g, '')}: the attempt ends ${outcome}`, async () => {
      const customer = runSipp(scenario, { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
      await sleep(300);
      const res = await stack.call('POST', base, { _customer_number: number });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const id = String(res.json._id);
      const attempts = await until('the attempt', async () => {
        const h = await stack.call('GET', `${base}/${id}/history`);
        const a = (h.json.attempts ?? []) as Record<string, unknown>[];
        return a.some((x) => JSON.stringify(x).includes(outcome)) ? a : undefined;
      }, 50_000);
      assert.match(JSON.stringify(attempts), new RegExp(outcome));
      const cu = await customer.done;
      assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    });
  }

  /** POST a callback for `number` on `service`; its id */
  async function requestCallback(service: string, number: string): Promise<string> {
    const res = await stack.call('POST', pathOf(service), { _customer_number: number });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return String(res.json._id);
  }
  async function completed(service: string, id: string, timeoutMs = 60_000): Promise<{ callback: Record<string, unknown>; attempts: string }> {
    const callback = await until('the callback to complete', async () => {
      const r = await stack.call('GET', `${pathOf(service)}/${id}`);
      return r.json._callback_state === 'COMPLETED' ? (r.json as Record<string, unknown>) : undefined;
    }, timeoutMs);
    const h = await stack.call('GET', `${pathOf(service)}/${id}/history`);
    return { callback, attempts: JSON.stringify(h.json.attempts ?? h.json) };
  }
  const appLog = () => stack.readLog();

  it('REFER mode: the customer\'s UA accepts the REFER, calls the agent it names (answered), reports NOTIFY sipfrag 100 then 200: transferred, COMPLETED', async () => {
    // SIPp 3PCC extended: the customer's UA is two instances, the dialog with us (master "m") and the call it
    // places to the Refer-To target (slave "s1"); each gets its own copy of the peers file
    const cfg = (name: string) => {
      const f = `${stack.logDir}/3pcc-${name}.cfg`;
      fs.writeFileSync(f, 'm;127.0.0.1:6080\ns1;127.0.0.1:6081\n');
      return f;
    };
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const target = runSipp('refer-target.xml', { port: 5078, mediaPort: nextMedia(), target: `127.0.0.1:${AGENT_PORT}`, args: ['-slave', 's1', '-slave_cfg', cfg('s1')], logDir: stack.logDir, timeoutSec: 60 });
    await sleep(500);
    const customer = runSipp('customer-refer-transfer.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), args: ['-master', 'm', '-slave_cfg', cfg('m')], logDir: stack.logDir, timeoutSec: 60 });
    await sleep(500);
    const id = await requestCallback(REFER_SERVICE, '+12025550161');
    const { attempts } = await completed(REFER_SERVICE, id);
    assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
    const [cu, ta, ag] = await Promise.all([customer.done, target.done, agent.done]);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    assert.equal(ta.code, 0, `transfer-target sipp: ${ta.output.slice(-600)}\n${ta.errors}`);
    assert.equal(ag.code, 0, `agent sipp (answered the transferred call): ${ag.output.slice(-600)}\n${ag.errors}`);
    const msgs = sippMessages('customer-refer-transfer.xml', TRUNK_PORT, stack.logDir);
    assert.match(msgs, new RegExp(`REFER sip:[^\\n]*\\n[\\s\\S]*Refer-To: <sip:alice@127\\.0\\.0\\.1:${AGENT_PORT}>`), 'the REFER names the reserved agent');
    // the agent's phone got the call from the customer's UA, not from us
    assert.match(sippMessages('agent-answer.xml', AGENT_PORT, stack.logDir), /INVITE sip:alice@127\.0\.0\.1:\d+ SIP\/2\.0[\s\S]*Referred-By:/);
    const log = appLog().filter((l) => l.callbackId === id);
    assert.deepEqual(log.filter((l) => l.msg === 'REFER progress').map((l) => l.sipfrag), [100, 200]);
    assert.ok(log.some((l) => l.msg === 'customer transferred to agent by REFER'));
    assert.ok(!log.some((l) => l.msg === 'REFER failed; falling back to bridge'));
    assert.equal(stack.queue.getAgent('alice').reservation, undefined, 'alice is free again once the call left us');
  });

  it('REFER mode, REFER refused (603): falls back to a bridge to the agent, audio through it, COMPLETED', async () => {
    const customerMedia = nextMedia();
    const customer = runSipp('customer-refer-reject.xml', { port: TRUNK_PORT, mediaPort: customerMedia, logDir: stack.logDir, timeoutSec: 60 });
    const agentMedia = nextMedia();
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: agentMedia, logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const id = await requestCallback(REFER_SERVICE, '+12025550162');
    const { attempts } = await completed(REFER_SERVICE, id);
    assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
    const [cu, ag] = await Promise.all([customer.done, agent.done]);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    assert.equal(ag.code, 0, `agent sipp (answers the fallback bridge leg): ${ag.output.slice(-600)}\n${ag.errors}`);
    assert.match(sippMessages('customer-refer-reject.xml', TRUNK_PORT, stack.logDir), /SIP\/2\.0 603 Decline/);
    const log = appLog().filter((l) => l.callbackId === id);
    assert.ok(log.some((l) => l.msg === 'REFER failed; falling back to bridge' && l.sipStatus === 603), 'the 603 is logged as the reason for the fallback');
    assert.ok(log.some((l) => l.msg === 'customer connected to agent'));
    const legs = await until('both channels to end', () => {
      const l = [media.channelTo(customerMedia), media.channelTo(agentMedia)];
      return l.every((x) => x) ? l.map((x) => x!) : undefined;
    }, 10_000);
    await media.settled();
    const bridge = media.bridges.find((b) => b.legs[legs[0]!.uuid] && b.legs[legs[1]!.uuid]);
    assert.ok(bridge, 'the fallback bridged the customer and the agent');
    for (const l of legs) assert.ok(bridge.legs[l.uuid]!.inPackets >= 20 && bridge.legs[l.uuid]!.outPackets >= 20, JSON.stringify(bridge));
  });

  it('answer check on: a silent answer (NO_SPEECH, which this service connects) hears the announcement and presses 1 (RFC 2833): connected to the agent only after the key, COMPLETED', async () => {
    const customer = runSipp('customer-silent-key.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const id = await requestCallback(CHECK_SERVICE, '+12025550166');
    const { attempts } = await completed(CHECK_SERVICE, id);
    assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
    const msgs = appLog().filter((l) => l.callbackId === id).map((l) => String(l.msg));
    assert.ok(msgs.includes('answer check: confirmed'), msgs.join(' | '));
    assert.ok(msgs.indexOf('answer check: confirmed') < msgs.indexOf('calling agent'), `the agent is called only after the key: ${msgs.join(' | ')}`);
    const [cu, ag] = await Promise.all([customer.done, agent.done]);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    assert.equal(ag.code, 0, `agent sipp: ${ag.output.slice(-600)}\n${ag.errors}`);
  });

  it('answer check on, no key: a second audio fork on the same call (the check\'s AMD) starts, NO_CONFIRMATION, the agent is never called', async () => {
    const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const id = await requestCallback(CHECK_SERVICE, '+12025550167');
    const attempts = await until('the attempt', async () => {
      const h = await stack.call('GET', `${pathOf(CHECK_SERVICE)}/${id}/history`);
      const a = (h.json.attempts ?? []) as Record<string, unknown>[];
      return a.some((x) => x.outcome === 'NO_CONFIRMATION') ? a : undefined;
    }, 40_000);
    assert.equal(attempts.length, 1, JSON.stringify(attempts));
    const log = appLog().filter((l) => l.callbackId === id);
    assert.ok(!log.some((l) => l.msg === 'calling agent'), 'no agent was called');
    await customer.done;
  });

  it('agent no answer: the first agent rings out (ring timeout, CANCEL) and is released, the next agent is reserved and answers, COMPLETED with the second', async () => {
    const customer = runSipp('customer-human.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const alice = runSipp('agent-noanswer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const carol = runSipp('agent-answer.xml', { port: CAROL_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    try {
      const id = await requestCallback(SERVICE, '+12025550163');
      // only alice is READY, so she is reserved first; carol becomes READY while alice rings
      await until('alice reserved', () => stack.queue.getAgent('alice').reservation, 20_000);
      stack.queue.setReady('carol');
      const { attempts } = await completed(SERVICE, id);
      assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
      assert.match(attempts, /carol/, attempts);
      const [cu, al, ca] = await Promise.all([customer.done, alice.done, carol.done]);
      assert.equal(al.code, 0, `alice sipp (rings until CANCEL): ${al.output.slice(-600)}\n${al.errors}`);
      assert.equal(ca.code, 0, `carol sipp: ${ca.output.slice(-600)}\n${ca.errors}`);
      assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
      assert.match(sippMessages('agent-noanswer.xml', AGENT_PORT, stack.logDir), /CANCEL sip:/);
      const log = appLog().filter((l) => l.callbackId === id);
      const calling = log.filter((l) => l.msg === 'calling agent').map((l) => l.agentId);
      assert.deepEqual(calling, ['alice', 'carol']);
      assert.ok(log.some((l) => l.msg === 'agent did not take the call; released' && l.agentId === 'alice'));
      assert.notEqual(stack.queue.getAgent('alice').state, 'READY', 'an agent who let the call ring out is not offered the next call at once');
    } finally {
      for (const a of ['alice']) {
        try {
          stack.queue.setReady(a);
        } catch {
          /* already ready */
        }
      }
      stack.queue.setNotReady('carol');
    }
  });

  it('a person with music behind them: "hello" over a music bed from answer on, AMD says HUMAN, the agent answers, COMPLETED', async () => {
    const customer = runSipp('customer-human-music.xml', { port: TRUNK_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const id = await requestCallback(SERVICE, '+12025550155');
    const { attempts } = await completed(SERVICE, id);
    assert.match(attempts, /"amdDecision":"HUMAN"/, attempts);
    assert.match(attempts, /CONNECTED_TO_AGENT/, attempts);
    const [cu, ag] = await Promise.all([customer.done, agent.done]);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    assert.equal(ag.code, 0, `agent sipp: ${ag.output.slice(-600)}\n${ag.errors}`);
  });

  it('answering machine on a leave-message service: the message is played after the beep, attempt MACHINE', async () => {
    const customerMedia = nextMedia();
    const customer = runSipp('customer-machine.xml', { port: TRUNK_PORT, mediaPort: customerMedia, logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const id = await requestCallback(MESSAGE_SERVICE, '+12025550164');
    const attempts = await until('the attempt', async () => {
      const h = await stack.call('GET', `${pathOf(MESSAGE_SERVICE)}/${id}/history`);
      const a = JSON.stringify(h.json.attempts ?? []);
      return /MACHINE/.test(a) ? a : undefined;
    }, 50_000);
    assert.match(attempts, /MACHINE/);
    const cu = await customer.done;
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    const log = appLog().filter((l) => l.callbackId === id);
    const left = log.find((l) => l.msg === 'beep heard; leaving the message');
    assert.ok(left, `the beep was heard before the message: ${JSON.stringify(log.map((l) => l.msg))}`);
    // the greeting ends with its beep at about 8.6 s
    assert.ok(Number(left.beepMs) > 7000, `beep at ${String(left.beepMs)} ms`);
    const leg = await until('the customer channel to end', () => media.channelTo(customerMedia), 10_000);
    // the message (please-try-call-later, ~2 s) went out after the beep: at 20 ms a packet, well over 50 packets
    assert.ok(leg.outPackets > 50, JSON.stringify(leg));
  });

  it('USERORIGINATED: the customer calls the service\'s DID with the callback\'s number as caller ID: matched (caller number and dialed number), routed as the callback, connected, COMPLETED', async () => {
    const id = await requestCallback(UO_SERVICE, '+12025550165');
    const before = await stack.call('GET', `${pathOf(UO_SERVICE)}/${id}`);
    assert.equal(before.json._callback_state, 'QUEUED', JSON.stringify(before.json));
    const agent = runSipp('agent-answer.xml', { port: AGENT_PORT, mediaPort: nextMedia(), logDir: stack.logDir, timeoutSec: 60 });
    await sleep(300);
    const caller = runSipp('caller-talk.xml', { port: 5076, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', UO_DID, '-key', 'caller', '12025550165'], logDir: stack.logDir });
    const { callback } = await completed(UO_SERVICE, id);
    assert.match(JSON.stringify(callback), /CONNECTED_TO_AGENT/, JSON.stringify(callback));
    const [c, ag] = await Promise.all([caller.done, agent.done]);
    assert.equal(c.code, 0, `caller sipp: ${c.output.slice(-600)}\n${c.errors}`);
    assert.equal(ag.code, 0, `agent sipp: ${ag.output.slice(-600)}\n${ag.errors}`);
    const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550165')), 10_000);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(rec.attached._CB_ID, id);
    assert.equal(rec.serviceName, UO_SERVICE, 'routed as the callback, not as the IVR');
    const matched = appLog().find((l) => l.msg === 'user-originated callback matched by caller ID' && l.callbackId === id);
    assert.ok(matched, 'the app logged the match');
  });

  it('IVR slot offer (service allows scheduling): 1, 1, then 2 = the next open slot; the callback is SCHEDULED at that slot, BYE with Reason Callback', async () => {
    // what the REST API says is the first open slot, the same answer the IVR reads to the caller
    const avail = await stack.call('GET', `${pathOf(SLOT_SERVICE)}/availability`);
    assert.equal(avail.status, 200, JSON.stringify(avail.json));
    const slot = Object.keys(avail.json as Record<string, number>)[0];
    assert.ok(slot, JSON.stringify(avail.json));
    const caller = runSipp('caller-accept-slot.xml', { port: 5077, mediaPort: nextMedia(), target: env.sipTarget, args: ['-s', SLOT_DID, '-key', 'caller', '12025550166'], logDir: stack.logDir });
    const c = await caller.done;
    assert.equal(c.code, 0, `caller sipp (fails without the Reason header): ${c.output.slice(-800)}\n${c.errors}`);
    const rec = await until('the interaction record', () => stack.interactions.find((i) => i.ani?.includes('12025550166')), 10_000);
    assert.equal(rec.outcome, 'CALLBACK');
    const id = String(rec.attached._CB_SERVICE_ID);
    const cb = await stack.call('GET', `${pathOf(SLOT_SERVICE)}/${id}`);
    try {
      assert.equal(cb.json._callback_state, 'SCHEDULED', JSON.stringify(cb.json));
      assert.equal(new Date(String(cb.json._desired_time)).toISOString(), new Date(slot).toISOString(), JSON.stringify(cb.json));
      const offered = appLog().find((l) => l.msg === 'slot offer answered' && l.interactionId === rec.interactionId);
      assert.equal(offered?.digits, '2', 'the caller answered the slot question with 2');
      assert.equal(offered?.slot, slot);
    } finally {
      await stack.call('DELETE', `${pathOf(SLOT_SERVICE)}/${id}`);
    }
  });

  it('agent softphone REGISTERs with digest auth: the queue has its contact; un-REGISTER clears it', async () => {
    const [host, port] = env.sipTarget.split(':');
    const reg = runSipp('agent-register.xml', { port: 5073, mediaPort: nextMedia(), target: `${host}:${port}`, args: ['-key', 'agent', 'bob', '-au', 'bob', '-ap', 'bob-e2e-pass'], logDir: stack.logDir });
    const contact = await until('the registration', () => stack.queue.getAgent('bob').registration?.contactUri, 5000);
    assert.match(contact, /bob@127\.0\.0\.1:5073/);
    const r = await reg.done;
    assert.equal(r.code, 0, `sipp: ${r.output.slice(-600)}\n${r.errors}`);
    assert.equal(stack.queue.getAgent('bob').registration, undefined);
    // a wrong password is refused
    const bad = runSipp('agent-register.xml', { port: 5074, mediaPort: nextMedia(), target: env.sipTarget, args: ['-key', 'agent', 'bob', '-au', 'bob', '-ap', 'wrong'], logDir: stack.logDir, timeoutSec: 10 });
    assert.notEqual((await bad.done).code, 0);
    assert.equal(stack.queue.getAgent('bob').registration, undefined);
  });

  it('/health shows drachtio and FreeSWITCH up', () => {
    const h = stack.telephony.health();
    assert.equal(h.drachtio?.state, 'up');
    assert.equal(h.freeswitch?.state, 'up');
    assert.ok(fs.existsSync(stack.logFile));
  });
});

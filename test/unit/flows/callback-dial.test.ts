import assert from 'node:assert/strict';
import { CallbackDialer, type CallbackDialDeps } from '../../../src/flows/callback-dial';
import type { DialRequest } from '../../../src/ports/dialer';
import type { CustomerCallResult } from '../../../src/flows/call';
import { dispositionOf } from '../../../src/flows/sip-disposition';
import { FakeAgentCalls, FakeCustomers, FakeLeg, FakeQueue, connectSettings, log, prompts } from './fakes';

function setup(o: {
  result: () => CustomerCallResult;
  machine?: 'hangup' | 'leave_message';
  agents?: (string | null)[];
  bridge?: (number | 'answer')[];
  mode?: 'bridge' | 'refer';
  refer?: (number | 'ok')[];
  /** telephony.connect.mode (the dialer's own) */
  telephonyMode?: 'bridge' | 'refer';
}) {
  const queue = new FakeQueue(30, o.agents);
  const customers = new FakeCustomers(o.result);
  const agents = new FakeAgentCalls(o.bridge ?? ['answer'], o.refer ?? [], 5);
  let now = 0;
  const deps: CallbackDialDeps = {
    queue,
    customers,
    agents,
    clock: { now: () => (now += 100) },
    settings: connectSettings,
    holdPrompt: prompts.pleaseHold,
    holdMusic: prompts.holdMusic,
    service: () => ({ machine: o.machine ?? 'hangup', notSure: 'connect', noSpeech: 'hangup', pAssertedIdentity: '<sip:+18005550100@cc.example>', prompts }),
    amdTimeoutMs: 1000,
    beepTimeoutMs: 1000,
    isReady: () => true,
    logger: log,
    ...(o.telephonyMode ? { connectMode: o.telephonyMode } : {}),
  };
  return { dialer: new CallbackDialer(deps), queue, customers, agents };
}
const req = (o: Partial<DialRequest> = {}): DialRequest => ({
  callbackId: 'cb-1',
  attemptId: 'at-1',
  attemptNumber: 1,
  serviceName: 'support-cb',
  customerNumber: '+12025550143',
  target: 'support',
  waitForAgent: false,
  connectMode: 'bridge',
  ringTimeoutSec: 20,
  userData: {},
  ...o,
});

describe('flows/callback-dial', () => {
  it('maps SIP failures to dispositions', () => {
    assert.equal(dispositionOf(486), 'BUSY');
    assert.equal(dispositionOf(600), 'BUSY');
    assert.equal(dispositionOf(480), 'NO_ANSWER');
    assert.equal(dispositionOf(408), 'NO_ANSWER');
    assert.equal(dispositionOf(487), 'NO_ANSWER');
    assert.equal(dispositionOf(603), 'REJECTED');
    assert.equal(dispositionOf(403), 'REJECTED');
    assert.equal(dispositionOf(404), 'REJECTED');
    assert.equal(dispositionOf(503), 'UNREACHABLE');
    assert.equal(dispositionOf(undefined), 'UNREACHABLE');
  });

  it('busy customer: BUSY with the SIP status, the reserved agent (wait_for_agent) released', async () => {
    const { dialer, queue, customers } = setup({ result: () => ({ kind: 'failed', sipStatus: 486, earlyMedia: false, detail: 'busy' }) });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'BUSY');
    assert.equal(r.sipStatus, 486);
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
    assert.equal(customers.dials[0]?.pAssertedIdentity, '<sip:+18005550100@cc.example>');
    assert.equal(customers.dials[0]?.ringTimeoutSec, 20);
  });

  it('ring timeout with early media only: NO_ANSWER', async () => {
    const { dialer } = setup({ result: () => ({ kind: 'failed', sipStatus: 487, earlyMedia: true, detail: 'ring timeout' }) });
    assert.equal((await dialer.dial(req(), new AbortController().signal)).outcome, 'NO_ANSWER');
  });

  it('human answers (dial first): please hold, agent reserved, bridged, both legs end, agent freed', async () => {
    const leg = new FakeLeg('cust-1');
    const stages: string[] = [];
    const { dialer, queue } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req({ onProgress: (s) => stages.push(s) }), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(r.agentId, 'a1');
    assert.equal(r.amd?.decision, 'HUMAN');
    assert.deepEqual(stages, ['DIALING', 'ANSWERED', 'CONNECTED']);
    assert.equal(leg.amdStarted, 1);
    assert.equal(leg.amdStopped, 1, 'audio fork stopped before connecting');
    assert.ok(leg.log.includes('play pls-hold-while-try.wav'));
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'confirm r1', 'callEnded r1']);
    assert.ok(leg.isEnded());
  });

  it("the service's wrap-up time goes with the call: the agent's after-call work after it is that long", async () => {
    const { dialer, queue } = setup({ result: () => ({ kind: 'answered', leg: new FakeLeg('cust-1') }) });
    const r = await dialer.dial(req({ afterCallWorkSec: 45 }), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'confirm r1', 'callEnded r1 acw 45']);
  });

  it('machine, service says hang up: MACHINE, no agent involved', async () => {
    const leg = new FakeLeg('cust-1');
    leg.amd = { decision: 'MACHINE', decisionMs: 2500 };
    const { dialer, queue, agents } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'MACHINE');
    assert.equal(agents.calls.length, 0);
    assert.deepEqual(queue.events, ['enqueue callback', 'remove']);
    assert.ok(leg.hungUpByUs);
  });

  it('machine, service leaves a message: waits for the beep, plays the message, MACHINE', async () => {
    const leg = new FakeLeg('cust-1');
    leg.amd = { decision: 'MACHINE', decisionMs: 2500 };
    leg.beepMs = 9000;
    const { dialer } = setup({ result: () => ({ kind: 'answered', leg }), machine: 'leave_message' });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'MACHINE');
    assert.ok(leg.log.includes('play please-try-call-later.wav'));
    assert.equal(leg.amdStopped, 1);
  });

  it('agent does not answer: released with agentFault, next agent tried and connected', async () => {
    const leg = new FakeLeg('cust-1');
    const { dialer, queue, agents } = setup({ result: () => ({ kind: 'answered', leg }), bridge: [480, 'answer'] });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(r.agentId, 'a2');
    assert.deepEqual(agents.calls.map((c) => c.uri), ['sip:a1@agents', 'sip:a2@agents']);
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1 agentFault', 'reserve a2', 'confirm r2', 'callEnded r2']);
  });

  it('REFER mode: transferred when the NOTIFY says 200; falls back to bridge when it fails', async () => {
    const leg1 = new FakeLeg('cust-1');
    const a = setup({ result: () => ({ kind: 'answered', leg: leg1 }), mode: 'refer', refer: ['ok'] });
    const r1 = await a.dialer.dial(req({ connectMode: 'refer' }), new AbortController().signal);
    assert.equal(r1.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(a.agents.calls.map((c) => c.kind), ['refer']);
    const leg2 = new FakeLeg('cust-2');
    const b = setup({ result: () => ({ kind: 'answered', leg: leg2 }), mode: 'refer', refer: [503] });
    const r2 = await b.dialer.dial(req({ connectMode: 'refer' }), new AbortController().signal);
    assert.equal(r2.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(b.agents.calls.map((c) => c.kind), ['refer', 'bridge']);
  });

  it("connect mode: the request's (the service's _connect_mode) wins; none → telephony.connect.mode, else bridge", async () => {
    const kinds = async (telephonyMode: 'bridge' | 'refer' | undefined, connectMode: 'bridge' | 'refer' | undefined) => {
      const leg = new FakeLeg('cust-1');
      const s = setup({ result: () => ({ kind: 'answered', leg }), refer: ['ok'], ...(telephonyMode ? { telephonyMode } : {}) });
      const { connectMode: _omit, ...base } = req();
      const r = await s.dialer.dial({ ...base, ...(connectMode ? { connectMode } : {}) }, new AbortController().signal);
      assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
      return s.agents.calls.map((c) => c.kind);
    };
    assert.deepEqual(await kinds('refer', undefined), ['refer']);
    assert.deepEqual(await kinds('refer', 'bridge'), ['bridge']);
    assert.deepEqual(await kinds('bridge', 'refer'), ['refer']);
    assert.deepEqual(await kinds(undefined, undefined), ['bridge']);
  });

  it('customer hangs up during AMD: CUSTOMER_HANGUP, reservation released', async () => {
    const leg = new FakeLeg('cust-1');
    leg.startAmd = async () => {
      setTimeout(() => leg.farEndHangup(), 5);
      return { result: new Promise(() => undefined), beep: new Promise(() => undefined), cancel: () => undefined };
    };
    const { dialer, queue } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'CUSTOMER_HANGUP');
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });

  it('the media server is lost during AMD: FAILED (retried per policy), not CUSTOMER_HANGUP; reservation released', async () => {
    const leg = new FakeLeg('cust-1');
    leg.startAmd = async () => {
      setTimeout(() => leg.mediaLost(), 5);
      return { result: new Promise(() => undefined), beep: new Promise(() => undefined), cancel: () => undefined };
    };
    const { dialer, queue } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'FAILED');
    assert.equal(r.detail, 'media server lost');
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });

  it('an error after the answer while the customer is still there: FAILED with the error (not CUSTOMER_HANGUP), customer hung up, reservation released', async () => {
    const leg = new FakeLeg('cust-1');
    leg.startAmd = async () => {
      throw new Error('-ERR no such channel');
    };
    const { dialer, queue } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'FAILED');
    assert.match(String(r.detail), /no such channel/);
    assert.equal(leg.hungUpByUs, true);
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });

  it('no agent reservable before the dial (wait_for_agent): AGENT_UNAVAILABLE, customer not dialed', async () => {
    const { dialer, customers } = setup({ result: () => ({ kind: 'failed', earlyMedia: false, detail: 'x' }), agents: [] });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'AGENT_UNAVAILABLE');
    assert.equal(customers.dials.length, 0);
  });

  it('agent hangs up first: the customer leg is ended too', async () => {
    const leg = new FakeLeg('cust-1');
    const { dialer, agents } = setup({ result: () => ({ kind: 'answered', leg }) });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.ok(leg.hungUpByUs, 'we sent BYE to the customer');
    assert.equal(agents.agentLegs[0]?.hungUpByUs, false);
  });

  it('the trunk throws after an agent was reserved (wait_for_agent): the attempt fails and its finally frees the agent', async () => {
    const { dialer, queue } = setup({
      result: () => {
        throw new Error('trunk gone');
      },
    });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'FAILED');
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });

  it("the agent's call throws while ringing: connectToAgent's finally frees the agent it reserved, once", async () => {
    const leg = new FakeLeg('cust-1');
    const { dialer, queue, agents } = setup({ result: () => ({ kind: 'answered', leg }) });
    agents.bridge = async () => {
      throw new Error('media server gone');
    };
    await dialer.dial(req(), new AbortController().signal);
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });

  it("the agent's call throws after a reservation made before the dial: freed once, by whichever owner comes first", async () => {
    const leg = new FakeLeg('cust-1');
    const { dialer, queue, agents } = setup({ result: () => ({ kind: 'answered', leg }) });
    agents.bridge = async () => {
      throw new Error('media server gone');
    };
    await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
  });
});

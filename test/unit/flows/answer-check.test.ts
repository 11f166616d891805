import assert from 'node:assert/strict';
import { CallbackDialer, answerCheckAmdParams, type AnswerCheck, type CallbackDialDeps } from '../../../src/flows/callback-dial';
import type { AmdResult, DialRequest } from '../../../src/ports/dialer';
import { parseAmdParams } from '../../../src/amd/params';
import { AmdEngine } from '../../../src/amd/engine';
import { concat, noise, silence } from '../amd/fixtures';
import { FakeAgentCalls, FakeCustomers, FakeLeg, FakeQueue, connectSettings, log, prompts } from './fakes';

const CHECK: AnswerCheck = { prompt: '/p/answer-check.wav', digit: '1', timeoutMs: 5000, runOnMs: 2500 };

function setup(leg: FakeLeg, o: { check?: AnswerCheck | null; machine?: 'hangup' | 'leave_message'; notSure?: 'connect' | 'hangup' } = {}) {
  const queue = new FakeQueue(30, ['a1']);
  const customers = new FakeCustomers(() => ({ kind: 'answered', leg }));
  const agents = new FakeAgentCalls(['answer'], [], 5);
  let now = 0;
  const check = o.check === undefined ? CHECK : o.check;
  const deps: CallbackDialDeps = {
    queue,
    customers,
    agents,
    clock: { now: () => (now += 100) },
    settings: connectSettings,
    holdPrompt: prompts.pleaseHold,
    holdMusic: prompts.holdMusic,
    service: () => ({ machine: o.machine ?? 'hangup', notSure: o.notSure ?? 'connect', noSpeech: 'hangup', prompts, ...(check ? { answerCheck: check } : {}) }),
    amdTimeoutMs: 1000,
    beepTimeoutMs: 1000,
    isReady: () => true,
    logger: log,
  };
  return { dialer: new CallbackDialer(deps), queue, agents };
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

const ranOn: AmdResult = { decision: 'MACHINE', decisionMs: 2600, evidence: { reason: 'long_greeting' } };

describe('flows/callback-dial: answer check', () => {
  it('off (the default): HUMAN is connected without an announcement, one AMD run', async () => {
    const leg = new FakeLeg('cust-1');
    const { dialer } = setup(leg, { check: null });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(leg.amdStarted, 1);
    assert.equal(leg.collects.length, 0);
  });

  it('HUMAN, the customer presses 1 during the announcement: connected; the AMD listened while it played', async () => {
    const leg = new FakeLeg('cust-1', ['1']);
    const { dialer, agents } = setup(leg);
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(r.amd?.decision, 'HUMAN');
    assert.equal(agents.calls.length, 1);
    assert.deepEqual(leg.collects[0]?.prompts, ['/p/answer-check.wav']);
    assert.equal(leg.collects[0]?.maxDigits, 1);
    assert.equal(leg.collects[0]?.timeoutMs, 5000);
    // the announcement comes before "please hold" and the agent
    assert.ok(leg.log.indexOf('play answer-check.wav') < leg.log.indexOf('play pls-hold-while-try.wav'));
    assert.equal(leg.amdStarted, 2, 'a second AMD run listens during the announcement');
    assert.equal(leg.amdRuns[1]?.key, 'cb-1:at-1:check');
    assert.equal(leg.amdRuns[1]?.params?.greetingMs, 2500, 'speech running on for runOnMs is a machine');
    assert.equal(leg.amdStopped, 2, 'both forks stopped before the agent is connected');
  });

  it('HUMAN, no key in time: NO_CONFIRMATION, no agent called, the customer hung up on', async () => {
    const leg = new FakeLeg('cust-1', ['']);
    const { dialer, agents, queue } = setup(leg);
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'NO_CONFIRMATION');
    assert.equal(r.amd?.decision, 'HUMAN', 'the AMD decision is kept with the attempt');
    assert.match(r.detail ?? '', /no key/);
    assert.equal(agents.calls.length, 0);
    assert.deepEqual(queue.events, ['enqueue callback', 'remove']);
    assert.ok(leg.hungUpByUs);
  });

  it('another key than the service\'s: NO_CONFIRMATION, naming the key', async () => {
    const leg = new FakeLeg('cust-1', ['2']);
    const { dialer, agents } = setup(leg);
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'NO_CONFIRMATION');
    assert.match(r.detail ?? '', /key "2"/);
    assert.equal(agents.calls.length, 0);
  });

  it('speech runs on over the announcement: re-classified MACHINE before any agent, per the service (hang up)', async () => {
    const leg = new FakeLeg('cust-1', ['HOLD']);
    leg.watchAmd = ranOn;
    const { dialer, agents, queue } = setup(leg, { check: CHECK });
    const r = await dialer.dial(req({ waitForAgent: true }), new AbortController().signal);
    assert.equal(r.outcome, 'MACHINE');
    assert.equal(r.amd?.decision, 'MACHINE');
    assert.equal(r.amd?.evidence?.reason, 'answer_check_speech_ran_on');
    assert.equal((r.amd?.evidence?.first as AmdResult | undefined)?.decision, 'HUMAN', 'the first decision stays in the evidence');
    assert.equal(agents.calls.length, 0, 'the reserved agent was never called');
    assert.deepEqual(queue.events, ['enqueue callback', 'reserve a1', 'release r1']);
    assert.ok(leg.hungUpByUs);
  });

  it('speech runs on, the service leaves messages: the message plays once the announcement is over', async () => {
    const leg = new FakeLeg('cust-1', ['LATE']);
    leg.watchAmd = ranOn;
    const { dialer, agents } = setup(leg, { machine: 'leave_message' });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'MACHINE');
    assert.equal(agents.calls.length, 0);
    const msg = leg.log.indexOf('play please-try-call-later.wav');
    assert.ok(msg > leg.log.indexOf('digits ""'), 'after the announcement and its wait');
  });

  it('NOTSURE that the service connects is checked too; the key connects', async () => {
    const leg = new FakeLeg('cust-1', ['1']);
    leg.amd = { decision: 'NOTSURE', decisionMs: 8000 };
    const { dialer } = setup(leg, { notSure: 'connect' });
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(leg.collects.length, 1);
  });

  it('the customer hangs up during the announcement: CUSTOMER_HANGUP, no agent', async () => {
    const leg = new FakeLeg('cust-1', ['HANGUP']);
    const { dialer, agents } = setup(leg);
    const r = await dialer.dial(req(), new AbortController().signal);
    assert.equal(r.outcome, 'CUSTOMER_HANGUP');
    assert.equal(agents.calls.length, 0);
  });

  it('the listening run keeps the service\'s own AMD settings but waits for speech to run on', () => {
    const p = answerCheckAmdParams(CHECK, { speechSnrDb: 9, greetingMs: 4000 });
    assert.equal(p.speechSnrDb, 9);
    assert.equal(p.greetingMs, 2500);
    assert.equal(p.maxWords, 100);
    // the live path (AudioForkServer.expect) validates them: they must be valid AMD settings
    assert.doesNotThrow(() => parseAmdParams(answerCheckAmdParams({ ...CHECK, runOnMs: 30_000 }, undefined), 'check'));
    assert.equal(parseAmdParams(answerCheckAmdParams(CHECK, undefined), 'check').greetingMs, 2500);
  });

  it('with the real engine: a greeting running on over the announcement is MACHINE, a "hello?" and a reply are not', () => {
    const watch = (audio: Int16Array) => {
      const e = new AmdEngine({ sampleRate: 8000, params: parseAmdParams(answerCheckAmdParams(CHECK, undefined), 'check') });
      e.push(audio);
      e.end();
      return e.result!;
    };
    // a recording: words with short pauses for 4 s
    const words: Int16Array[] = [silence(200)];
    for (let i = 0; i < 10; i++) words.push(noise(300, 6000, i + 1), silence(120));
    const greeting = watch(concat(...words, silence(2000)));
    assert.equal(greeting.decision, 'MACHINE');
    assert.ok(greeting.decisionMs < 200 + CHECK.runOnMs + 300, `decided at ${greeting.decisionMs} ms`);
    // a person: "hello?", a second of silence, then "yes, who is this?" after the announcement
    const person = watch(concat(silence(300), noise(400, 6000, 3), silence(1500), noise(700, 6000, 4), silence(3000)));
    assert.notEqual(person.decision, 'MACHINE');
  });
});

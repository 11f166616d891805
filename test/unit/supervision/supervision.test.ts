import assert from 'node:assert/strict';
import { DomainError } from '../../../src/errors';
import { agentNotice, HEARD_BY, startRefusal, SupervisionService, type SupervisionEvent, type SupervisionSessionView } from '../../../src/supervision/supervision';
import { EAVESDROP_DIGIT, EAVESDROP_VARIABLES } from '../../../src/telephony/supervision-calls';
import { VirtualTime } from '../../../src/time';
import { silentLogger } from '../../helpers/core';
import { FakeListeningLeg, FakeSupervisionPorts } from './fakes';

const codeOf = (err: unknown) => (err instanceof DomainError ? err.code : String(err));

describe('supervision: who may join, and in which mode', () => {
  const call = { agentId: 'alice', callId: 'c1', customerCallId: 'k1', since: 0 };

  it('refuses an unknown supervisor, an agent not on a call, an unregistered phone, a supervisor already on a call', () => {
    assert.equal(startRefusal({ isSupervisor: false, phone: 'sip:x', call, supervisorBusy: false })?.code, 'NOT_FOUND');
    assert.equal(startRefusal({ isSupervisor: true, phone: 'sip:x', call: undefined, supervisorBusy: false })?.parameter, 'agentId');
    assert.match(startRefusal({ isSupervisor: true, phone: undefined, call, supervisorBusy: false })?.message ?? '', /not registered/);
    assert.match(startRefusal({ isSupervisor: true, phone: 'sip:x', call, supervisorBusy: true })?.message ?? '', /already on a call/);
    assert.equal(startRefusal({ isSupervisor: true, phone: 'sip:x', call, supervisorBusy: false }), undefined);
  });

  it("each mode's FreeSWITCH settings say who hears the supervisor: whisper_bleg / digit 2 the agent, whisper_aleg the customer", () => {
    for (const mode of ['listen', 'whisper', 'barge'] as const) {
      assert.equal(EAVESDROP_VARIABLES[mode].eavesdrop_whisper_bleg === 'true', HEARD_BY[mode].agent, `${mode}: agent`);
      assert.equal(EAVESDROP_VARIABLES[mode].eavesdrop_whisper_aleg === 'true', HEARD_BY[mode].customer, `${mode}: customer`);
    }
    // switch_ivr_async.c: 0 clears both mixes, 2 sets ED_MUX_WRITE (what the agent hears), 3 sets both
    assert.deepEqual(EAVESDROP_DIGIT, { listen: '0', whisper: '2', barge: '3' });
  });

  it('tells the agent nothing unless configured; then the loudest mode of the active sessions', () => {
    const s = (mode: SupervisionSessionView['mode'], state: SupervisionSessionView['state'] = 'active', agentId = 'alice'): SupervisionSessionView => ({ id: mode + state, supervisorId: 'x', agentId, callId: 'c', mode, state, startedAt: 0 });
    assert.equal(agentNotice(false, [s('barge')], 'alice'), undefined);
    assert.equal(agentNotice(true, [], 'alice'), undefined);
    assert.equal(agentNotice(true, [s('barge', 'ringing')], 'alice'), undefined);
    assert.equal(agentNotice(true, [s('barge', 'active', 'bob')], 'alice'), undefined);
    assert.deepEqual(agentNotice(true, [s('listen'), s('barge'), s('whisper')], 'alice'), { mode: 'barge' });
  });
});

describe('SupervisionService', () => {
  let ports: FakeSupervisionPorts;
  let svc: SupervisionService;
  let events: SupervisionEvent[];
  const make = (tellAgent = false) => {
    ports = new FakeSupervisionPorts();
    svc = new SupervisionService(ports, new VirtualTime(5_000), silentLogger, tellAgent);
    events = [];
    svc.onEvent((e) => events.push(e));
  };
  beforeEach(() => make());

  it("rings the supervisor's phone into the agent's call in the mode asked, and lists the session as active", async () => {
    const s = await svc.start('sam', 'alice', 'whisper');
    assert.equal(s.state, 'active');
    assert.equal(s.callId, 'agent-call-1');
    assert.deepEqual(ports.requests, [{ supervisorUri: 'sip:sam@browser.invalid;transport=ws', call: ports.calls[0], mode: 'whisper' }]);
    assert.deepEqual(svc.list().map((x) => [x.supervisorId, x.agentId, x.mode, x.state]), [['sam', 'alice', 'whisper', 'active']]);
    assert.deepEqual(events.map((e) => e.kind), ['started']);
  });

  it('switches modes on the leg during the session; the same mode again changes nothing', async () => {
    const s = await svc.start('sam', 'alice', 'listen');
    const r = await svc.setMode(s.id, 'barge');
    assert.equal(r.before.mode, 'listen');
    assert.equal(r.after.mode, 'barge');
    await svc.setMode(s.id, 'whisper');
    await svc.setMode(s.id, 'whisper');
    assert.deepEqual(ports.legs[0]!.modes, ['barge', 'whisper']);
    assert.deepEqual(events.map((e) => e.kind), ['started', 'changed', 'changed']);
  });

  it('refuses a second session for the same supervisor, and an agent not on a call', async () => {
    await svc.start('sam', 'alice', 'listen');
    await assert.rejects(svc.start('sam', 'alice', 'listen'), (e) => codeOf(e) === 'CONFLICT');
    await assert.rejects(svc.start('nobody', 'alice', 'listen'), (e) => codeOf(e) === 'NOT_FOUND');
    ports.supervisors.set('kim', 'sip:kim@b.invalid;transport=ws');
    await assert.rejects(svc.start('kim', 'bob', 'listen'), (e) => codeOf(e) === 'CONFLICT');
    assert.equal(ports.requests.length, 1);
  });

  it("a phone that does not answer is a CONFLICT with the SIP outcome's detail, and leaves no session", async () => {
    ports.next = { kind: 'failed', sipStatus: 486, detail: 'busy here' };
    await assert.rejects(svc.start('sam', 'alice', 'listen'), (e) => codeOf(e) === 'CONFLICT' && /busy here/.test((e as Error).message));
    assert.deepEqual(svc.list(), []);
    // and the supervisor may try again
    assert.equal((await svc.start('sam', 'alice', 'listen')).state, 'active');
  });

  it("ends the session when the supervisor's leg ends (the agent's call is over, or they hung up)", async () => {
    const s = await svc.start('sam', 'alice', 'listen');
    ports.legs[0]!.end();
    assert.deepEqual(svc.list(), []);
    assert.deepEqual(events.map((e) => [e.kind, e.session.id]), [['started', s.id], ['ended', s.id]]);
    await assert.rejects(svc.setMode(s.id, 'barge'), (e) => codeOf(e) === 'NOT_FOUND');
  });

  it('stop hangs up the supervisor only', async () => {
    const s = await svc.start('sam', 'alice', 'barge');
    const v = await svc.stop(s.id);
    assert.equal(v.mode, 'barge');
    assert.equal(ports.legs[0]!.hungUp, true);
    assert.deepEqual(svc.list(), []);
    await assert.rejects(svc.stop(s.id), (e) => codeOf(e) === 'NOT_FOUND');
  });

  it('stopped while the phone still rings: the leg that answers late is hung up, the start fails', async () => {
    let answer!: (leg: FakeListeningLeg) => void;
    ports.next = new Promise((r) => (answer = (leg) => r({ kind: 'listening', leg })));
    const starting = svc.start('sam', 'alice', 'listen');
    const [ringing] = svc.list();
    assert.equal(ringing!.state, 'ringing');
    await assert.rejects(svc.setMode(ringing!.id, 'barge'), (e) => codeOf(e) === 'CONFLICT');
    await svc.stop(ringing!.id);
    const late = new FakeListeningLeg();
    answer(late);
    await assert.rejects(starting, (e) => codeOf(e) === 'CONFLICT');
    assert.equal(late.hungUp, true);
    assert.deepEqual(svc.list(), []);
  });

  it('the agent is told of an active session only when tellAgent is on', async () => {
    await svc.start('sam', 'alice', 'whisper');
    assert.equal(svc.noticeFor('alice'), undefined);
    make(true);
    await svc.start('sam', 'alice', 'whisper');
    assert.deepEqual(svc.noticeFor('alice'), { mode: 'whisper' });
    ports.legs[0]!.end();
    assert.equal(svc.noticeFor('alice'), undefined);
  });
});

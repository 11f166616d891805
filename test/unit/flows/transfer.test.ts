import assert from 'node:assert/strict';
import { connectToAgent, type ConnectAgentDeps, type ConnectOutcome } from '../../../src/flows/connect-agent';
import { TransferDesk, transferRefusal } from '../../../src/flows/transfer';
import { DomainError } from '../../../src/errors';
import type { QueuedContact } from '../../../src/ports/queue';
import { FakeAgentCalls, FakeLeg, connectSettings, log, prompts } from './fakes';
import { bench, sales, settle, T0, type Bench } from '../queue/helpers';

const contactOf = (id: string): QueuedContact => ({ contactId: id, kind: 'callback', target: 'sales', enqueuedAt: T0 - 60_000 });

/** a call connected to a1 (the only READY agent when it was reserved); a2 and a3 READY after */
async function connected(script: (number | 'answer')[], acwSec = 30) {
  const b: Bench = bench([sales({ afterCallWorkSec: acwSec })], [{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }]);
  const { q } = b;
  q.setReady('a1');
  const contact = contactOf('cb-1');
  q.enqueue(contact);
  const first = await q.reserveAgentFor('cb-1', { timeoutMs: 1000 });
  assert.equal(first?.agent.agentId, 'a1');
  q.setReady('a2');
  q.setReady('a3');
  const agents = new FakeAgentCalls(script);
  const desk = new TransferDesk();
  const customer = new FakeLeg('cust');
  const deps: ConnectAgentDeps = { queue: q, agents, clock: b.vt, settings: connectSettings, holdPrompt: prompts.pleaseHold, holdMusic: prompts.holdMusic, transfers: desk };
  let outcome: ConnectOutcome | undefined;
  const done = connectToAgent(customer, contact, first, 'bridge', deps, log, { 'X-Callback-Id': 'cb-1' }).then((o) => (outcome = o));
  await settle();
  assert.deepEqual(desk.status('a1'), { phase: 'talking' });
  return { ...b, agents, desk, customer, done, outcome: () => outcome };
}

const stateOf = (b: Bench, id: string) => b.q.getAgent(id).state;

describe('flows: transfers between agents', () => {
  it('which request each phase accepts (one table), and no transfer to oneself', () => {
    assert.equal(transferRefusal('talking', { kind: 'blind', to: { agentId: 'a2' } }, 'a1'), undefined);
    assert.equal(transferRefusal('talking', { kind: 'consult', to: { target: 'sales' } }, 'a1'), undefined);
    assert.match(transferRefusal('talking', { kind: 'complete' }, 'a1')!, /no consultation/);
    assert.match(transferRefusal('talking', { kind: 'blind', to: { agentId: 'a1' } }, 'a1')!, /themselves/);
    assert.match(transferRefusal('consult-ringing', { kind: 'complete' }, 'a1')!, /ringing/);
    assert.equal(transferRefusal('consult-ringing', { kind: 'cancel' }, 'a1'), undefined);
    assert.match(transferRefusal('consulting', { kind: 'blind', to: { agentId: 'a3' } }, 'a1')!, /under way/);
    assert.equal(transferRefusal('consulting', { kind: 'complete' }, 'a1'), undefined);
  });

  it('blind to an agent: the first agent leaves into wrap-up, the second is reserved and rung (hold music meanwhile), the customer talks to them; recorded', async () => {
    const t = await connected(['answer', 'answer']);
    const status = await t.desk.request('a1', { kind: 'blind', to: { agentId: 'a2' } });
    assert.match(status.last!, /handed over to agent a2/);
    await settle();
    assert.equal(t.agents.agentLegs[0]!.hungUpByUs, true, "the first agent's leg is hung up");
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
    assert.equal(stateOf(t, 'a2'), 'BUSY');
    assert.deepEqual(t.agents.calls[1], { uri: 'sip:a2@pbx', kind: 'dial', headers: { 'X-Callback-Id': 'cb-1', 'X-Transferred-By': 'a1' } });
    assert.deepEqual(t.agents.media, ['join cust agent-1', 'split cust', 'join cust agent-2']);
    assert.ok(t.customer.log.includes(`loop ${prompts.holdMusic.replace(/^.*\//, '')}`), 'hold music while the second agent rings');
    assert.equal(t.desk.status('a1'), undefined);
    assert.deepEqual(t.desk.status('a2'), { phase: 'talking' });

    t.customer.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.equal(o.outcome, 'CONNECTED_TO_AGENT');
    if (o.outcome !== 'CONNECTED_TO_AGENT') return;
    assert.equal(o.agentId, 'a2');
    assert.equal(o.endedBy, 'customer');
    assert.deepEqual(o.transfers, [{ at: T0, mode: 'blind', fromAgentId: 'a1', to: { agentId: 'a2' }, toAgentId: 'a2', result: 'handed-over' }]);
    assert.equal(stateOf(t, 'a2'), 'AFTER_CALL_WORK');
  });

  it("blind to an agent who does not answer: they go NOT_READY and the customer waits in the line at their place, for the next free agent", async () => {
    const t = await connected(['answer', 480, 'answer']);
    await t.desk.request('a1', { kind: 'blind', to: { agentId: 'a2' } });
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(stateOf(t, 'a2'), 'NOT_READY');
    assert.equal(t.q.getAgent('a2').notReadyReason, 'no-answer');
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK', 'the first agent is not called back: they are wrapping up');
    assert.equal(stateOf(t, 'a3'), 'BUSY', "the target's next free agent took the customer");
    assert.equal(t.agents.calls[2]!.uri, 'sip:a3@pbx');
    t.customer.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.ok(o.outcome === 'CONNECTED_TO_AGENT' && o.agentId === 'a3');
  });

  it('blind to a target: the customer joins its line with their place and its next free agent takes them', async () => {
    const t = await connected(['answer', 'answer']);
    await t.desk.request('a1', { kind: 'blind', to: { target: 'sales' } });
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
    assert.equal(t.agents.calls.length, 2);
    const second = t.agents.calls[1]!.uri;
    assert.ok(second === 'sip:a2@pbx' || second === 'sip:a3@pbx', second);
    t.customer.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.ok(o.outcome === 'CONNECTED_TO_AGENT');
    if (o.outcome === 'CONNECTED_TO_AGENT') assert.deepEqual(o.transfers.map((x) => [x.mode, x.to, x.result]), [['blind', { target: 'sales' }, 'handed-over']]);
  });

  it('a blind transfer to an agent who is not free is refused (CONFLICT) and the call goes on', async () => {
    const t = await connected(['answer']);
    t.q.setNotReady('a2');
    await assert.rejects(t.desk.request('a1', { kind: 'blind', to: { agentId: 'a2' } }), (e: unknown) => e instanceof DomainError && e.code === 'CONFLICT');
    await assert.rejects(t.desk.request('a1', { kind: 'blind', to: { target: 'nope' } }), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND');
    await assert.rejects(t.desk.request('a9', { kind: 'cancel' }), /no call/);
    assert.deepEqual(t.desk.status('a1'), { phase: 'talking' });
    assert.equal(t.agents.agentLegs[0]!.hungUpByUs, false);
    t.customer.farEndHangup();
    await t.done;
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
  });

  it('consult, then complete: customer on hold with music, the agents talk, then the customer joins the second agent and the first wraps up', async () => {
    const t = await connected(['answer', 'answer']);
    const ringing = await t.desk.request('a1', { kind: 'consult', to: { agentId: 'a2' } });
    assert.equal(ringing.phase, 'consult-ringing');
    await settle();
    assert.deepEqual(t.desk.status('a1'), { phase: 'consulting', to: { agentId: 'a2' }, toAgentId: 'a2' });
    assert.deepEqual(t.agents.media, ['join cust agent-1', 'split cust', 'join agent-1 agent-2']);
    assert.equal(t.agents.calls[1]!.headers?.['X-Consult-From'], 'a1');
    assert.equal(stateOf(t, 'a2'), 'BUSY');
    await assert.rejects(t.desk.request('a1', { kind: 'blind', to: { agentId: 'a3' } }), /under way/);

    await t.desk.request('a1', { kind: 'complete' });
    await settle();
    assert.equal(t.agents.agentLegs[0]!.hungUpByUs, true);
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
    assert.deepEqual(t.agents.media.slice(3), ['split agent-1', 'join cust agent-2']);
    assert.ok(t.customer.log.includes('loop stopped'));
    assert.deepEqual(t.desk.status('a2'), { phase: 'talking' });

    t.agents.agentLegs[1]!.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.ok(o.outcome === 'CONNECTED_TO_AGENT');
    if (o.outcome !== 'CONNECTED_TO_AGENT') return;
    assert.equal(o.agentId, 'a2');
    assert.equal(o.endedBy, 'agent');
    assert.deepEqual(o.transfers.map((x) => [x.mode, x.fromAgentId, x.toAgentId, x.result]), [['consult', 'a1', 'a2', 'completed']]);
    assert.equal(t.customer.hungUpByUs, true);
  });

  it('consult, then cancel: the second agent is hung up and READY again, the customer back with the first agent', async () => {
    const t = await connected(['answer', 'answer']);
    await t.desk.request('a1', { kind: 'consult', to: { agentId: 'a2' } });
    await settle();
    const back = await t.desk.request('a1', { kind: 'cancel' });
    assert.equal(back.phase, 'talking');
    await settle();
    assert.equal(t.agents.agentLegs[1]!.hungUpByUs, true);
    assert.equal(stateOf(t, 'a2'), 'READY');
    assert.equal(stateOf(t, 'a1'), 'BUSY');
    assert.deepEqual(t.agents.media.slice(-2), ['split agent-1', 'join cust agent-1']);
    assert.equal(t.desk.status('a1')?.phase, 'talking');
    t.customer.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.ok(o.outcome === 'CONNECTED_TO_AGENT' && o.agentId === 'a1');
    if (o.outcome === 'CONNECTED_TO_AGENT') assert.deepEqual(o.transfers.map((x) => x.result), ['cancelled']);
  });

  it('consult the second agent does not answer: NOT_READY (no-answer), the customer back with the first agent', async () => {
    const t = await connected(['answer', 486]);
    await t.desk.request('a1', { kind: 'consult', to: { agentId: 'a2' } });
    for (let i = 0; i < 3; i++) await settle();
    assert.equal(stateOf(t, 'a2'), 'NOT_READY');
    const s = t.desk.status('a1')!;
    assert.equal(s.phase, 'talking');
    assert.match(s.last!, /a2 did not answer/);
    assert.deepEqual(t.agents.media.slice(-1), ['join cust agent-1']);
    t.customer.farEndHangup();
    await t.done;
  });

  it('consult a target: its next free agent is reserved for the consultation; the first agent hanging up completes the transfer', async () => {
    const t = await connected(['answer', 'answer']);
    await t.desk.request('a1', { kind: 'consult', to: { target: 'sales' } });
    for (let i = 0; i < 3; i++) await settle();
    const s = t.desk.status('a1')!;
    assert.equal(s.phase, 'consulting');
    const second = s.toAgentId!;
    assert.ok(second === 'a2' || second === 'a3');
    t.agents.agentLegs[0]!.farEndHangup();
    for (let i = 0; i < 3; i++) await settle();
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
    assert.deepEqual(t.agents.media.slice(-1), ['join cust agent-2']);
    assert.equal(t.q.waitingContacts('sales').length, 0, 'no consult contact left in the line');
    t.customer.farEndHangup();
    await t.done;
    const o = t.outcome()!;
    assert.ok(o.outcome === 'CONNECTED_TO_AGENT' && o.agentId === second);
  });

  it('the customer hangs up during a consultation: every leg ends, both agents freed', async () => {
    const t = await connected(['answer', 'answer']);
    await t.desk.request('a1', { kind: 'consult', to: { agentId: 'a2' } });
    await settle();
    t.customer.farEndHangup();
    await t.done;
    assert.equal(t.agents.agentLegs[0]!.hungUpByUs, true);
    assert.equal(t.agents.agentLegs[1]!.hungUpByUs, true);
    assert.equal(stateOf(t, 'a1'), 'AFTER_CALL_WORK');
    assert.equal(stateOf(t, 'a2'), 'READY');
    assert.equal(t.desk.status('a1'), undefined);
  });
});

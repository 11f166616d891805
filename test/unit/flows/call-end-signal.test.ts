import assert from 'node:assert/strict';
import { connectToAgent, reserveWithMusic } from '../../../src/flows/connect-agent';
import { CallEndedError, firstToEnd, unlessEnded, type AgentCallResult, type AgentCalls, type CallLeg, type ReferResult } from '../../../src/flows/call';
import { FakeLeg, FakeQueue, connectSettings, log, prompts } from './fakes';
import { bench, contact, sales, settle, T0 } from '../queue/helpers';
import { systemClock } from '../../../src/time';

/** agents' phones that ring until the signal they were given aborts (then a 487, as a CANCEL gives) */
class RingingAgents implements AgentCalls {
  readonly signals: AbortSignal[] = [];
  async bridge(_customer: CallLeg, _uri: string, _ringMs: number, signal: AbortSignal): Promise<AgentCallResult> {
    this.signals.push(signal);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    return { kind: 'failed', sipStatus: 487, detail: 'cancelled' };
  }
  async refer(): Promise<ReferResult> {
    return { kind: 'failed', detail: 'not used' };
  }
  dial(customer: CallLeg, uri: string, ringMs: number, signal: AbortSignal): Promise<AgentCallResult> {
    return this.bridge(customer, uri, ringMs, signal);
  }
  async join(): Promise<void> {}
  async split(): Promise<void> {}
}

describe('flows: one end-of-call signal', () => {
  it("a leg's signal aborts once, with a CallEndedError, whichever side hangs up first", async () => {
    const far = new FakeLeg('c1');
    far.farEndHangup();
    await far.hangup();
    far.farEndHangup();
    assert.equal(far.aborts, 1);
    assert.ok(far.signal.reason instanceof CallEndedError);
    assert.equal((far.signal.reason as CallEndedError).endReason, 'far end hung up');
    assert.equal(far.hungUpByUs, false, 'no BYE after the far end hung up');

    const us = new FakeLeg('c2');
    await us.hangup();
    us.farEndHangup();
    await us.hangup();
    assert.equal(us.aborts, 1);
    assert.equal((us.signal.reason as CallEndedError).endReason, 'hung up by us');
  });

  it("the queue's wait for an agent is given the caller's signal: it stops when the caller hangs up, and the caller leaves the line", async () => {
    const { q } = bench([sales()], []); // no agent: the wait would last until the timeout
    q.enqueue(contact('ix-1', 'caller', T0));
    const call = new FakeLeg('c1');
    const waiting = reserveWithMusic(call, 'ix-1', { queue: q, holdMusic: prompts.holdMusic, settings: connectSettings }, log, 3_600_000);
    await settle();
    assert.deepEqual(
      q.waitingContacts('sales').map((c) => c.contactId),
      ['ix-1'],
    );
    call.farEndHangup();
    assert.equal(await waiting, 'ended');
    assert.deepEqual(q.waitingContacts('sales'), []);
    assert.deepEqual(call.log, [`loop ${prompts.holdMusic.replace(/^.*\//, '')}`, 'far-end-bye', 'loop stopped'], 'hold music until the hang-up');
  });

  it("the agent's ringing is given the caller's signal: the caller hangs up while it rings, the agent is released (not at fault), CUSTOMER_HANGUP", async () => {
    const queue = new FakeQueue(30, ['a1']);
    const agents = new RingingAgents();
    const call = new FakeLeg('c1');
    const deps = { queue, agents, clock: systemClock, settings: connectSettings, holdPrompt: prompts.pleaseHold, holdMusic: prompts.holdMusic };
    const reservation = await queue.reserveAgentFor('ix-1', { timeoutMs: 1000 });
    const done = connectToAgent(call, { contactId: 'ix-1', kind: 'caller', target: 't', enqueuedAt: 0 }, reservation, 'bridge', deps, log);
    await settle();
    assert.equal(agents.signals[0], call.signal, "the bridge waits on the caller's own signal");
    call.farEndHangup();
    const r = await done;
    assert.equal(r.outcome, 'CUSTOMER_HANGUP');
    assert.deepEqual(queue.events, ['reserve a1', 'release r1']);
  });

  it('unlessEnded: the wait rejects with the leg\'s CallEndedError when the leg ends first, and gives the value otherwise', async () => {
    const a = new FakeLeg('c1');
    assert.equal(await unlessEnded(Promise.resolve(7), a.signal), 7);
    const never = new Promise<number>(() => undefined);
    const waiting = unlessEnded(never, a.signal);
    a.farEndHangup();
    await assert.rejects(waiting, (err: unknown) => err instanceof CallEndedError && err.callId === 'c1');
    await assert.rejects(unlessEnded(Promise.resolve(1), a.signal), CallEndedError);
  });

  it('firstToEnd: names the leg that ended first', async () => {
    const customer = new FakeLeg('c1');
    const agent = new FakeLeg('a1');
    const first = firstToEnd(customer.signal, agent.signal);
    agent.farEndHangup();
    customer.farEndHangup();
    assert.equal(await first, 'b');
    assert.equal(await firstToEnd(customer.signal, agent.signal), 'a', 'both ended already: the first named');
  });
});

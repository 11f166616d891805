import assert from 'node:assert/strict';
import { sharedWaits, sharedWaitsAll, type LineContact, type SharedAgent, type SharedGroup, type SharedTarget } from '../../../src/queue/ewt-shared';
import { logNormalFromMean } from '../../../src/queue/log-normal';
import { targetConfig } from '../../../src/queue/parse-options';
import { QueueService } from '../../../src/queue/queue-service';
import { VirtualTime } from '../../../src/time';
import { T0 } from './helpers';

const target = (talkMeanSec: number, line: LineContact[] = [], abandonRatePerSec = 0): SharedTarget => ({
  talk: logNormalFromMean(talkMeanSec, 0.6),
  talkMeanSec,
  acwSec: 0,
  abandonRatePerSec,
  line,
});
const callers = (n: number, priority = 0, from = 0): LineContact[] => Array.from({ length: n }, (_, i) => ({ priority, enqueuedAt: from + i, mayAbandon: true }));
const busy = (callTarget: number, serves: number[], talkElapsedSec = 0): SharedAgent => ({ load: { kind: 'busy', talkElapsedSec }, callTarget, serves });
const NOW = 1_000_000;
const entering = { priority: 0, enqueuedAt: NOW };

describe('EWT with agents shared between targets (ewt-shared)', () => {
  it('simple: a shared agent serves the older contacts of its other target first', () => {
    // target 0 (sales, talk 100 s) has nobody waiting; target 1 (billing, talk 50 s) has two callers waiting since before.
    // The only agent serves both and is free in 100 s: billing 0 until 150, billing 1 until 200, then the new sales caller.
    const g: SharedGroup = { targets: [target(100), target(50, callers(2))], agents: [busy(0, [0, 1])] };
    assert.equal(sharedWaits(g, 0, 0, entering, 'simple')[0], 200);
    // counted as working for sales alone, it would have said 100
    const alone: SharedGroup = { targets: [target(100)], agents: [busy(0, [0])] };
    assert.equal(sharedWaits(alone, 0, 0, entering, 'simple')[0], 100);
  });

  it('simple: a higher priority goes first, whatever the age', () => {
    const g: SharedGroup = { targets: [target(100), target(50, callers(2))], agents: [busy(0, [0, 1])] };
    assert.equal(sharedWaits(g, 0, 0, { priority: 5, enqueuedAt: NOW }, 'simple')[0], 100);
    // and the other way round: billing's contacts at priority 5 pass an older sales contact
    const older: SharedGroup = { targets: [target(100, [{ priority: 0, enqueuedAt: 0, mayAbandon: false }]), target(50, callers(1, 5, 10))], agents: [busy(0, [0, 1])] };
    assert.deepEqual([...sharedWaits(older, 0, 1, entering, 'simple')], [150, 250]);
  });

  it('simple: agents of the other target alone drain its line and free the shared agent sooner', () => {
    // billing-only agent free now takes billing 0 (until 50) then billing 1 at 50; the shared agent, free at 100,
    // finds billing empty and takes the sales caller at 100.
    const g: SharedGroup = {
      targets: [target(100), target(50, callers(2))],
      agents: [busy(0, [0, 1]), { load: { kind: 'free' }, callTarget: 1, serves: [1] }],
    };
    assert.equal(sharedWaits(g, 0, 0, entering, 'simple')[0], 100);
  });

  it('erlang: longer with the other target\'s line; erlang-a shorter when its callers hang up', () => {
    const agents = [busy(0, [0, 1], 30), busy(1, [0, 1], 60), busy(0, [0], 10)];
    const empty: SharedGroup = { targets: [target(120), target(120)], agents };
    const loaded: SharedGroup = { targets: [target(120), target(120, callers(6))], agents };
    const impatient: SharedGroup = { targets: [target(120), target(120, callers(6), 1 / 30)], agents };
    const e0 = sharedWaits(empty, 0, 2, entering, 'erlang')[2]!;
    const e6 = sharedWaits(loaded, 0, 2, entering, 'erlang')[2]!;
    const a6 = sharedWaits(impatient, 0, 2, entering, 'erlang-a')[2]!;
    assert.ok(e6 > e0 * 1.3, `${e6} vs ${e0}`);
    assert.ok(a6 < e6 && a6 > e0, `${a6} between ${e0} and ${e6}`);
    // deterministic: the same state gives the same answer
    assert.equal(sharedWaits(loaded, 0, 2, entering, 'erlang')[2], e6);
  });

  it('one pass for the group: every position of every line, and each target\'s new contact as if it alone were added', () => {
    // one agent of both targets, free in 100 s; sales talk 100 s, billing 50 s; billing has two callers
    const g: SharedGroup = { targets: [target(100), target(50, callers(2))], agents: [busy(0, [0, 1])] };
    const [salesWaits, billingWaits] = sharedWaitsAll(g, [entering, entering], 'simple');
    // sales' new contact comes after billing's older callers (100, 150): 200; billing's new contact is not held back by sales' new one: 200
    assert.deepEqual([...salesWaits!], [200]);
    assert.deepEqual([...billingWaits!], [100, 150, 200]);
    // the same answers as the one-target question
    assert.equal(sharedWaits(g, 0, 0, entering, 'simple')[0], 200);
    assert.deepEqual([...sharedWaits(g, 1, 2, entering, 'simple')], [100, 150, 200]);
    // Monte Carlo: a waiting contact's position is never later than the new contact's
    const [s2, b2] = sharedWaitsAll({ ...g, agents: [busy(0, [0, 1], 20), busy(1, [1], 5)] }, [entering, entering], 'erlang');
    assert.ok(b2![0]! <= b2![1]! && b2![1]! <= b2![2]! && s2![0]! > 0);
  });

  it('no agent serves the target: Infinity', () => {
    const g: SharedGroup = { targets: [target(100), target(50)], agents: [busy(1, [1])] };
    assert.equal(sharedWaits(g, 0, 0, entering, 'erlang')[0], Infinity);
  });
});

describe('QueueService: EWT of targets that share agents', () => {
  const setup = (multiSkillEwt?: 'joint' | 'per-target') => {
    const vt = new VirtualTime(T0);
    let n = 0;
    const q = new QueueService(
      {
        targets: [targetConfig('sales', { initialHandleTimeSec: 100 }), targetConfig('billing', { initialHandleTimeSec: 100 })],
        agents: [
          { id: 'alice', name: 'Alice', targets: ['sales', 'billing'], uri: 'sip:alice@pbx' },
          { id: 'bob', name: 'Bob', targets: ['billing'], uri: 'sip:bob@pbx' },
        ],
      },
      { clock: vt, timers: vt, newId: () => `r${++n}`, ...(multiSkillEwt ? { multiSkillEwt } : {}) },
    );
    return { q, vt };
  };

  const busyBoth = async (q: QueueService) => {
    q.setReady('alice');
    q.setReady('bob');
    for (const id of ['s1', 'b1']) {
      const target = id.startsWith('s') ? 'sales' : 'billing';
      q.enqueue({ contactId: id, kind: 'caller', target, enqueuedAt: T0 });
      const r = await q.reserveAgentFor(id, { timeoutMs: 60_000 });
      q.confirm(r!.reservationId);
    }
  };

  it("billing's waiting callers lengthen sales' EWT when sales' only agent also serves billing", async () => {
    const { q, vt } = setup();
    await busyBoth(q);
    vt.advance(10_000);
    const before = q.estimatedWaitSeconds('sales', 'simple');
    // alice (both) and bob (billing) are busy: 90 s left each
    assert.equal(before, 90);
    for (let i = 0; i < 4; i++) q.enqueue({ contactId: `b${i + 2}`, kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 1000 });
    // at 90 s alice takes billing's first, bob the second; at 190 s alice takes the third, bob the fourth; sales' caller at 290 s
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 290);
    assert.ok(q.estimatedWaitSeconds('sales', 'erlang') > before * 2);
    assert.equal(q.targetStats('sales').ewtSec.simple, 290);
  });

  it('a state change is seen at once (the joint pass is kept only while nothing changes)', async () => {
    const { q, vt } = setup();
    await busyBoth(q);
    vt.advance(10_000);
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 90);
    // bob is free again: he takes billing's next caller, alice the sales caller at 90 s
    q.callEnded(q.getAgent('bob').reservation!.reservationId);
    q.enqueue({ contactId: 'b9', kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 1000 });
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 90);
    // bob goes NOT_READY: alice takes the billing caller (older) at 90 s, the sales caller waits for her next call
    q.setNotReady('bob');
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 90 + q.targetStats('billing').meanTalkSec);
    q.remove('b9');
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 90);
    // and time moves it: 1 s later, without any change, 1 s less
    vt.advance(1000);
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 89);
  });

  it("a change made by the queue's own timer (a registration lapsing) is seen at once too", async () => {
    const vt = new VirtualTime(T0);
    let n = 0;
    const q = new QueueService(
      {
        targets: [targetConfig('sales', { initialHandleTimeSec: 100 }), targetConfig('billing', { initialHandleTimeSec: 100 })],
        agents: [
          { id: 'alice', name: 'Alice', targets: ['sales', 'billing'], uri: 'sip:alice@pbx' },
          { id: 'bob', name: 'Bob', targets: ['billing'], uri: 'sip:bob@pbx' },
          // a softphone only: reachable while registered
          { id: 'carol', name: 'Carol', targets: ['billing'] },
        ],
      },
      { clock: vt, timers: vt, newId: () => `r${++n}` },
    );
    await busyBoth(q);
    vt.advance(10_000);
    q.setRegistration('carol', 'sip:carol@10.0.0.9', vt.now() + 500);
    for (let i = 0; i < 4; i++) q.enqueue({ contactId: `b${i + 2}`, kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 1000 });
    // carol takes billing's first at once and its fourth at 100 s; alice and bob its second and third at 90 s; sales' caller at 190 s
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 190);
    vt.advance(500);
    assert.equal(q.getAgent('carol').state, 'NOT_READY', 'the registration lapsed by its timer');
    // as without carol (290 s, see above), half a second later
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 289.5);
    q.close();
  });

  it("'per-target' counts alice fully for sales, as before", async () => {
    const { q, vt } = setup('per-target');
    await busyBoth(q);
    vt.advance(10_000);
    for (let i = 0; i < 4; i++) q.enqueue({ contactId: `b${i + 2}`, kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 1000 });
    assert.equal(q.estimatedWaitSeconds('sales', 'simple'), 90);
  });

  it('an agent who is not staffed links nothing: a NOT_READY shared agent leaves each target on its own', async () => {
    const { q } = setup();
    q.setReady('bob');
    q.enqueue({ contactId: 'b1', kind: 'caller', target: 'billing', enqueuedAt: T0 });
    const r = await q.reserveAgentFor('b1', { timeoutMs: 60_000 });
    q.confirm(r!.reservationId);
    // alice NOT_READY: nobody serves sales
    assert.equal(q.estimatedWaitSeconds('sales'), q.targetConfig('sales').maxEwtSec);
    // billing: bob alone, busy for 100 s
    assert.equal(q.estimatedWaitSeconds('billing', 'simple'), 100);
  });

  it('the line view gives each position its joint EWT', async () => {
    const { q, vt } = setup();
    await busyBoth(q);
    vt.advance(10_000);
    q.enqueue({ contactId: 'b2', kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 5000 });
    q.enqueue({ contactId: 's2', kind: 'caller', target: 'sales', enqueuedAt: vt.now() });
    q.enqueue({ contactId: 's3', kind: 'caller', target: 'sales', enqueuedAt: vt.now() });
    // at 90 s: alice takes b2 (older than s2), bob has only billing and nothing left; alice free again at 190 s: s2, then s3 at 290 s
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.ewtSec.simple), [190, 290]);
  });

  it("pacing: a sales callback is not dialed when billing's older callers will take the shared agent first", () => {
    for (const mode of ['joint', 'per-target'] as const) {
      const { q, vt } = setup(mode);
      q.setReady('alice');
      q.enqueue({ contactId: 'cb', kind: 'callback', target: 'sales', enqueuedAt: vt.now() - 60_000 });
      // two billing callers on hold since before the callback was accepted (not connecting yet)
      q.enqueue({ contactId: 'b1', kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 90_000 });
      q.enqueue({ contactId: 'b2', kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 80_000 });
      assert.equal(q.canDispatchCallback('sales', 'cb'), mode === 'per-target', mode);
      q.close();
    }
    // callers who came after the callback do not hold it back
    const { q, vt } = setup();
    q.setReady('alice');
    q.enqueue({ contactId: 'cb', kind: 'callback', target: 'sales', enqueuedAt: vt.now() - 60_000 });
    q.enqueue({ contactId: 'b3', kind: 'caller', target: 'billing', enqueuedAt: vt.now() - 10_000 });
    assert.equal(q.canDispatchCallback('sales', 'cb'), true);
    q.close();
  });
});

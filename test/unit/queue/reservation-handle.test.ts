import assert from 'node:assert/strict';
import { QueueError } from '../../../src/queue/errors';
import { reservationHandle, type ReservationEnds } from '../../../src/queue/reservation-handle';
import { bench, contact, sales, T0 } from './helpers';

/** the queue's operations by id, as a handle calls them */
class RecordingEnds implements ReservationEnds {
  readonly calls: string[] = [];
  lapsed = false;
  confirm(id: string): void {
    if (this.lapsed) throw new QueueError('CONFLICT', `reservation "${id}" lapsed`);
    this.calls.push(`confirm ${id}`);
  }
  release(id: string, o?: { agentFault?: boolean }): void {
    this.calls.push(`release ${id}${o?.agentFault ? ' agentFault' : ''}`);
  }
  callEnded(id: string): void {
    this.calls.push(`callEnded ${id}`);
  }
}

const reserved = { reservationId: 'r1', target: 'sales', agent: { agentId: 'a1', uri: 'sip:a1@pbx' }, expiresAt: T0 + 30_000, contactId: 'c1' };

describe('reservation handle: idempotent, the first ending is the only one that reaches the queue', () => {
  it('double release: one release (the first, with its agentFault)', () => {
    const ends = new RecordingEnds();
    const h = reservationHandle(reserved, ends);
    h.release({ agentFault: true });
    h.release();
    assert.deepEqual(ends.calls, ['release r1 agentFault']);
  });

  it('confirm, confirm again, release, callEnded: one confirm and one ending', () => {
    const ends = new RecordingEnds();
    const h = reservationHandle(reserved, ends);
    assert.equal(h.confirm(), true);
    assert.equal(h.confirm(), true, 'already confirmed');
    h.release();
    h.callEnded();
    assert.deepEqual(ends.calls, ['confirm r1', 'release r1']);
  });

  it('callEnded after release, confirm after release: nothing more', () => {
    const ends = new RecordingEnds();
    const h = reservationHandle(reserved, ends);
    h.release();
    h.callEnded();
    assert.equal(h.confirm(), false, 'an ended reservation cannot be confirmed');
    assert.deepEqual(ends.calls, ['release r1']);
  });

  it('a confirm refused because the reservation lapsed: false, and the handle has ended', () => {
    const ends = new RecordingEnds();
    ends.lapsed = true;
    const h = reservationHandle(reserved, ends);
    assert.equal(h.confirm(), false);
    h.release();
    h.callEnded();
    assert.deepEqual(ends.calls, []);
  });

  it('keeps what the queue said about the reservation', () => {
    const h = reservationHandle(reserved, new RecordingEnds());
    assert.equal(h.reservationId, 'r1');
    assert.equal(h.agent.agentId, 'a1');
    assert.equal(h.contactId, 'c1');
  });
});

describe('reservation handle over the real queue', () => {
  it('confirm, then release in finally: the call ends once (talk time recorded once), the agent is READY', async () => {
    const { q, vt } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    assert.equal(r.confirm(), true);
    assert.equal(q.getAgent('a1').state, 'BUSY');
    vt.advance(60_000);
    r.release();
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal(q.targetStats('sales').measuredCalls, 1);
    r.callEnded();
    r.release();
    assert.equal(q.targetStats('sales').measuredCalls, 1, 'the call was ended once');
    q.close();
  });

  it('release with agentFault, then release again: NOT_READY (no-answer), the contact back in line once', async () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    r.release({ agentFault: true });
    r.release();
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'no-answer');
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['c1']);
    q.close();
  });

  it('callEnded after release: no talk time recorded, the agent stays READY', async () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    r.release();
    r.callEnded();
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal(q.targetStats('sales').measuredCalls, 0);
    q.close();
  });

  it('a confirm after the reservation lapsed is false: the agent is not made BUSY', async () => {
    const { q, vt } = bench([sales({ reservationTimeoutSec: 10 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    vt.advance(10_000);
    assert.equal(r.confirm(), false);
    r.release();
    assert.equal(q.getAgent('a1').state, 'NOT_READY', 'the lapse made it NOT_READY; the late release changes nothing');
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['c1']);
    q.close();
  });

  it('a flow that throws after reserving frees the agent in its finally; the next contact gets it', async () => {
    const { q } = bench([sales()], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    q.enqueue(contact('c2', 'caller', T0 + 1));
    const flow = async (): Promise<void> => {
      const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
      try {
        assert.equal(q.getAgent('a1').state, 'RESERVED');
        throw new Error('the agent leg failed');
      } finally {
        r.release();
      }
    };
    await assert.rejects(flow(), /the agent leg failed/);
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal((await q.reserveAgentFor('c2', { timeoutMs: 1000 }))?.agent.agentId, 'a1');
    q.close();
  });
});

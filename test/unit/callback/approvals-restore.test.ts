import assert from 'node:assert/strict';
import { ApprovalBoard, type ApprovalEvent, type ApprovalStore, type ApprovalSubject } from '../../../src/callback/approvals';
import type { StoredApproval, StoredApprovalKind } from '../../../src/ports/queue-state';
import { VirtualTime } from '../../../src/time';

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);

/** the store's approvals in memory (as the real ones: one row per callback and kind) */
class MemoryApprovals implements ApprovalStore {
  rows = new Map<string, StoredApproval>();
  async putPendingApproval(a: StoredApproval): Promise<void> {
    this.rows.set(`${a.callbackId}/${a.kind}`, structuredClone(a));
  }
  async deletePendingApproval(callbackId: string, kind: StoredApprovalKind): Promise<void> {
    this.rows.delete(`${callbackId}/${kind}`);
  }
  async pendingApprovals(): Promise<StoredApproval[]> {
    return [...this.rows.values()].map((r) => structuredClone(r)).sort((a, b) => a.expiresAt - b.expiresAt);
  }
}

const subject = (callbackId: string, agentId = 'alice', attempt = 1): ApprovalSubject => ({
  callbackId,
  attemptId: `${callbackId}-att${attempt}`,
  serviceName: 'preview',
  customerNumber: '+14155550100',
  userData: { account: '42' },
  agentId,
});

/** a board on virtual time over `store`, as a process that starts would make it */
const boardOn = (store: MemoryApprovals, vt: VirtualTime) => new ApprovalBoard(vt, vt, { store });

describe('approval board: pending previews and confirmations survive a restart', () => {
  it('kept in the store while pending, removed once answered or timed out', async () => {
    const vt = new VirtualTime(T0);
    const store = new MemoryApprovals();
    const board = boardOn(store, vt);
    const p = board.offerPreview(subject('cb1'), { timeoutMs: 30_000, allowReject: true });
    const c = board.askCustomer(subject('cb2'), { timeoutMs: 60_000 });
    await board.written();
    assert.deepEqual([...store.rows.keys()].sort(), ['cb1/agent_preview', 'cb2/user_confirm']);
    assert.equal(store.rows.get('cb1/agent_preview')!.expiresAt, T0 + 30_000);
    board.answerPreview('cb1', 'alice', 'accept');
    assert.equal(await p, 'ACCEPTED');
    vt.advance(60_000);
    assert.equal(await c, 'TIMEOUT');
    await board.written();
    assert.equal(store.rows.size, 0);
  });

  it('a restart brings them back until their deadline: visible, answerable; the answer goes to the next attempt of the callback', async () => {
    const vt = new VirtualTime(T0);
    const store = new MemoryApprovals();
    const before = boardOn(store, vt);
    void before.offerPreview(subject('cb1'), { timeoutMs: 30_000, allowReject: true });
    void before.askCustomer(subject('cb2', 'bob'), { timeoutMs: 120_000 });
    void before.offerPreview(subject('cb3', 'carol'), { timeoutMs: 5_000, allowReject: false });
    await before.written(); // the process dies here: nothing settles

    vt.advance(10_000); // down for 10 s: cb3's preview ran out meanwhile
    const after = boardOn(store, vt);
    const events: ApprovalEvent[] = [];
    after.onEvent((e) => events.push(e));
    assert.deepEqual(await after.restore(), { restored: 2, timedOut: 1 });
    assert.deepEqual(events.map((e) => `${e.type}:${e.approval.callbackId}:${e.outcome}`), ['PREVIEW_ANSWERED:cb3:TIMEOUT'], 'the late one timed out at once');
    const preview = after.previewFor('alice');
    assert.equal(preview?.callbackId, 'cb1');
    assert.equal(preview?.expiresAt, T0 + 30_000, 'with its original deadline');
    assert.deepEqual(preview?.userData, { account: '42' });
    assert.equal(after.previewFor('carol'), undefined);
    assert.equal(after.confirmFor('cb2')?.expiresAt, T0 + 120_000);

    // the agent accepts before the callback's next attempt runs: the answer waits for it
    assert.equal(after.answerPreview('cb1', 'alice', 'accept'), 'ACCEPTED');
    assert.equal(after.previewFor('alice'), undefined);
    await after.written();
    assert.equal((store.rows.get('cb1/agent_preview')!.pending as { answer?: string }).answer, 'ACCEPTED', 'the answer kept in the store too');
    assert.equal(await after.offerPreview(subject('cb1', 'alice', 2), { timeoutMs: 30_000, allowReject: true }), 'ACCEPTED', 'the next attempt has it at once');

    // the customer has not answered yet: the next attempt waits on the same question, until the original deadline
    const c = after.askCustomer(subject('cb2', 'bob', 2), { timeoutMs: 120_000 });
    assert.equal(after.confirmFor('cb2')?.expiresAt, T0 + 120_000);
    vt.advance(T0 + 120_000 - vt.now() - 1);
    after.answerConfirm('cb2', true);
    assert.equal(await c, 'CONFIRMED');
    await after.written();
    assert.equal(store.rows.size, 0, 'nothing left once taken over and answered');
    assert.equal(events.filter((e) => e.type === 'CONFIRM_REQUESTED').length, 0, 'the customer is not asked a second time');
  });

  it('a restored preview runs out at its deadline; the next attempt asking another agent gets a preview of its own', async () => {
    const vt = new VirtualTime(T0);
    const store = new MemoryApprovals();
    void boardOn(store, vt).offerPreview(subject('cb1'), { timeoutMs: 30_000, allowReject: true });
    void boardOn(store, vt).offerPreview(subject('cb2'), { timeoutMs: 30_000, allowReject: true });
    await new Promise((r) => setImmediate(r));
    const after = boardOn(store, vt);
    await after.restore();
    vt.advance(30_000);
    assert.equal(after.previewFor('alice')?.callbackId, undefined, 'both ran out');
    await after.written();
    assert.equal(store.rows.size, 0);

    void boardOn(store, vt).offerPreview(subject('cb3'), { timeoutMs: 30_000, allowReject: true });
    await new Promise((r) => setImmediate(r));
    const again = boardOn(store, vt);
    await again.restore();
    const p = again.offerPreview(subject('cb3', 'dave', 2), { timeoutMs: 20_000, allowReject: true });
    assert.equal(again.previewFor('alice'), undefined, "alice's is replaced");
    assert.equal(again.previewFor('dave')?.expiresAt, vt.now() + 20_000);
    again.answerPreview('cb3', 'dave', 'reject');
    assert.equal(await p, 'REJECTED');
  });

  it('a service that stops leaves what is pending in the store (the shutdown aborts the attempts, not the approvals)', async () => {
    const vt = new VirtualTime(T0);
    const store = new MemoryApprovals();
    const board = boardOn(store, vt);
    const ac = new AbortController();
    const p = board.offerPreview(subject('cb1'), { timeoutMs: 30_000, allowReject: true, signal: ac.signal });
    await board.close();
    ac.abort();
    assert.equal(await p, 'ABORTED');
    await board.written();
    assert.deepEqual([...store.rows.keys()], ['cb1/agent_preview']);
  });
});

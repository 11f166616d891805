import assert from 'node:assert/strict';
import { statusOf } from '../../../src/http/errors';
import pino from 'pino';
import { ApprovalBoard, ApprovalError, type ApprovalEvent, type ApprovalSubject } from '../../../src/callback/approvals';
import { ApprovingDialer } from '../../../src/callback/approving-dialer';
import type { ApprovalSteps, AttemptResult, Dialer, DialRequest } from '../../../src/ports/dialer';
import { bench, sales, settle, T0 } from '../queue/helpers';

const subject = (callbackId: string, agentId = 'a1'): ApprovalSubject => ({
  callbackId,
  attemptId: `${callbackId}-att1`,
  serviceName: 'preview',
  customerNumber: '+14155550100',
  userData: { account: '42' },
  agentId,
});

/** resolves once the board has `n` pending approvals */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await settle();
  assert.ok(cond(), 'condition never became true');
}

describe('approval board (agent preview, customer confirmation)', () => {
  it('an offered preview is visible to its agent only and settles with the agent\'s answer', async () => {
    const board = new ApprovalBoard();
    const events: ApprovalEvent[] = [];
    board.onEvent((e) => events.push(e));
    const answer = board.offerPreview(subject('cb1'), { timeoutMs: 10_000, allowReject: true });
    assert.equal(board.previewFor('a1')?.callbackId, 'cb1');
    assert.equal(board.previewFor('a2'), undefined);
    assert.throws(() => board.answerPreview('cb1', 'a2', 'accept'), (e: unknown) => e instanceof ApprovalError && statusOf(e) === 404);
    assert.equal(board.answerPreview('cb1', 'a1', 'accept'), 'ACCEPTED');
    assert.equal(await answer, 'ACCEPTED');
    assert.equal(board.previewFor('a1'), undefined, 'answered previews are gone');
    assert.deepEqual(events.map((e) => `${e.type}:${e.outcome ?? ''}`), ['PREVIEW_OFFERED:', 'PREVIEW_ANSWERED:ACCEPTED']);
    assert.throws(() => board.answerPreview('cb1', 'a1', 'accept'), /no preview/, 'a second answer is refused');
  });

  it('refuses a reject when the service does not allow it, and times out without an answer', async () => {
    const board = new ApprovalBoard();
    const answer = board.offerPreview(subject('cb2'), { timeoutMs: 30, allowReject: false });
    assert.throws(() => board.answerPreview('cb2', 'a1', 'reject'), (e: unknown) => e instanceof ApprovalError && statusOf(e) === 409);
    assert.equal(await answer, 'TIMEOUT');
    assert.equal(board.pendingCount, 0);
  });

  it('customer confirmation: declined, and aborted when the attempt is cancelled', async () => {
    const board = new ApprovalBoard();
    const declined = board.askCustomer(subject('cb3'), { timeoutMs: 10_000 });
    assert.equal(board.confirmFor('cb3')?.agentId, 'a1');
    board.answerConfirm('cb3', false);
    assert.equal(await declined, 'DECLINED');
    assert.throws(() => board.answerConfirm('cb3', true), (e: unknown) => e instanceof ApprovalError && statusOf(e) === 409);

    const abort = new AbortController();
    const aborted = board.askCustomer(subject('cb4'), { timeoutMs: 10_000, signal: abort.signal });
    abort.abort();
    assert.equal(await aborted, 'ABORTED');
    assert.equal(board.confirmFor('cb4'), undefined);
  });
});

describe('approving dialer: reserve → preview / confirm → dial for that agent', () => {
  class RecordingDialer implements Dialer {
    readonly calls: DialRequest[] = [];
    dial(req: DialRequest): Promise<AttemptResult> {
      this.calls.push(req);
      return Promise.resolve({ outcome: 'CONNECTED_TO_AGENT', agentId: req.reservation?.agent.agentId, endedAt: 1 });
    }
  }

  const request = (id: string, approval: ApprovalSteps): DialRequest => ({
    callbackId: id,
    attemptId: `${id}-att1`,
    attemptNumber: 1,
    serviceName: 'preview',
    customerNumber: '+14155550100',
    target: 'sales',
    waitForAgent: true,
    connectMode: 'bridge',
    ringTimeoutSec: 30,
    userData: {},
    approval,
  });

  const setup = () => {
    const { q, vt } = bench([sales()], [{}, {}]);
    const inner = new RecordingDialer();
    const approvals = new ApprovalBoard();
    const dialer = new ApprovingDialer({ inner, queue: q, approvals, reserveTimeoutMs: 5_000, clock: vt, logger: pino({ level: 'silent' }) });
    return { q, vt, inner, approvals, dialer };
  };
  const preview = (timeoutSec = 30): ApprovalSteps => ({ agentPreview: { timeoutSec, allowReject: true, timeoutSetsNotReady: true } });

  it('the agent accepts: the customer is dialed for that agent, whose reservation no longer lapses', async () => {
    const { q, inner, approvals, dialer } = setup();
    q.setReady('a1');
    const result = dialer.dial(request('cb1', preview()), new AbortController().signal);
    await until(() => approvals.previewFor('a1') !== undefined);
    assert.equal(inner.calls.length, 0, 'nothing is dialed before the agent accepts');
    assert.equal(q.getAgent('a1').state, 'RESERVED');
    approvals.answerPreview('cb1', 'a1', 'accept');
    assert.equal((await result).agentId, 'a1');
    assert.equal(inner.calls.length, 1);
    assert.equal(inner.calls[0]!.reservation?.agent.agentId, 'a1');
    assert.equal(q.getAgent('a1').state, 'BUSY', 'accepting the preview engages the agent');
    q.close();
  });

  it('the agent rejects: released READY, nothing dialed, AGENT_UNAVAILABLE (not a dial attempt)', async () => {
    const { q, inner, approvals, dialer } = setup();
    q.setReady('a1');
    const result = dialer.dial(request('cb2', preview()), new AbortController().signal);
    await until(() => approvals.previewFor('a1') !== undefined);
    approvals.answerPreview('cb2', 'a1', 'reject');
    const r = await result;
    assert.equal(r.outcome, 'AGENT_UNAVAILABLE');
    assert.match(r.detail ?? '', /rejected the preview/);
    assert.equal(inner.calls.length, 0);
    assert.equal(q.getAgent('a1').state, 'READY');
    q.close();
  });

  it('the preview lapses: the agent goes NOT_READY', async () => {
    const { q, inner, dialer } = setup();
    q.setReady('a1');
    const r = await dialer.dial(request('cb3', { agentPreview: { timeoutSec: 0.03, allowReject: true, timeoutSetsNotReady: true } }), new AbortController().signal);
    assert.equal(r.outcome, 'AGENT_UNAVAILABLE');
    assert.match(r.detail ?? '', /did not answer the preview/);
    assert.equal(inner.calls.length, 0);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    q.close();
  });

  it('customer confirmation: declined ends USER_DECLINED, silence is NO_CONFIRMATION, the agent is freed', async () => {
    const { q, inner, approvals, dialer } = setup();
    q.setReady('a1');
    const declined = dialer.dial(request('cb4', { userConfirm: { timeoutSec: 30 } }), new AbortController().signal);
    await until(() => approvals.confirmFor('cb4') !== undefined);
    approvals.answerConfirm('cb4', false);
    assert.equal((await declined).outcome, 'USER_DECLINED');
    assert.equal(q.getAgent('a1').state, 'READY');

    const silent = await dialer.dial(request('cb5', { userConfirm: { timeoutSec: 0.03 } }), new AbortController().signal);
    assert.equal(silent.outcome, 'NO_CONFIRMATION');
    assert.equal(inner.calls.length, 0);
    assert.equal(q.getAgent('a1').state, 'READY');
    q.close();
  });

  it('preview then confirmation: dialed only after both, for the previewing agent', async () => {
    const { q, inner, approvals, dialer } = setup();
    q.setReady('a2');
    const result = dialer.dial(request('cb6', { ...preview(), userConfirm: { timeoutSec: 30 } }), new AbortController().signal);
    await until(() => approvals.previewFor('a2') !== undefined);
    approvals.answerPreview('cb6', 'a2', 'accept');
    await until(() => approvals.confirmFor('cb6') !== undefined);
    assert.equal(inner.calls.length, 0);
    approvals.answerConfirm('cb6', true);
    assert.equal((await result).outcome, 'CONNECTED_TO_AGENT');
    assert.equal(inner.calls[0]!.reservation?.agent.agentId, 'a2');
    q.close();
  });

  it('the callback waits for its agent from its place in line, ahead of callers who came after it', async () => {
    const { q, vt, approvals, dialer } = setup();
    // the callback was accepted at T0; a live caller joined 30 s later and waits for an agent too; the
    // callback is dialed a minute after it was accepted (the queue's clock is at T0 + 60 s)
    vt.advance(60_000);
    q.enqueue({ contactId: 'caller-late', kind: 'caller', target: 'sales', enqueuedAt: T0 + 30_000 });
    const callerGets = q.reserveAgentFor('caller-late', { timeoutMs: 60_000 });
    const result = dialer.dial({ ...request('cb8', preview()), queuedSince: T0 }, new AbortController().signal);
    await settle();
    q.setReady('a1');
    await until(() => approvals.previewFor('a1') !== undefined);
    assert.equal(approvals.previewFor('a1')?.callbackId, 'cb8', 'the first agent free goes to the callback, which was in line first');
    assert.deepEqual(q.waitingContacts('sales').map((c) => c.contactId), ['caller-late']);
    approvals.answerPreview('cb8', 'a1', 'accept');
    await result;
    q.setReady('a2');
    assert.equal((await callerGets)?.agent.agentId, 'a2');
    q.close();
  });

  it('requests without preview or confirmation go straight to the dialer', async () => {
    const { q, inner, dialer } = setup();
    await dialer.dial({ ...request('cb7', {}), approval: undefined }, new AbortController().signal);
    assert.equal(inner.calls.length, 1);
    assert.equal(inner.calls[0]!.reservation, undefined);
    q.close();
  });
});

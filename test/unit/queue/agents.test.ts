import assert from 'node:assert/strict';
import { statusOf } from '../../../src/http/errors';
import type { DomainError } from '../../../src/errors';
import { bench, contact, sales, settle, T0, watch } from './helpers';

describe('queue agents: states, REST changes, registrations', () => {
  it('every agent starts NOT_READY (startup), logged out', () => {
    const { q } = bench([sales()], [{}, { uri: undefined }]);
    for (const a of q.listAgents()) {
      assert.equal(a.state, 'NOT_READY');
      assert.equal(a.notReadyReason, 'startup');
      assert.equal(a.loggedIn, false);
    }
    q.close();
  });

  it('login makes a reachable agent READY; logout NOT_READY logged-out', () => {
    const { q } = bench([sales()], [{}]);
    assert.equal(q.login('a1').state, 'READY');
    assert.equal(q.getAgent('a1').loggedIn, true);
    const out = q.logout('a1');
    assert.equal(out.state, 'NOT_READY');
    assert.equal(out.notReadyReason, 'logged-out');
    assert.equal(out.loggedIn, false);
    q.close();
  });

  it('not-ready / logout during a call take effect after it', async () => {
    const { q } = bench([sales()], [{}, {}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    assert.equal(q.setNotReady('a1').afterCall, 'not-ready');
    assert.equal(q.getAgent('a1').state, 'BUSY');
    q.callEnded(r.reservationId);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'requested');

    q.setReady('a2');
    q.enqueue(contact('c2', 'caller', T0));
    const r2 = (await q.reserveAgentFor('c2', { timeoutMs: 1000 }))!;
    assert.equal(r2.agent.agentId, 'a2');
    q.confirm(r2.reservationId);
    q.logout('a2');
    q.callEnded(r2.reservationId);
    assert.equal(q.getAgent('a2').state, 'NOT_READY');
    assert.equal(q.getAgent('a2').loggedIn, false);
    q.close();
  });

  it('logout while RESERVED: when the reservation lapses the agent is logged out, not just NOT_READY', async () => {
    const { q, vt } = bench([sales({ reservationTimeoutSec: 10 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    await q.reserveAgentFor('c1', { timeoutMs: 1000 });
    assert.equal(q.logout('a1').afterCall, 'logout');
    vt.advance(10_000);
    const a = q.getAgent('a1');
    assert.equal(a.state, 'NOT_READY');
    assert.equal(a.notReadyReason, 'logged-out');
    assert.equal(a.loggedIn, false);
    assert.equal(a.afterCall, undefined);
    q.close();
  });

  it('READY during after-call work ends it early', () => {
    const { q } = bench([sales({ afterCallWorkSec: 60 })], [{}]);
    q.setReady('a1');
    q.enqueue(contact('c1', 'caller', T0));
    return q.reserveAgentFor('c1', { timeoutMs: 1000 }).then((r) => {
      q.confirm(r!.reservationId);
      q.callEnded(r!.reservationId);
      assert.equal(q.getAgent('a1').state, 'AFTER_CALL_WORK');
      assert.equal(q.setReady('a1').state, 'READY');
      q.close();
    });
  });

  it('an agent without static URI cannot be READY until it registers; a new registration makes it READY', () => {
    const { q } = bench([sales()], [{ uri: undefined }]);
    assert.throws(() => q.setReady('a1'), /no SIP URI and no live registration/);
    assert.equal(q.login('a1').notReadyReason, 'unreachable');
    q.setRegistration('a1', 'sip:a1@10.0.0.7:5060', T0 + 60_000);
    const a = q.getAgent('a1');
    assert.equal(a.state, 'READY');
    assert.equal(a.uri, 'sip:a1@10.0.0.7:5060');
    q.close();
  });

  it('a registration lapse makes a READY agent NOT_READY (unreachable); it is never reserved then; re-registering brings it back', async () => {
    const { q, vt } = bench([sales()], [{ uri: undefined }]);
    q.setRegistration('a1', 'sip:a1@10.0.0.7', T0 + 60_000);
    vt.advance(30_000);
    q.setRegistration('a1', 'sip:a1@10.0.0.7', T0 + 120_000); // refresh
    vt.advance(60_000);
    assert.equal(q.getAgent('a1').state, 'READY', 'the refresh moved the expiry');
    vt.advance(30_000);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'unreachable');
    q.enqueue(contact('c1', 'caller', vt.now()));
    const r = watch(q.reserveAgentFor('c1', { timeoutMs: 600_000 }));
    await settle();
    assert.equal(r.settled, false);
    q.setRegistration('a1', 'sip:a1@10.0.0.8', vt.now() + 60_000);
    await settle();
    assert.deepEqual(r.value?.agent, { agentId: 'a1', uri: 'sip:a1@10.0.0.8' });
    q.close();
  });

  it('a registration does not override a NOT_READY the agent asked for; a refresh changes no state', () => {
    const { q } = bench([sales()], [{ uri: undefined }]);
    q.setRegistration('a1', 'sip:a1@h', T0 + 60_000);
    q.setNotReady('a1');
    q.clearRegistration('a1');
    q.setRegistration('a1', 'sip:a1@h', T0 + 60_000);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'requested');
    q.close();
  });

  it('an agent with a static URI stays READY when its registration ends', () => {
    const { q } = bench([sales()], [{ uri: 'sip:desk@pbx' }]);
    q.setReady('a1');
    q.setRegistration('a1', 'sip:a1@soft', T0 + 60_000);
    assert.equal(q.getAgent('a1').uri, 'sip:a1@soft');
    q.clearRegistration('a1');
    assert.equal(q.getAgent('a1').state, 'READY');
    assert.equal(q.getAgent('a1').uri, 'sip:desk@pbx');
    q.close();
  });

  it('registration lapse during a call: the call goes on, the agent is NOT_READY after it', async () => {
    const { q, vt } = bench([sales()], [{ uri: undefined }]);
    q.setRegistration('a1', 'sip:a1@h', T0 + 10_000);
    q.enqueue(contact('c1', 'caller', T0));
    const r = (await q.reserveAgentFor('c1', { timeoutMs: 1000 }))!;
    q.confirm(r.reservationId);
    vt.advance(20_000);
    assert.equal(q.getAgent('a1').state, 'BUSY');
    q.callEnded(r.reservationId);
    assert.equal(q.getAgent('a1').state, 'NOT_READY');
    assert.equal(q.getAgent('a1').notReadyReason, 'unreachable');
    q.close();
  });

  it('unknown agents and targets are 404 errors', () => {
    const { q } = bench([sales()], [{}]);
    assert.throws(() => q.setReady('zz'), (e: DomainError) => statusOf(e) === 404 && /unknown agent "zz"/.test(e.message));
    assert.throws(() => q.estimatedWaitSeconds('nope'), (e: DomainError) => statusOf(e) === 404);
    assert.throws(() => q.enqueue({ ...contact('x', 'caller', T0), target: 'nope' }), /unknown target/);
    q.close();
  });
});

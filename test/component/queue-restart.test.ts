import assert from 'node:assert/strict';
import { parseQueueOptions } from '../../src/queue/parse-options';
import { QueueService } from '../../src/queue/queue-service';
import type { AgentView } from '../../src/queue/views';
import { startApp, type RunningApp } from '../helpers/http-app';
import { storeKinds, useStoreKind } from '../helpers/stores';
import { until } from '../helpers/until';

const queueOptions = {
  targets: [{ name: 'support', reservationTimeoutSec: 600 }, { name: 'sales' }],
  agents: [
    { id: 'alice', name: 'Alice', targets: ['sales'], uri: 'sip:alice@192.0.2.10' },
    { id: 'bob', name: 'Bob', targets: ['support'], password: 'bob-soft-pw-1' },
    { id: 'carol', name: 'Carol', targets: ['support'], uri: 'sip:carol@192.0.2.12' },
    { id: 'dave', name: 'Dave', targets: ['support'], uri: 'sip:dave@192.0.2.13' },
    { id: 'erin', name: 'Erin', targets: ['support'], uri: 'sip:erin@192.0.2.14' },
    { id: 'frank', name: 'Frank', targets: ['support'], uri: 'sip:frank@192.0.2.15' },
  ],
};

const appConfig = {
  targets: queueOptions.targets,
  services: [{ name: 'support-now', template: 'user-terminated-immediate', options: { _target: 'support', _default_country: 'US' } }],
  // no dialer: callbacks wait QUEUED in the line
  dialer: { kind: 'telephony' },
} as const;

const newQueue = () => new QueueService(parseQueueOptions(queueOptions, ''));

for (const kind of storeKinds()) {
  describe(`restart of the service: the queue's state is back (${kind})`, () => {
    before(() => useStoreKind(kind));
    after(() => useStoreKind('sqlite'));
    const opened: { t: RunningApp; queue: QueueService }[] = [];
    afterEach(async () => {
      for (const o of opened.splice(0).reverse()) {
        await o.t.close();
        o.queue.close();
      }
    });

    it('agents in their states, callbacks at their place in line, registrations, pending previews and confirmations; lost callers and calls ended and recorded', async () => {
      const q1 = newQueue();
      const first = await startApp(appConfig as never, { queue: q1 });
      opened.push({ t: first, queue: q1 });

      // dave RESERVED for a caller, frank BUSY with another, erin in after-call work for 10 minutes
      const reserve = async (agentId: string, callerId: string) => {
        q1.login(agentId);
        q1.enqueue({ contactId: callerId, kind: 'caller', target: 'support', enqueuedAt: Date.now() });
        const r = await q1.reserveAgentFor(callerId, { timeoutMs: 1000 });
        assert.equal(r?.agent.agentId, agentId);
        return r!;
      };
      await reserve('dave', 'ivr-call-d');
      (await reserve('frank', 'ivr-call-f')).confirm();
      const e = await reserve('erin', 'ivr-call-e');
      e.confirm();
      e.callEnded({ afterCallWorkSec: 600 });
      // alice READY (REST), carol NOT_READY at her request, bob READY on his softphone's registration
      assert.equal((await first.call('POST', '/api/v1/agents/alice/login', {})).json.state, 'READY');
      q1.login('carol');
      q1.setNotReady('carol');
      const regExpires = Date.now() + 3600_000;
      q1.setRegistration('bob', 'sip:bob@198.51.100.7:5062;transport=ws', regExpires);
      q1.setNotReady('bob');
      q1.setReady('bob');
      // the line: two callbacks (REST) and a live caller between them
      const cb1 = (await first.call('POST', '/genesys/1/service/callback/support-now', { _customer_number: '+14155552671' }, { form: true })).json._id as string;
      await until('the first callback in line', () => (q1.queueLength('support') === 1 ? true : undefined), 5000, 20);
      q1.enqueue({ contactId: 'ivr-call-live', kind: 'caller', target: 'support', enqueuedAt: Date.now() });
      const cb2 = (await first.call('POST', '/genesys/1/service/callback/support-now', { _customer_number: '+14155552672' }, { form: true })).json._id as string;
      await until('both callbacks in line', () => (q1.queueLength('support') === 3 ? true : undefined), 5000, 20);
      // a preview offered to alice, a customer asked to confirm, and a preview that runs out while the service is down
      void first.app.approvals.offerPreview({ callbackId: cb1, attemptId: 'att-1', serviceName: 'support-now', customerNumber: '+14155552671', userData: { account: 'A-1' }, agentId: 'alice' }, { timeoutMs: 120_000, allowReject: true });
      void first.app.approvals.askCustomer({ callbackId: cb2, attemptId: 'att-2', serviceName: 'support-now', customerNumber: '+14155552672', userData: {}, agentId: 'carol' }, { timeoutMs: 120_000 });
      void first.app.approvals.offerPreview({ callbackId: 'cb-late', attemptId: 'att-3', serviceName: 'support-now', customerNumber: '+14155552673', userData: {}, agentId: 'carol' }, { timeoutMs: 300, allowReject: true });

      const before = new Map<string, AgentView>(q1.listAgents().map((a) => [a.id, a]));
      const line = q1.waitingContacts('support').map((c) => [c.contactId, c.kind, c.enqueuedAt]);
      assert.deepEqual(line.map((c) => c[0]), [cb1, 'ivr-call-live', cb2]);
      assert.equal(before.get('dave')!.state, 'RESERVED');
      assert.equal(before.get('frank')!.state, 'BUSY');
      assert.equal(before.get('erin')!.state, 'AFTER_CALL_WORK');
      const preview = first.app.approvals.previewFor('alice')!;

      // every instance stops at once (the app alone: its SQLite file stays)
      await first.app.close();
      q1.close();
      await new Promise((r) => setTimeout(r, 400));

      const q2 = newQueue();
      const second = await startApp({ ...appConfig, store: first.config.store } as never, { queue: q2 });
      opened.push({ t: second, queue: q2 });
      const agent = async (id: string) => q2.getAgent(id);

      const alice = (await second.call('GET', '/api/v1/agents/alice')).json as AgentView;
      assert.equal(alice.state, 'READY');
      assert.equal(alice.since, before.get('alice')!.since, 'in its state since the same moment');
      const carol = await agent('carol');
      assert.equal(carol.state, 'NOT_READY');
      assert.equal(carol.notReadyReason, 'requested');
      const bob = await agent('bob');
      assert.equal(bob.state, 'READY');
      assert.deepEqual(bob.registration, { contactUri: 'sip:bob@198.51.100.7:5062;transport=ws', expiresAt: new Date(regExpires).toISOString() }, 'the registration until its expiry');
      assert.equal(bob.uri, 'sip:bob@198.51.100.7:5062;transport=ws', 'callable at its softphone');
      const erin = await agent('erin');
      assert.equal(erin.state, 'AFTER_CALL_WORK');
      assert.equal(erin.acwEndsAt, before.get('erin')!.acwEndsAt);
      assert.equal(erin.lastCall?.contactId, 'ivr-call-e', 'the call still to wrap up');
      assert.equal((await agent('dave')).state, 'READY', 'the reservation died with the process');
      assert.equal((await agent('dave')).reservation, undefined);
      assert.equal((await agent('frank')).state, 'READY', 'the call died with the process');

      assert.deepEqual(
        q2.waitingContacts('support').map((c) => [c.contactId, c.kind, c.enqueuedAt]),
        line.filter((c) => c[0] !== 'ivr-call-live'),
        'the callbacks at their place, the live caller gone',
      );
      const lost = await second.app.store.getInteraction('ivr-call-live');
      assert.equal(lost?.outcome, 'FAILED', 'the lost caller recorded');
      assert.deepEqual(lost?.attached, { endedBy: 'service-restart' });

      const back = second.app.approvals.previewFor('alice');
      assert.equal(back?.callbackId, cb1);
      assert.equal(back?.expiresAt, preview.expiresAt, 'with its deadline');
      assert.deepEqual(back?.userData, { account: 'A-1' });
      assert.equal(second.app.approvals.confirmFor(cb2)?.agentId, 'carol');
      assert.equal(second.app.approvals.previewFor('carol'), undefined, 'the one whose deadline passed while down timed out');
      await second.app.approvals.written();
      assert.deepEqual((await second.app.store.pendingApprovals()).map((a) => `${a.callbackId}/${a.kind}`).sort(), [`${cb1}/agent_preview`, `${cb2}/user_confirm`].sort(), 'and left the store');
      // the customer can still confirm, over REST
      const confirm = await second.call('POST', `/genesys/1/service/callback/support-now/${cb2}/user-confirm`, { _confirm: true });
      assert.equal(confirm.status, 200, confirm.text);
      assert.equal(second.app.approvals.confirmFor(cb2), undefined, 'answered');
    });
  });
}

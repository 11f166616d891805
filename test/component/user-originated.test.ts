import assert from 'node:assert/strict';
import { StoreInteractionRecorder } from '../../src/callback/interaction-recorder';
import { runInboundCall, type DidRoute } from '../../src/flows/inbound-call';
import { silentLogger } from '../helpers/core';
import { startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { FakeAgentCalls, FakeLeg, ivrDeps } from '../unit/flows/fakes';

/**
 * User Originated Immediate and Delayed without SIP servers: the real app (REST, SQLite, scheduler), a real
 * queue, and an inbound call faked at the leg only, run through the same flow code as a SIP call
 * (runInboundCall: match by caller number AND the dialed number's service, else the DID's IVR).
 */
describe('User Originated Immediate and Delayed: a fake inbound call through the real flow', function () {
  this.timeout(20_000);
  let t: RunningApp;
  const { queue } = queueWithAgents([{ id: 'dave', password: 'dave-pass-01' }]);
  const DIDS: Record<string, DidRoute> = {
    '18005550110': { service: 'uo-now', target: 'support' },
    '18005550111': { service: 'uo-later', target: 'support' },
    '18005550112': { service: 'ut-now', target: 'support' },
  };
  const options = { _target: 'support', _business_hours: null };

  before(async () => {
    t = await startApp({
      services: [
        { name: 'uo-now', template: 'User Originated Immediate', options },
        { name: 'uo-later', template: 'User Originated Delayed', options },
        { name: 'ut-now', template: 'user-terminated-immediate', options },
      ],
    });
    queue.login('dave');
  });
  after(async () => {
    await t.close();
    queue.close();
  });

  /** one answered call from `ani` to `dnis`: the agent dave answers and talks 50 ms */
  const inboundCall = (ani: string, dnis: string, id: string) => {
    const recorder = new StoreInteractionRecorder(t.app.store, silentLogger);
    const deps = { ...ivrDeps({ queue, callbacks: t.app.callbacks, agents: new FakeAgentCalls(['answer'], [], 50) }), interactions: recorder };
    const leg = new FakeLeg(`sip-${id}`);
    return runInboundCall(leg, { interactionId: id, ani, dnis, startedAt: Date.now() }, DIDS[dnis]!, () => deps, 'US', silentLogger);
  };
  const state = async (service: string, id: string) => (await t.call('GET', `/genesys/1/service/callback/${service}/${id}`)).json;

  it('Immediate: the customer calls the service\'s number: matched and connected, the callback COMPLETED; another number or another caller is the IVR\'s', async () => {
    const r = await t.call('POST', '/genesys/1/service/callback/uo-now', { _customer_number: '+14155550170' });
    assert.equal(r.status, 200);
    assert.equal((await state('uo-now', r.json._id))._callback_state, 'QUEUED');

    // the same customer dialing another service's number is that service's caller: no match, its IVR
    const other = await inboundCall('+14155550170', '18005550112', 'uo-ix-1');
    assert.equal(other.serviceName, 'ut-now');
    assert.equal(other.attached._CB_ID, undefined);
    assert.equal((await state('uo-now', r.json._id))._callback_state, 'QUEUED', 'still waiting for its customer');
    // another caller on the service's number: no match either
    assert.equal((await inboundCall('+14155550199', '18005550110', 'uo-ix-2')).attached._CB_ID, undefined);

    const rec = await inboundCall('4155550170', '18005550110', 'uo-ix-3');
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(rec.serviceName, 'uo-now');
    assert.equal(rec.attached._CB_ID, r.json._id);
    assert.equal(rec.attached.agentId, 'dave');
    const done = await state('uo-now', r.json._id);
    assert.equal(done._callback_state, 'COMPLETED');
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
    assert.equal((await t.app.store.getInteraction('uo-ix-3'))?.outcome, 'CONNECTED_TO_AGENT');
  });

  it('Delayed: not matched before its time; once due (QUEUED by the scheduler) the call on its number is matched and connected', async () => {
    const at = new Date(Date.now() + 2500).toISOString();
    const r = await t.call('POST', '/genesys/1/service/callback/uo-later', { _customer_number: '+14155550171', _desired_time: at });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await state('uo-later', r.json._id))._callback_state, 'SCHEDULED');
    const early = await inboundCall('+14155550171', '18005550111', 'uo-ix-4');
    assert.equal(early.attached._CB_ID, undefined, 'too early: the IVR of the number');
    assert.equal((await state('uo-later', r.json._id))._callback_state, 'SCHEDULED');

    for (let i = 0; i < 100 && (await state('uo-later', r.json._id))._callback_state !== 'QUEUED'; i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal((await state('uo-later', r.json._id))._callback_state, 'QUEUED');
    const rec = await inboundCall('+14155550171', '18005550111', 'uo-ix-5');
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.equal(rec.attached._CB_ID, r.json._id);
    assert.equal((await state('uo-later', r.json._id))._callback_reason, 'CONNECTED_TO_AGENT');
  });
});

import assert from 'node:assert/strict';
import { runIvrOffer } from '../../../src/flows/ivr-offer';
import { parseTelephonyConfig } from '../../../src/telephony/config';
import { ivrConnectModeFor } from '../../../src/telephony/ivr-settings';
import { makeCore } from '../../helpers/core';
import { FakeAgentCalls, FakeLeg, FakeQueue, capturingLog, ivrDeps } from './fakes';

const SERVICE = 'support-cb';
const info = { interactionId: 'ix-1', serviceName: SERVICE, target: 'support', ani: '+12025550143', dnis: '18005550100', startedAt: 999_000 };
const waitsInQueue = (lines: Record<string, unknown>[]) => {
  const l = lines.filter((x) => x.msg === 'caller waits in queue');
  assert.equal(l.length, 1, 'one "caller waits in queue" line per queued call');
  return l[0]!;
};

/**
 * One call routed to SERVICE as src/telephony builds it: the service's options read when the call comes
 * in, then the precedence (ivrConnectModeFor). The EWT (30 s) is below the threshold: the caller is queued
 * and connected to the agent the queue reserves.
 */
async function queuedCall(core: Awaited<ReturnType<typeof makeCore>>, telephony: unknown, referScript: (number | 'ok')[] = ['ok']) {
  const agents = new FakeAgentCalls(['answer'], referScript, 5);
  const { log, lines } = capturingLog();
  const connect = ivrConnectModeFor(parseTelephonyConfig(telephony, 'telephony'), core.callbacks.serviceIvrOptions(SERVICE));
  const rec = await runIvrOffer(new FakeLeg('c1', []), info, ivrDeps({ queue: new FakeQueue(30), callbacks: core.callbacks, agents, connect }), log);
  return { rec, kinds: agents.calls.map((c) => c.kind), logged: waitsInQueue(lines) };
}

describe("IVR over the real service registry: the service's _connect_mode connects its queued callers", () => {
  it('_connect_mode: refer on the service → the connect step REFERs (telephony.connect.mode is bridge)', async () => {
    const core = await makeCore();
    await core.services.put(SERVICE, 'user-terminated-immediate', { _target: 'support', _connect_mode: 'refer' }, 0);
    const { rec, kinds, logged } = await queuedCall(core, { connect: { mode: 'bridge' } });
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(kinds, ['refer']);
    assert.equal(logged.connectMode, 'refer');
    assert.equal(logged.connectModeFrom, '_connect_mode');
  });

  it('a REFER that fails still falls back to bridge (FsAgentCalls.refer fails at once for a browser agent: never REFERred)', async () => {
    const core = await makeCore();
    await core.services.put(SERVICE, 'user-terminated-immediate', { _connect_mode: 'refer' }, 0);
    const { rec, kinds } = await queuedCall(core, {}, [603]);
    assert.equal(rec.outcome, 'CONNECTED_TO_AGENT');
    assert.deepEqual(kinds, ['refer', 'bridge']);
  });

  it('a service that sets no _connect_mode: telephony.connect.mode (the template fills none)', async () => {
    const core = await makeCore();
    await core.services.put(SERVICE, 'user-terminated-immediate', { _target: 'support' }, 0);
    assert.equal(core.services.get(SERVICE)?.effectiveOptions._connect_mode, undefined);
    const refer = await queuedCall(core, { connect: { mode: 'refer' } });
    assert.deepEqual(refer.kinds, ['refer']);
    assert.equal(refer.logged.connectModeFrom, 'telephony.connect.mode');
    const byDefault = await queuedCall(core, {});
    assert.deepEqual(byDefault.kinds, ['bridge'], 'telephony.connect.mode defaults to bridge');
  });

  it("_connect_mode: bridge on the service wins over telephony.connect.mode: refer; an admin change counts from the next call", async () => {
    const core = await makeCore();
    await core.services.put(SERVICE, 'user-terminated-immediate', { _connect_mode: 'bridge' }, 0);
    assert.deepEqual((await queuedCall(core, { connect: { mode: 'refer' } })).kinds, ['bridge']);
    // what PUT /admin/v1/services does
    await core.services.put(SERVICE, 'user-terminated-immediate', { _connect_mode: 'refer' }, 1);
    assert.deepEqual((await queuedCall(core, { connect: { mode: 'bridge' } })).kinds, ['refer']);
  });
});

import assert from 'node:assert/strict';
import path from 'node:path';
import { rawMicrophone } from '../helpers/raw-microphone';
import { sleep } from '../helpers/until';
import { channelsRtp, isWebrtc, logConsole, useWebrtcStack } from './webrtc-stack';

/**
 * A supervisor listens in, whispers to the agent and barges in, through the real stack: the agent page
 * (Chromium, its fake microphone) answers a callback from a SIPp customer; the supervisor page, in a second
 * Chromium whose fake microphone is a 1777 Hz tone, signs its phone in (sip.js over drachtio-server's
 * WebSocket, the app's registrar) and clicks Listen, Whisper, Barge on the agent's row. The app rings the
 * supervisor's browser (WebRTC on FreeSWITCH) into `eavesdrop` on the agent's channel. In each mode
 * FreeSWITCH records what it sends to the customer and to the agent (uuid_record, RECORD_WRITE_ONLY), and
 * the test looks for the supervisor's tone in each recording (Goertzel): listen — in neither, whisper — the
 * agent's only, barge — both. FreeSWITCH's RTP counters show audio going to the supervisor.
 *
 * Needs what agent-call.e2e.test.ts needs (test/e2e/env.ts, SOFTPHONE_WS_URL, sipp, Chromium) and
 * FreeSWITCH writing to this machine's temp directory (it records there); otherwise it skips with one line.
 */
const TONE_HZ = 1777;
const AGENT = { id: 'carol', name: 'Carol', password: 'carol-webrtc-1' };
const SUPERVISOR = { id: 'sam', password: 'sam-webrtc-1' };

describe('supervisor listens, whispers, barges in from the browser (eavesdrop through drachtio-server + FreeSWITCH)', function () {
  this.timeout(180_000);
  const stack = useWebrtcStack({
    name: 'supervise',
    client: { id: 'floor', key: 'supervisor-e2e-admin-0001', admin: true },
    service: 'supervised-immediate',
    agents: [AGENT],
    app: { supervision: { tellAgent: true, supervisors: [{ id: SUPERVISOR.id, name: 'Sam', password: SUPERVISOR.password }] } },
    // the supervisor's fake microphone is the tone
    browsers: { agent: {}, supervisor: { toneHz: TONE_HZ } },
    trunkPort: Number(process.env.SUPERVISOR_CALL_TRUNK_PORT ?? 5192),
    mediaPort: Number(process.env.SUPERVISOR_CALL_MEDIA_PORT ?? 17020),
    agentRingTimeoutSec: 15,
    localFreeswitch: true,
  });

  it('listen: the supervisor hears the call, nobody hears them; whisper: the agent only; barge: both; then leaves and the call goes on', async () => {
    const agent = await stack.signIn('agent', AGENT);

    const sup = await stack.browsers.supervisor!.newPage();
    await rawMicrophone(sup);
    logConsole(sup, path.join(stack.logDir, 'supervisor-page.log'));
    await stack.openSupervisor(sup);
    await sup.locator('#sup-id option').first().waitFor({ state: 'attached' });
    await sup.selectOption('#sup-id', SUPERVISOR.id);
    await sup.fill('#sup-pass', SUPERVISOR.password);
    await sup.click('#sup-phone');
    await sup.locator('#sup-phone-state', { hasText: 'phone ready' }).waitFor({ timeout: 15_000 });

    const others = new Set((await channelsRtp(stack.freeswitch)).map((c) => c.uuid));
    await stack.startCallback('+12025550186', { timeoutSec: 150 });
    await agent.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await agent.click('#answer');
    await agent.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await sleep(1500);
    const onCall = (await channelsRtp(stack.freeswitch)).filter((c) => !others.has(c.uuid));
    const agentLeg = onCall.find(isWebrtc);
    const customerLeg = onCall.find((c) => c !== agentLeg && c.secure === '');
    assert.ok(agentLeg && customerLeg, `the agent's and the customer's channels: ${JSON.stringify(onCall)}`);

    const row = sup.locator('#calls tr[data-agent="carol"]');
    await row.waitFor({ timeout: 10_000 });
    /** FreeSWITCH records 3 s of what it sends to the customer and to the agent */
    const record = async (phase: string) => {
      const r = await stack.recordSent(phase, { customer: customerLeg.uuid, agent: agentLeg.uuid }, TONE_HZ);
      return { customer: r.customer!.tone, agent: r.agent!.tone };
    };

    // a baseline before anyone listens: neither side carries the tone
    const before = await record('before');

    await row.locator('button', { hasText: 'Listen' }).click();
    await row.locator('td.mode', { hasText: 'you: listening' }).waitFor({ timeout: 20_000 });
    const supLeg = (await channelsRtp(stack.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== agentLeg.uuid && c.uuid !== customerLeg.uuid && isWebrtc(c));
    assert.ok(supLeg, "the supervisor's WebRTC channel on FreeSWITCH");
    // tellAgent is on: the agent's page is told (its own view, /api/v1/agent/me)
    const token = (await agent.evaluate('sessionStorage.getItem("agentToken")')) as string;
    const me = (await (await fetch(`${stack.url}/api/v1/agent/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { supervisor?: { mode: string } };
    const listen = await record('listen');
    const supAfter = (await channelsRtp(stack.freeswitch)).find((c) => c.uuid === supLeg.uuid)!;
    const toSupervisor = supAfter.outPackets - supLeg.outPackets;

    await row.locator('button', { hasText: 'Whisper' }).click();
    await row.locator('td.mode', { hasText: 'you: whispering' }).waitFor({ timeout: 10_000 });
    const whisper = await record('whisper');

    await row.locator('button', { hasText: 'Barge' }).click();
    await row.locator('td.mode', { hasText: 'you: in the call' }).waitFor({ timeout: 10_000 });
    const barge = await record('barge');

    await row.locator('button', { hasText: 'Leave' }).click();
    await row.locator('td.mode', { hasText: 'not supervised' }).waitFor({ timeout: 10_000 });
    const audit = (await (await fetch(`${stack.url}/admin/v1/audit?action=supervision.mode-changed`, { headers: { 'x-api-key': stack.key } })).json()) as { entries: unknown[] };

    console.log(`      RTP to the supervisor while listening (3.3 s): ${toSupervisor} packets; agent page told: ${JSON.stringify(me.supervisor)}`);
    console.log(`      share of the supervisor's ${TONE_HZ} Hz tone in what FreeSWITCH sends:`);
    for (const [phase, r] of Object.entries({ before, listen, whisper, barge })) console.log(`        ${phase.padEnd(8)} to the customer ${r.customer.toFixed(3)}, to the agent ${r.agent.toFixed(3)}`);

    assert.ok(toSupervisor > 100, `audio reaches the supervisor: ${toSupervisor} packets`);
    assert.deepEqual(me.supervisor, { mode: 'listen' });
    const heard = (x: number) => x > 0.2;
    assert.ok(!heard(before.customer) && !heard(before.agent), `no tone before: ${JSON.stringify(before)}`);
    assert.ok(!heard(listen.customer) && !heard(listen.agent), `listen: nobody hears the supervisor: ${JSON.stringify(listen)}`);
    assert.ok(heard(whisper.agent) && !heard(whisper.customer), `whisper: the agent only: ${JSON.stringify(whisper)}`);
    assert.ok(heard(barge.agent) && heard(barge.customer), `barge: both: ${JSON.stringify(barge)}`);
    assert.equal(audit.entries.length, 2);

    // the supervisor left; the agent's call goes on until the agent hangs up
    assert.equal(await agent.locator('#call-title').innerText(), 'On call');
    await agent.click('#hangup');
    await agent.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    const cu = await stack.customerDone();
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
  });
});

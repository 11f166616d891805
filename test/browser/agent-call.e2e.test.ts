import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { runSipp } from '../e2e/sipp';
import { sleep, until } from '../helpers/until';
import { dtmfOn } from '../helpers/esl';
import { channels, channelsRtp, isWebrtc, pageMedia, useWebrtcStack, type ChannelRtp } from './webrtc-stack';

/**
 * An agent answers a callback in the browser, through the real stack: the agent page in headless Chromium
 * (fake microphone) signs in, registers with sip.js over WebSocket through drachtio-server with the app's
 * registrar, goes READY; a callback started over REST dials a SIPp customer through drachtio-server, AMD
 * hears "hello" (HUMAN), the page rings with the callback's data, the test clicks Answer; WebRTC media
 * (ICE + DTLS-SRTP) runs between Chromium and FreeSWITCH, the customer's leg is plain RTP, FreeSWITCH
 * bridges them; audio is checked both ways (the page's WebRTC stats and FreeSWITCH's per-channel RTP
 * counters), the agent hangs up, and the callback is COMPLETED with CONNECTED_TO_AGENT.
 *
 * Needs the e2e environment (test/e2e/env.ts) plus SOFTPHONE_WS_URL (drachtio-server's ws:// or wss://
 * listener); without them it skips with one line. See docs/webrtc.md.
 */
const TRUNK_PORT = Number(process.env.AGENT_CALL_TRUNK_PORT ?? 5190);
const MEDIA_PORT = Number(process.env.AGENT_CALL_MEDIA_PORT ?? 17000);
const AGENT = { id: 'carol', name: 'Carol', password: 'carol-webrtc-1' };
const RING_SEC = 10;
/** the DID live callers dial (the IVR queues them for the agent) and where the SIPp caller binds */
const DID = '18005550177';
const CALLER_PORT = Number(process.env.AGENT_CALL_CALLER_PORT ?? 5191);

/** audio both ways on the page: the browser receives the customer's audio and sends its fake microphone */
const audioBothWays = (page: Page) =>
  until('WebRTC audio in and out', async () => {
    const m = await pageMedia(page);
    return m.received > 50 && m.sent > 50 ? m : undefined;
  }, 15_000);

describe('agent answers a callback in the browser (WebRTC through drachtio-server + FreeSWITCH)', function () {
  this.timeout(150_000);
  const stack = useWebrtcStack({
    name: 'webrtc',
    client: { id: 'ivr', key: 'webrtc-ivr-key-0001' },
    service: 'webrtc-immediate',
    agents: [AGENT],
    browsers: { agent: {} },
    trunkPort: TRUNK_PORT,
    mediaPort: MEDIA_PORT,
    agentRingTimeoutSec: RING_SEC,
    dids: [DID],
  });
  /** a fresh page: sign in, wait for the phone to register over the WebSocket, go READY */
  const signedInPage = () => stack.signIn('agent', AGENT);

  it('signs in, registers over WebSocket, goes READY, rings with the callback, answers: audio both ways, keypad DTMF, holds and resumes, hangs up: COMPLETED / CONNECTED_TO_AGENT, seen on the supervisor page', async () => {
    const page = await signedInPage();
    // the supervisor watches (public/supervisor.html, server push)
    const supervisor = await page.context().newPage();
    await stack.openSupervisor(supervisor);
    await supervisor.waitForSelector('#live.on');
    // only this call's channels count (a FreeSWITCH shared with other runs may have others)
    const others = new Set((await channelsRtp(stack.freeswitch)).map((c) => c.uuid));
    const id = await stack.startCallback('+12025550188', { userData: { account: 'A-77' } });

    // the page rings with the callback's data (from the INVITE's headers and the agent API)
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    const data = await page.locator('#call-data').innerText();
    assert.match(data, new RegExp(id));
    assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0188', 'the number as people write it');
    assert.match(data, /Detected\s+(HUMAN|NOTSURE|NO_SPEECH)/);
    assert.match(data, /A-77/);
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });

    // the supervisor sees the agent busy on it
    await supervisor.locator('.target[data-target="billing"] tr', { hasText: AGENT.id }).locator('td', { hasText: 'BUSY' }).waitFor({ timeout: 10_000 });

    // audio both ways: the browser receives the customer's "hello" and sends its fake microphone
    const first = await audioBothWays(page);
    const fsFirst = await channelsRtp(stack.freeswitch);
    await sleep(2000);
    const second = await pageMedia(page);
    const fsSecond = await channelsRtp(stack.freeswitch);
    console.log(`      page: ${second.text}`);
    if (process.env.SCREENSHOTS) await page.screenshot({ path: `${process.env.SCREENSHOTS}/agent-call.png`, fullPage: true });
    assert.ok(second.received - first.received > 50, `browser received ${first.received} then ${second.received} packets`);
    assert.ok(second.sent - first.sent > 50, `browser sent ${first.sent} then ${second.sent} packets`);
    const grew = (c: ChannelRtp) => {
      const before = fsFirst.find((x) => x.uuid === c.uuid);
      return { uuid: c.uuid, name: c.name, secure: c.secure, in: c.inPackets - (before?.inPackets ?? 0), out: c.outPackets - (before?.outPackets ?? 0) };
    };
    const deltas = fsSecond.filter((c) => !others.has(c.uuid)).map(grew);
    console.log(`      FreeSWITCH channels (RTP packets in 2 s): ${JSON.stringify(deltas)}`);
    const agentLeg = deltas.find(isWebrtc);
    const customerLeg = deltas.find((c) => c !== agentLeg && c.in > 0);
    assert.ok(agentLeg, `a DTLS-SRTP channel for the agent: ${JSON.stringify(deltas)}`);
    assert.ok(customerLeg, `a plain RTP channel for the customer: ${JSON.stringify(deltas)}`);
    assert.equal(customerLeg.secure, '', 'the customer leg stays plain RTP');
    assert.ok(agentLeg.in > 50 && agentLeg.out > 50, `agent leg in/out: ${JSON.stringify(agentLeg)}`);
    assert.ok(customerLeg.in > 50 && customerLeg.out > 50, `customer leg in/out: ${JSON.stringify(customerLeg)}`);

    // the keypad: RFC 4733 events in the browser's RTP, which FreeSWITCH decodes on the agent's channel
    const dtmf = dtmfOn(stack.freeswitch, agentLeg.uuid, 2, 10_000);
    await dtmf.ready;
    await page.locator('#keys button', { hasText: /^5$/ }).click();
    await sleep(400);
    await page.locator('#keys button', { hasText: /^#$/ }).click();
    assert.equal(await dtmf.digits, '5#');

    // hold from the page: the re-INVITE (a=sendonly) reaches FreeSWITCH, which stops sending to the browser
    const callstate = async () => (await channels(stack.freeswitch)).find((c) => c.uuid === agentLeg.uuid)?.callstate;
    await page.click('#hold');
    await page.locator('#hold', { hasText: 'Resume' }).waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to see the agent leg HELD', async () => ((await callstate()) === 'HELD' ? true : undefined), 5000);
    await sleep(1000);
    const held1 = await pageMedia(page);
    const fsHeld1 = await channelsRtp(stack.freeswitch);
    await sleep(2000);
    const held2 = await pageMedia(page);
    const fsHeld2 = await channelsRtp(stack.freeswitch);
    console.log(`      on hold: browser received ${held2.received - held1.received} packets in 2 s`);
    assert.ok(held2.received - held1.received < 10, `audio to the browser while on hold: ${held1.received} -> ${held2.received}`);
    // the customer hears the hold music meanwhile (hold_music set by the app; FreeSWITCH's default needs mod_local_stream)
    const outToCustomer = (list: ChannelRtp[]) => list.find((c) => c.uuid === customerLeg.uuid)?.outPackets ?? 0;
    console.log(`      on hold: customer was sent ${outToCustomer(fsHeld2) - outToCustomer(fsHeld1)} packets in 2 s`);
    assert.ok(outToCustomer(fsHeld2) - outToCustomer(fsHeld1) > 50, 'the customer hears hold music while the agent holds');
    await page.click('#hold');
    await page.locator('#hold', { hasText: /^Hold$/ }).waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to see the agent leg ACTIVE', async () => ((await callstate()) === 'ACTIVE' ? true : undefined), 5000);
    await until('audio to the browser again after resume', async () => ((await pageMedia(page)).received - held2.received > 50 ? true : undefined), 10_000);

    await page.click('#hangup');
    await page.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    const done = await stack.completed(id);
    assert.equal(done._callback_state, 'COMPLETED');
    assert.match(await stack.history(id), /CONNECTED_TO_AGENT/);
    // ... and the callback completed, connected to an agent, on the supervisor page
    await supervisor.locator('#states .tile[data-name="COMPLETED"] b', { hasText: /^[1-9]/ }).waitFor({ timeout: 10_000 });
    await supervisor.locator('#reasons .tile[data-name="CONNECTED_TO_AGENT"] b', { hasText: /^[1-9]/ }).waitFor({ timeout: 10_000 });
    const cu = await stack.customerDone();
    assert.equal(cu.code, 0, `customer sipp (expects the BYE): ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });

  it('the customer hangs up first: the app sends BYE to the browser over the WebSocket, the page ends the call, COMPLETED / CONNECTED_TO_AGENT', async () => {
    const page = await signedInPage();
    const id = await stack.startCallback('+12025550187', { scenario: 'agent-call-customer-hangs-up.xml' });
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await page.click('#answer');
    await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await until('audio to the browser', async () => ((await pageMedia(page)).received > 50 ? true : undefined), 10_000);
    // the customer's BYE comes 15 s after its answer; the app then hangs up the agent's browser
    await page.locator('#call').waitFor({ state: 'hidden', timeout: 30_000 });
    const done = await stack.completed(id);
    assert.equal(done._callback_state, 'COMPLETED');
    assert.match(await stack.history(id), /CONNECTED_TO_AGENT/);
    const cu = await stack.customerDone();
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });

  it('a live caller the IVR queued rings in the page with their number, is answered with audio both ways, and hung up by the agent', async () => {
    const page = await signedInPage();
    const caller = runSipp(path.join(__dirname, 'agent-call-caller.xml'), {
      port: CALLER_PORT, mediaPort: MEDIA_PORT + 10, target: stack.env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550177'], logDir: stack.logDir, timeoutSec: 120,
    });
    try {
      // greeting, EWT below the threshold (an agent is READY), queued, agent reserved: the page rings
      await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
      assert.equal(await page.locator('#customer-number').innerText(), '+1 202 555 0177', 'the caller\'s number as people write it');
      assert.equal(await page.locator('#call-title').innerText(), 'Incoming call');
      await page.click('#answer');
      await page.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
      const first = await audioBothWays(page);
      await sleep(2000);
      const second = await pageMedia(page);
      // the caller's SIPp streams without pause (~100 packets in 2 s); the browser's fake microphone has silences (CN)
      assert.ok(second.received - first.received > 50 && second.sent - first.sent > 30, `${JSON.stringify(first)} -> ${JSON.stringify(second)}`);
      await page.click('#hangup');
      await page.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
      const r = await caller.done;
      assert.equal(r.code, 0, `caller sipp (expects the BYE): ${r.output.slice(-600)}\n${r.errors}`);
    } finally {
      caller.kill();
      await page.context().close();
    }
  });

  it('the agent lets it ring: the ring timeout CANCELs over the WebSocket, the page stops ringing, the agent goes NOT_READY, the attempt ends AGENT_UNAVAILABLE', async () => {
    const page = await signedInPage();
    const id = await stack.startCallback('+12025550189');
    await page.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    const rangAt = Date.now();
    await page.locator('#call').waitFor({ state: 'hidden', timeout: (RING_SEC + 5) * 1000 });
    const rangSec = (Date.now() - rangAt) / 1000;
    assert.ok(rangSec > RING_SEC - 3, `stopped ringing after ${rangSec} s, before the ring timeout`);
    await until('the attempt to end AGENT_UNAVAILABLE', async () => (/AGENT_UNAVAILABLE/.test(await stack.history(id)) ? true : undefined), 20_000);
    // not answering takes the agent out of rotation
    await page.locator('#state', { hasText: 'NOT_READY' }).waitFor({ timeout: 10_000 });
    // AGENT_UNAVAILABLE is retried later: cancel it so it is not dialed again
    await fetch(`${stack.url}/genesys/1/service/callback/${stack.o.service}/${id}`, { method: 'DELETE', headers: { 'x-api-key': stack.key } });
    const cu = await stack.customerDone();
    assert.equal(cu.code, 0, `customer sipp (expects the BYE): ${cu.output.slice(-600)}\n${cu.errors}`);
    await page.context().close();
  });
});

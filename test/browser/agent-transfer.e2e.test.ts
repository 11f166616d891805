import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { eslApi } from '../helpers/esl';
import { sleep, until } from '../helpers/until';
import { channels, goReady, isWebrtc, pageMedia, useWebrtcStack } from './webrtc-stack';

/**
 * Mute and transfer through the real stack, two agents' pages in headless Chromium (drachtio-server,
 * FreeSWITCH, a SIPp customer saying "hello"). Carol's fake microphone is a 1777 Hz tone; FreeSWITCH
 * records what it sends to each channel (uuid_record, RECORD_WRITE_ONLY) and the test measures the tone's
 * share (Goertzel) and the energy of each recording:
 * - mute: Carol's tone reaches the customer, muted it does not, unmuted again it does;
 * - consult: the customer on hold (no tone), Dave hears Carol; complete: Carol leaves, FreeSWITCH bridges
 *   Dave to the customer (bridge_to) and Dave hears the customer (energy, no tone);
 * - blind: Dave hands the call back to Carol, whose page rings "Transferred by dave" and hears the customer;
 *   the callback is COMPLETED with the two transfers in its history.
 *
 * Needs the e2e environment plus SOFTPHONE_WS_URL, FreeSWITCH on this machine and Chromium; without them it
 * skips with one line. See docs/webrtc.md.
 */
const TONE_HZ = 1777;
const CAROL = { id: 'carol', name: 'Carol', password: 'carol-webrtc-1' };
const DAVE = { id: 'dave', name: 'Dave', password: 'dave-webrtc-1' };

describe('agents mute and transfer calls in the browser (through drachtio-server + FreeSWITCH)', function () {
  this.timeout(240_000);
  const stack = useWebrtcStack({
    name: 'transfer',
    client: { id: 'admin', key: 'transfer-e2e-admin-0001', admin: true },
    service: 'transfer-immediate',
    agents: [CAROL, DAVE],
    // Carol's fake microphone is the tone
    browsers: { carol: { toneHz: TONE_HZ }, dave: {} },
    trunkPort: Number(process.env.AGENT_TRANSFER_TRUNK_PORT ?? 5192),
    mediaPort: Number(process.env.AGENT_TRANSFER_MEDIA_PORT ?? 17020),
    agentRingTimeoutSec: 20,
    localFreeswitch: true,
  });

  /** FreeSWITCH records 3 s of what it sends to each channel; the tone's share and the level of each */
  async function record(phase: string, legs: Record<string, string>) {
    const out = await stack.recordSent(phase, legs, TONE_HZ);
    console.log(`        ${phase.padEnd(16)} ${Object.entries(out).map(([who, m]) => `to ${who}: tone ${m.tone.toFixed(3)}, rms ${m.rms.toFixed(4)}`).join('; ')}`);
    return out;
  }
  const bridgedTo = async (uuid: string) => (await eslApi(stack.freeswitch, `uuid_getvar ${uuid} bridge_to`)).trim();
  const received = async (page: Page) => (await pageMedia(page)).received;

  it('mute: no audio from the agent reaches the customer; consult then complete: the second agent hears the customer; blind back to the first: recorded in the history', async () => {
    // the test's "voice" is a steady tone, which the browser's noise suppression would fade out
    const carol = await stack.signIn('carol', CAROL, { rawMicrophone: true });
    const dave = await stack.signIn('dave', DAVE, { ready: false, rawMicrophone: true });
    const others = new Set((await channels(stack.freeswitch)).map((c) => c.uuid));
    const id = await stack.startCallback('+12025550185', { timeoutSec: 200 });
    await carol.locator('#call:not([hidden])').waitFor({ timeout: 40_000 });
    await carol.click('#answer');
    await carol.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await sleep(1500);
    const first = (await channels(stack.freeswitch)).filter((c) => !others.has(c.uuid));
    const carolLeg = first.find(isWebrtc)?.uuid;
    const customerLeg = first.find((c) => c.secure === '')?.uuid;
    assert.ok(carolLeg && customerLeg, `carol's and the customer's channels: ${JSON.stringify(first)}`);

    console.log(`      share of Carol's ${TONE_HZ} Hz tone, and the level, in what FreeSWITCH sends:`);
    // 1. mute: Carol's voice (the tone) reaches the customer, then not while muted, then again
    const talking = await record('talking', { customer: customerLeg });
    await carol.click('#mute');
    await carol.locator('#mute[aria-pressed="true"]').waitFor();
    await sleep(500);
    const muted = await record('muted', { customer: customerLeg });
    await carol.click('#mute');
    await carol.locator('#mute[aria-pressed="false"]').waitFor();
    await sleep(500);
    const unmuted = await record('unmuted', { customer: customerLeg });

    // 2. consult Dave: the customer on hold, Dave hears Carol
    await goReady(dave);
    await carol.click('#transfer-open');
    await carol.locator('#transfer-to option[value="agent:dave"]:not([disabled])').waitFor({ state: 'attached', timeout: 10_000 });
    await carol.selectOption('#transfer-to', 'agent:dave');
    await carol.click('#transfer-consult');
    await dave.locator('#call:not([hidden])').waitFor({ timeout: 20_000 });
    assert.equal(await dave.locator('#call-from').innerText(), 'Consultation from carol');
    await dave.click('#answer');
    await carol.locator('#consult-status', { hasText: 'Talking to dave' }).waitFor({ timeout: 20_000 });
    await sleep(1000);
    const daveLeg = (await channels(stack.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== carolLeg && isWebrtc(c))?.uuid;
    assert.ok(daveLeg, "dave's WebRTC channel");
    assert.equal(await bridgedTo(daveLeg), carolLeg, 'FreeSWITCH bridges Dave with Carol');
    const consulting = await record('consulting', { customer: customerLeg, dave: daveLeg });
    if (process.env.SCREENSHOTS) await carol.screenshot({ path: `${process.env.SCREENSHOTS}/agent-consult.png`, fullPage: true });

    // 3. complete: Carol leaves (into wrap-up), Dave talks to the customer
    await carol.click('#transfer-complete');
    await carol.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    await carol.locator('#wrapup:not([hidden])').waitFor({ timeout: 10_000 });
    await until('FreeSWITCH to bridge Dave to the customer', async () => ((await bridgedTo(daveLeg)) === customerLeg ? true : undefined), 10_000);
    const daveBefore = await received(dave);
    const completed = await record('completed', { dave: daveLeg });
    assert.ok((await received(dave)) - daveBefore > 100, "the customer's audio reaches Dave's browser");
    assert.equal(await dave.locator('#call-title').innerText(), 'On call');

    // 4. blind back to Carol (READY again): her page rings with who handed it over, and she hears the customer
    await goReady(carol);
    await dave.click('#transfer-open');
    await dave.locator('#transfer-to option[value="agent:carol"]:not([disabled])').waitFor({ state: 'attached', timeout: 10_000 });
    await dave.selectOption('#transfer-to', 'agent:carol');
    await dave.click('#transfer-blind');
    await dave.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });
    await carol.locator('#call:not([hidden])').waitFor({ timeout: 20_000 });
    assert.equal(await carol.locator('#call-from').innerText(), 'Transferred by dave');
    await carol.click('#answer');
    await carol.locator('#call-title', { hasText: 'On call' }).waitFor({ timeout: 20_000 });
    await until("the customer's audio in Carol's browser", async () => ((await received(carol)) > 100 ? true : undefined), 10_000);
    const carolAgain = (await channels(stack.freeswitch)).find((c) => !others.has(c.uuid) && c.uuid !== carolLeg && c.uuid !== daveLeg && isWebrtc(c))?.uuid;
    assert.ok(carolAgain, "carol's new WebRTC channel");
    assert.equal(await bridgedTo(carolAgain), customerLeg);
    await carol.click('#hangup');
    await carol.locator('#call').waitFor({ state: 'hidden', timeout: 10_000 });

    // the attempt ends (and its events are written) once both legs are down, just after the page's hang-up
    await stack.completed(id);
    const text = await stack.history(id);
    const cu = await stack.customerDone();

    const heard = (x: { tone: number }) => x.tone > 0.2;
    assert.ok(heard(talking.customer!), `the customer hears Carol: ${JSON.stringify(talking)}`);
    assert.ok(!heard(muted.customer!) , `muted: no tone reaches the customer: ${JSON.stringify(muted)}`);
    assert.ok(muted.customer!.tone < 0.05, `muted: ${JSON.stringify(muted)}`);
    assert.ok(heard(unmuted.customer!), `unmuted: the customer hears Carol again: ${JSON.stringify(unmuted)}`);
    assert.ok(!heard(consulting.customer!), `during the consultation the customer does not hear Carol: ${JSON.stringify(consulting)}`);
    assert.ok(consulting.customer!.rms > 100, `the customer hears hold music: ${JSON.stringify(consulting)}`);
    assert.ok(heard(consulting.dave!), `Dave hears Carol while they consult: ${JSON.stringify(consulting)}`);
    assert.ok(!heard(completed.dave!) && completed.dave!.rms > 100, `after completing Dave hears the customer (speech, not Carol's tone): ${JSON.stringify(completed)}`);
    assert.match(text, /"mode":"consult","fromAgentId":"carol","to":\{"agentId":"dave"\},"toAgentId":"dave","result":"completed"/);
    assert.match(text, /"mode":"blind","fromAgentId":"dave","to":\{"agentId":"carol"\},"toAgentId":"carol","result":"handed-over"/);
    assert.match(text, /CONNECTED_TO_AGENT/);
    assert.equal(cu.code, 0, `customer sipp: ${cu.output.slice(-600)}\n${cu.errors}`);
  });
});

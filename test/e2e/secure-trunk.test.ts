import assert from 'node:assert/strict';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp, killLeftoverSipp, runSipp, sippMessages } from './sipp';
import { DID, SERVICE, TRUNK_PORT, startStack, type Stack } from './stack';
import { TlsCaller, selfSignedCert } from './tls-caller';
import { eslApi } from '../helpers/esl';
import { sleep, until } from '../helpers/until';

/**
 * The trunk's security options through the real servers (issue 15 §4):
 *   - SIP over TLS: a caller reaches the IVR over drachtio-server's TLS listener and accepts the callback by
 *     SIP INFO; with `access.inviteTransports: [tls]` the same call over UDP is refused 403. Needs
 *     E2E_SIP_TLS_TARGET (host:port of drachtio-server's `transport=tls` contact); skips in one line without it.
 *   - SRTP (`trunk.srtp: required`): an offer with RTP/SAVP and a key is answered with RTP/SAVP and
 *     FreeSWITCH's key; a plain-RTP offer is refused 488.
 */
const received = (scenario: string, port: number, logDir: string): number[] =>
  [...sippMessages(scenario, port, logDir).matchAll(/^SIP\/2\.0 (\d{3}) /gm)].map((m) => Number(m[1]));

describe('e2e: the trunk over TLS, and SRTP', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let stack: Stack | undefined;
  let mediaPort = 19000;

  before(async function () {
    const e = await e2eEnv();
    const why = typeof e === 'string' ? e : !hasSipp() ? 'sipp (sip-tester) is not installed' : null;
    if (why) {
      console.log(`      secure-trunk e2e skipped: ${why}`);
      this.skip();
    }
    env = e as E2eEnv;
  });
  afterEach(async () => {
    await stack?.close();
    if (stack) console.log(`      (logs: ${stack.logDir})`);
    stack = undefined;
    await killLeftoverSipp();
  });
  after(async () => {
    // the next app connecting sets them again; leave FreeSWITCH as the other suites expect it meanwhile
    if (env) for (const v of ['rtp_secure_media_inbound', 'rtp_secure_media_outbound']) await eslApi(env.freeswitch, `global_setvar ${v}=forbidden`);
  });

  it('SIP over TLS: the caller accepts the callback by SIP INFO over TLS and gets BYE with Reason Callback; inviteTransports [tls] refuses the same INVITE over UDP (403)', async function () {
    const target = process.env.E2E_SIP_TLS_TARGET;
    if (!target) {
      console.log('      TLS skipped: E2E_SIP_TLS_TARGET (drachtio-server\'s SIP over TLS, host:port) not set');
      this.skip();
    }
    const [host, port] = [target!.slice(0, target!.lastIndexOf(':')), Number(target!.slice(target!.lastIndexOf(':') + 1))];
    stack = await startStack(env, [], { telephony: { access: { trunks: ['127.0.0.0/8'], inviteTransports: ['tls'] } } });
    const s = stack;

    const udp = runSipp('invite-refused.xml', { port: 5110, mediaPort: (mediaPort += 10), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550401'], logDir: s.logDir, timeoutSec: 20 });
    await udp.done;
    assert.deepEqual(received('invite-refused.xml', 5110, s.logDir).filter((c) => c >= 200), [403], 'an INVITE over UDP');
    assert.ok(s.readLog().some((l) => l.msg === 'INVITE refused' && l.kind === 'transport_not_allowed'));

    const caller = new TlsCaller({ host, port }, '12025550402', DID, selfSignedCert(s.logDir));
    await caller.connect();
    try {
      const sdp = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${(mediaPort += 10)} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');
      const answer = await caller.invite(sdp);
      assert.match(answer.firstLine, /^SIP\/2\.0 200/, 'answered over TLS');
      await until('the app logged the call answered (over TLS)', () => (s.readLog().some((l) => l.msg === 'call answered' && String(l.callId ?? '').includes('@tls-caller')) ? true : undefined), 5000, 50);
      // the IVR: the wait, the offer (press 1), the number read back (press 1): the pauses of caller-accept-info.xml
      await sleep(7000);
      await caller.digit('1');
      await sleep(5000);
      await caller.digit('1');
      const bye = await caller.bye(30_000);
      assert.match(bye.headers.reason ?? '', /SIP;cause=200;text="Callback"/);
      const rec = await until('the interaction record', () => s.interactions.find((i) => i.ani?.includes('12025550402')), 10_000);
      assert.equal(rec.outcome, 'CALLBACK');
      const cb = await s.call('GET', `/genesys/1/service/callback/${SERVICE}/${String(rec.attached._CB_SERVICE_ID)}`);
      assert.equal(cb.json._customer_number, '+12025550402');
      await s.call('DELETE', `/genesys/1/service/callback/${SERVICE}/${String(rec.attached._CB_SERVICE_ID)}`);
    } finally {
      caller.close();
    }
  });

  it('SRTP required: an RTP/SAVP offer with a key is answered RTP/SAVP with FreeSWITCH\'s key; a plain RTP offer is 488', async () => {
    stack = await startStack(env, [], { telephony: { trunk: { uriTemplate: `sip:{number}@127.0.0.1:${TRUNK_PORT}`, ringTimeoutSec: 10, srtp: 'required' } } });
    const s = stack;
    await until('FreeSWITCH told SRTP is mandatory', async () => ((await eslApi(env.freeswitch, 'global_getvar rtp_secure_media_inbound')).startsWith('mandatory') ? true : undefined), 15_000, 200);

    const srtp = runSipp('invite-srtp.xml', { port: 5111, mediaPort: (mediaPort += 10), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550403'], logDir: s.logDir, timeoutSec: 30 });
    const r = await srtp.done;
    assert.equal(r.code, 0, `the answer was not RTP/SAVP with a key: ${r.output.slice(-600)}\n${r.errors}\n${sippMessages('invite-srtp.xml', 5111, s.logDir).slice(-1500)}`);

    const plain = runSipp('invite-refused.xml', { port: 5112, mediaPort: (mediaPort += 10), target: env.sipTarget, args: ['-s', DID, '-key', 'caller', '12025550404'], logDir: s.logDir, timeoutSec: 20 });
    await plain.done;
    assert.deepEqual(received('invite-refused.xml', 5112, s.logDir).filter((c) => c >= 200), [488], 'a plain RTP offer when SRTP is required');
  });
});

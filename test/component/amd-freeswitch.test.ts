/**
 * The live AMD path through a real FreeSWITCH with mod_audio_fork, as a call does it: SIPp places a call
 * to FreeSWITCH's drachtio_mrf profile with the drachtio-fsmrf headers and plays a recording as the
 * customer (RTP, PCMU); the dialplan hands the call to this test's outbound event socket, which starts
 * `uuid_audio_fork <uuid> start <server.url()> mono 8000` (the arguments drachtio-fsmrf's forkAudioStart
 * sends) with {"sessionKey"} as metadata; the AudioForkServer's engine decides.
 * Needs FREESWITCH_HOST (FREESWITCH_PORT 8021, FREESWITCH_SECRET ClueCon by default), a FreeSWITCH conf with
 * the drachtio_mrf profile and dialplan (freeswitch-conf/), `sipp`, `sox`, `espeak-ng`. AMD_FORK_HOST is the
 * address FreeSWITCH reaches this process on (default 127.0.0.1). Skipped, saying why, otherwise.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AudioForkServer } from '../../src/amd/live/audio-fork-server';
import { eslApi } from '../helpers/esl';
import { concat, missingTools, mix, music, say, silence, tone, wavPcm16 } from '../unit/amd/fixtures';

function scenario(wav: string, eslTarget: string, holdMs: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="customer answers and plays a recording">
  <send retrans="500"><![CDATA[
INVITE sip:amd@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:customer@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:amd@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:customer@[local_ip]:[local_port]>
Max-Forwards: 70
User-Agent: drachtio-fsmrf:amd-test-[call_number]
X-esl-outbound: ${eslTarget}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:amd@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:customer@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:amd@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:customer@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec rtp_stream="${wav},1,0"/></action></nop>
  <pause milliseconds="${holdMs}"/>
  <send retrans="500"><![CDATA[
BYE sip:amd@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:customer@[local_ip]:[local_port]>;tag=[pid]T[call_number]
To: <sip:amd@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:customer@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" optional="true"/>
</scenario>
`;
}

describe('amd live path through real FreeSWITCH (SIPp customer, mod_audio_fork)', function () {
  this.timeout(40000);
  let server: AudioForkServer;
  let dir: string;
  let sofia = '';
  const forkHost = process.env.AMD_FORK_HOST ?? '127.0.0.1';

  before(async function () {
    const host = process.env.FREESWITCH_HOST;
    let why: string | null = !host ? 'FREESWITCH_HOST is not set' : missingTools();
    if (!why && spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error) why = 'sipp is not installed (apt-get install -y sip-tester)';
    if (!why && host) {
      const fs = { host, port: Number(process.env.FREESWITCH_PORT ?? 8021), secret: process.env.FREESWITCH_SECRET ?? 'ClueCon' };
      try {
        if ((await eslApi(fs, 'module_exists mod_audio_fork')).trim() !== 'true') throw new Error('mod_audio_fork is not loaded');
        const m = /drachtio_mrf\s+profile\s+sip:[^@\s]+@(\S+)\s+RUNNING/.exec(await eslApi(fs, 'sofia status'));
        if (!m) throw new Error('sofia profile drachtio_mrf is not running');
        sofia = m[1]!;
      } catch (err) {
        why = (err as Error).message;
      }
    }
    if (why) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    server = new AudioForkServer({ port: 0, host: forkHost, logger: pino({ level: 'warn' }) });
    await server.listen();
    dir = mkdtempSync(join(tmpdir(), 'amd-fs-'));
  });

  after(async () => {
    if (server) await server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One call: the customer plays `audio`; returns the AMD result and beep. */
  async function call(name: string, audio: Int16Array, holdMs: number) {
    const pcm = join(dir, `${name}-pcm.wav`);
    const ulaw = join(dir, `${name}.wav`);
    writeFileSync(pcm, wavPcm16(audio));
    assert.equal(spawnSync('sox', [pcm, '-e', 'u-law', ulaw]).status, 0);
    const key = `fs-${name}-${Date.now()}`;
    const session = server.expect(key);
    // the outbound event socket the dialplan connects to: start the fork like forkAudioStart does
    const esl = net.createServer((c) => {
      let buf = '';
      let forked = false;
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        buf += d;
        const m = /(?:^|\n)Unique-ID: *(\S+)/.exec(buf);
        if (m && !forked) {
          forked = true;
          const meta = JSON.stringify({ sessionKey: key });
          c.write(`api uuid_audio_fork ^^|${m[1]}|start|${server.url()}|mono|8000|amdtest|'${meta}'|true|false|\n\n`);
        }
      });
      c.on('error', () => undefined);
      c.write('connect\n\n');
      void session.beep.finally(() => c.end());
    });
    await new Promise<void>((r) => esl.listen(0, forkHost, r));
    const eslPort = (esl.address() as net.AddressInfo).port;
    const xml = join(dir, `${name}.xml`);
    writeFileSync(xml, scenario(ulaw, `${forkHost}:${eslPort}`, holdMs));
    const sipHost = sofia.split(':')[0]!;
    const sipp = spawn('sipp', [sofia, '-sf', xml, '-i', sipHost, '-p', '0', '-mp', String(20000 + (eslPort % 20000)), '-m', '1', '-nostdin', '-timeout', '30s'], { stdio: 'ignore' });
    try {
      return { result: await session.result, beep: await session.beep };
    } finally {
      await new Promise((r) => (sipp.exitCode !== null ? r(null) : sipp.once('exit', r)));
      esl.close();
    }
  }

  it('a person answering "hello?": HUMAN, no beep', async () => {
    const r = await call('human', concat(silence(400), say('hello?'), silence(4000)), 5000);
    assert.equal(r.result.decision, 'HUMAN', JSON.stringify(r.result));
    assert.equal(r.beep, null);
  });

  it('a voicemail greeting ending in a beep: MACHINE, then the beep time', async () => {
    const greeting = say("Hi, you've reached John. I can't come to the phone right now, please leave a message after the tone.");
    const beepAt = 300 + greeting.length / 8 + 400;
    const r = await call('machine', concat(silence(300), greeting, silence(400), tone(1000, 500), silence(2500)), 3000 + beepAt);
    assert.equal(r.result.decision, 'MACHINE', JSON.stringify(r.result));
    assert.ok(r.beep !== null && Math.abs(r.beep - beepAt) < 500, `beep ${r.beep} vs played at ${beepAt} (plus call setup)`);
  });

  it('a person answering "hello?" over background music: HUMAN, the music is not taken for words', async () => {
    const person = concat(silence(800), say('hello?'), silence(5000));
    const r = await call('human-music', mix(person, music(person.length / 8, 5000)), 6500);
    assert.equal(r.result.decision, 'HUMAN', JSON.stringify(r.result));
    assert.equal(r.beep, null);
  });

  it('a greeting that pauses 1 s between its sentences: MACHINE, not HUMAN in the pause', async () => {
    const first = say("Hi, you have reached Anna's phone.");
    const rest = say('I cannot take your call right now. Please leave a message after the tone.');
    const r = await call('paused-greeting', concat(silence(400), first, silence(1000), rest, silence(3000)), 12000);
    assert.equal(r.result.decision, 'MACHINE', JSON.stringify(r.result));
  });
});

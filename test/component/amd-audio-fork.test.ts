/**
 * The live AMD path as FreeSWITCH mod_audio_fork drives it: a real WebSocket client (subprotocol
 * audio.drachtio.org) sends the metadata as its first text message, then binary L16 frames of real
 * (espeak-ng) speech and synthesised tones, to a real AudioForkServer on a real port.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { AudioForkServer } from '../../src/amd/live/audio-fork-server';
import type { AmdEvidence } from '../../src/amd/types';
import { concat, mix, ms, music, scale, skipWithoutTools, say, silence, tone, upsample2 } from '../unit/amd/fixtures';

interface Line {
  msg: string;
  [k: string]: unknown;
}

function l16(samples: Int16Array): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(samples[i]!, i * 2);
  return b;
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'audio.drachtio.org');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Stream like mod_audio_fork: 20 ms binary frames; `pace` frames per event-loop turn. */
async function stream(ws: WebSocket, samples: Int16Array, rate: number, pace = 10): Promise<void> {
  const frame = (rate / 1000) * 20;
  for (let i = 0, n = 0; i < samples.length && ws.readyState === ws.OPEN; i += frame, n++) {
    ws.send(l16(samples.subarray(i, i + frame)), { binary: true });
    if (n % pace === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('amd AudioForkServer (real WebSocket, real audio frames)', function () {
  this.timeout(20000);
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Line);
      cb();
    },
  });
  let server: AudioForkServer;

  before(async () => {
    server = new AudioForkServer({ port: 0, logger: pino({ level: 'info' }, sink) });
    await server.listen();
  });
  after(() => server.close());

  it('url() is ws://host:port', () => {
    assert.match(server.url(), /^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  it('human at 8 kHz: HUMAN, no beep, the server closes the stream when done', async function () {
    skipWithoutTools(this);
    const session = server.expect('call-human');
    const ws = await connect(server.url());
    const done = closed(ws);
    ws.send(JSON.stringify({ sessionKey: 'call-human' }));
    const audio = concat(silence(400), say('hello?'), silence(3000));
    await stream(ws, audio, 8000);
    const r = await session.result;
    assert.equal(r.decision, 'HUMAN');
    assert.equal(await session.beep, null);
    assert.equal((await done).code, 1000);
    assert.ok(lines.some((l) => l.msg === 'amd_human_detected' && l.sessionKey === 'call-human'));
  });

  it('machine at 16 kHz ("sampling":"16k"): MACHINE first, then the beep time', async function () {
    skipWithoutTools(this);
    const session = server.expect('call-machine', { greetingMs: 1800 });
    const ws = await connect(server.url());
    ws.send(JSON.stringify({ sessionKey: 'call-machine', sampling: '16k' }));
    const greeting = say('You have reached the voicemail of Peter Miller. Please leave a message after the tone.');
    const beepAt = 300 + (greeting.length / 8) + 400;
    const audio = upsample2(concat(silence(300), greeting, silence(400), tone(1000, 500), silence(2000)));
    const decided = session.result.then((r) => ({ r, at: Date.now() }));
    const beeped = session.beep.then((b) => ({ b, at: Date.now() }));
    await stream(ws, audio, 16000, 5);
    const [d, b] = await Promise.all([decided, beeped]);
    assert.equal(d.r.decision, 'MACHINE');
    assert.ok(d.at <= b.at, 'the decision comes before the beep');
    assert.ok(b.b !== null && Math.abs(b.b - beepAt) <= 40, `beep ${b.b} vs ${beepAt}`);
    ws.close();
  });

  it('unknown sessionKey: socket closed (1008) with a log line', async () => {
    const ws = await connect(server.url());
    const done = closed(ws);
    ws.send(JSON.stringify({ sessionKey: 'nobody-expects-this' }));
    const c = await done;
    assert.equal(c.code, 1008);
    assert.equal(c.reason, 'unknown sessionKey');
    assert.ok(lines.some((l) => l.msg === 'audio fork: unknown sessionKey, closing' && l.sessionKey === 'nobody-expects-this'));
  });

  it('lost stream: NOTSURE as soon as the socket drops, never a hang', async () => {
    const session = server.expect('call-lost');
    const ws = await connect(server.url());
    ws.send(JSON.stringify({ sessionKey: 'call-lost' }));
    await stream(ws, silence(600), 8000);
    ws.terminate();
    const r = await session.result;
    assert.ok(r.decision === 'NOTSURE' || r.decision === 'NO_SPEECH');
    assert.equal(r.evidence?.reason, 'stream_ended');
    assert.equal(await session.beep, null);
  });

  it('stalled stream: NOTSURE after totalAnalysisMs (+ grace) of wall time', async () => {
    const started = Date.now();
    const session = server.expect('call-stalled', { totalAnalysisMs: 600, initialSilenceMs: 600 });
    const ws = await connect(server.url());
    ws.send(JSON.stringify({ sessionKey: 'call-stalled' }));
    await stream(ws, silence(200), 8000);
    const r = await session.result;
    const waited = Date.now() - started;
    assert.equal(r.decision, 'NOTSURE');
    assert.equal(r.evidence?.reason, 'no_audio_in_time');
    assert.ok(waited >= 1500, `settled after ${waited} ms, before the guard`); // no upper bound: mocha's timeout catches a hang
    ws.close();
  });

  it('FreeSWITCH never connects: NOTSURE after totalAnalysisMs; cancel() settles at once', async () => {
    const never = server.expect('call-never', { totalAnalysisMs: 500 });
    const r = await never.result;
    assert.equal(r.decision, 'NOTSURE');
    const cancelled = server.expect('call-cancelled');
    cancelled.cancel();
    assert.equal((await cancelled.result).evidence?.reason, 'cancelled');
    assert.equal(await cancelled.beep, null);
  });

  it('rejects a second expect() for a live key and bad params naming the key', () => {
    const s = server.expect('call-dup');
    assert.throws(() => server.expect('call-dup'), /already expected/);
    s.cancel();
    assert.throws(() => server.expect('call-bad', { greetingMs: -1 }), /greetingMs/);
  });

  it('a fork the media server keeps open after the decision is logged, counted and cut; a closing one is not', async () => {
    const grace = new AudioForkServer({ port: 0, logger: pino({ level: 'info' }, sink), closeGraceMs: 300 });
    await grace.listen();
    try {
      // well-behaved: answers the close frame at once
      const ok = grace.expect('call-closes');
      const ws1 = await connect(grace.url());
      const closed1 = closed(ws1);
      ws1.send(JSON.stringify({ sessionKey: 'call-closes' }));
      await new Promise((r) => setTimeout(r, 100));
      ok.cancel();
      await closed1;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(grace.lateStreams, 0);
      // stuck: its socket is not read any more, so the close frame is never answered
      const stuck = grace.expect('call-stuck');
      const ws2 = await connect(grace.url());
      const closed2 = closed(ws2);
      ws2.send(JSON.stringify({ sessionKey: 'call-stuck' }));
      await new Promise((r) => setTimeout(r, 100));
      (ws2 as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      stuck.cancel();
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(grace.lateStreams, 1);
      assert.ok(lines.some((l) => l.msg === 'audio fork still open after the decision' && l.sessionKey === 'call-stuck'));
      (ws2 as unknown as { _socket: { resume(): void } })._socket.resume();
      await closed2; // cut by the server
    } finally {
      await grace.close();
    }
  });

  it('close() settles sessions still waiting', async () => {
    const other = new AudioForkServer({ port: 0, logger: pino({ level: 'silent' }) });
    await other.listen();
    const s = other.expect('call-at-shutdown');
    await other.close();
    assert.equal((await s.result).evidence?.reason, 'server_closed');
  });

  describe('with Silero VAD as the rescue speech evidence (speechDetector silero, the service default)', () => {
    let learned: AudioForkServer;
    before(async () => {
      learned = new AudioForkServer({ port: 0, speechDetector: 'silero', logger: pino({ level: 'info' }, sink) });
      await learned.listen();
    });
    after(() => learned.close());

    it('a quiet "hello?" under music: HUMAN (the energy VAD alone hears nobody), the stream closed when done', async function () {
      skipWithoutTools(this);
      assert.equal(learned.speechDetector, 'silero');
      const session = learned.expect('call-music');
      const ws = await connect(learned.url());
      const done = closed(ws);
      ws.send(JSON.stringify({ sessionKey: 'call-music' }));
      const person = concat(silence(800), scale(say('hello?'), 0.12), silence(4000));
      await stream(ws, mix(person, music(ms(person), 5000)), 8000);
      const r = await session.result;
      assert.equal(r.decision, 'HUMAN', JSON.stringify(r));
      assert.equal((r.evidence as AmdEvidence).learnedSpeechFromMs, 2500);
      assert.equal(await session.beep, null);
      assert.equal((await done).code, 1000);
      assert.ok(lines.some((l) => l.msg === 'amd stream started' && l.sessionKey === 'call-music' && l.speechDetector === 'silero'));
    });
  });
});

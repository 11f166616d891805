/**
 * The cases real callers fool AMD with: a person over music, a held note in music (not a beep), a greeting
 * that pauses between its sentences, a person who answers with one long sentence. And the plot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmdEngine } from '../../../src/amd/engine';
import { plotSvg } from '../../../src/amd/plot';
import type { AmdEvidence, FrameTrace } from '../../../src/amd/types';
import { main } from '../../../src/cli/main';
import { concat, mix, ms, music, RATE, say, scale, silence, skipWithoutTools, wavPcm16 } from './fixtures';

function run(samples: Int16Array, onFrame?: (f: FrameTrace) => void): AmdEngine {
  const e = new AmdEngine({ sampleRate: 8000, ...(onFrame ? { onFrame } : {}) });
  e.push(samples);
  e.end();
  return e;
}

describe('amd engine: hard cases', function () {
  this.timeout(20000);
  before(function () {
    skipWithoutTools(this);
  });

  it('a person over background music: HUMAN, the music is background, not words', () => {
    const hello = say('hello?');
    const person = concat(silence(800), hello, silence(5000));
    const e = run(mix(person, music(ms(person), 5000)));
    assert.equal(e.result?.decision, 'HUMAN');
    const ev = e.result!.evidence as AmdEvidence;
    assert.ok(ev.backgroundDb > ev.noiseFloorDb, `background ${ev.backgroundDb} dB above the floor ${ev.noiseFloorDb} dB`);
    assert.equal(ev.words.length, 1, JSON.stringify(ev.words));
    const speechEnd = 800 + ms(hello);
    assert.ok(Math.abs(ev.words[0]!.endMs - speechEnd) < 200, `word ends near ${speechEnd}: ${JSON.stringify(ev.words)}`);
  });

  it('music alone is nobody (NO_SPEECH), and a held note starting inside the music is not a record beep', () => {
    const bed = music(6000, 5000);
    // an 880 Hz note held for 600 ms, 8 dB over the music, from 1.5 s
    const note = new Int16Array(Math.round(0.6 * RATE));
    for (let i = 0; i < note.length; i++) note[i] = Math.round(12000 * Math.sin((2 * Math.PI * 880 * i) / RATE));
    const e = run(mix(bed, concat(silence(1500), note)));
    assert.equal(e.result?.decision, 'NO_SPEECH');
    assert.equal(e.beepMs, null);
  });

  it('the same tone out of silence after speech is a beep', () => {
    const tone = new Int16Array(Math.round(0.6 * RATE));
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(12000 * Math.sin((2 * Math.PI * 880 * i) / RATE));
    const greeting = say('Hi, this is Anna, leave a message.');
    const e = run(concat(silence(300), greeting, silence(300), tone, silence(2000)));
    assert.equal(e.result?.decision, 'MACHINE');
    const beepAt = 300 + ms(greeting) + 300;
    assert.ok(e.beepMs !== null && Math.abs(e.beepMs - beepAt) <= 30, `beep at ${String(e.beepMs)}, expected ${beepAt}`);
  });

  it('a greeting that pauses 1 s after its first sentence: MACHINE, not HUMAN in the pause', () => {
    const first = say("Hi, you have reached Anna's phone.");
    const rest = say('I cannot take your call right now. Please leave a message after the tone.');
    assert.ok(ms(first) > 1300, `first sentence ${ms(first)} ms`);
    const e = run(concat(silence(400), first, silence(1000), rest, silence(3000)));
    assert.equal(e.result?.decision, 'MACHINE', JSON.stringify(e.result));
  });

  it('a person who says "hello?" is still HUMAN about afterGreetingSilenceMs after it', () => {
    const hello = say('hello?');
    const e = run(concat(silence(500), hello, silence(4000)));
    assert.equal(e.result?.decision, 'HUMAN');
    assert.ok(e.result!.decisionMs - (500 + ms(hello)) < e.params.afterGreetingSilenceMs + 150);
  });

  it('a person who answers with one long sentence (about 3 s) and waits: HUMAN', () => {
    const sentence = say('Hello, this is Marc Dupont speaking, who is calling please?', 'en-us', 175);
    assert.ok(ms(sentence) > 2500 && ms(sentence) < 4000, `sentence ${ms(sentence)} ms`);
    const e = run(concat(silence(500), sentence, silence(5000)));
    assert.equal(e.result?.decision, 'HUMAN', JSON.stringify(e.result?.evidence));
  });
});

describe('amd plot', function () {
  this.timeout(20000);
  before(function () {
    skipWithoutTools(this);
  });

  it('draws the waveform, speech, words, the decision time and the beep', () => {
    const frames: FrameTrace[] = [];
    const tone = new Int16Array(Math.round(0.5 * RATE));
    for (let i = 0; i < tone.length; i++) tone[i] = Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / RATE));
    const greeting = say('You have reached the voicemail of Peter Miller. Please leave a message.');
    const e = run(concat(silence(300), greeting, silence(300), tone, silence(1000)), (f) => frames.push(f));
    assert.ok(frames.length > 100);
    assert.ok(frames.some((f) => f.speech) && frames.some((f) => f.toneHz === 1000));
    const svg = plotSvg({ title: 'vm <1>', frames, result: e.result!, beepMs: e.beepMs });
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /vm &lt;1&gt;/);
    assert.match(svg, new RegExp(`MACHINE at ${e.result!.decisionMs} ms`));
    assert.match(svg, /beep at \d+ ms/);
    assert.match(svg, /1000 Hz/);
    const words = (e.result!.evidence as AmdEvidence).words.length;
    assert.equal((svg.match(/fill="#7a4fa0"><title>/g) ?? []).length, words);
    assert.doesNotMatch(svg, /style=/);
  });

  it('cbsvc amd FILE --plot out.svg writes the picture and keeps one JSON line per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amd-plot-'));
    try {
      const file = join(dir, 'hello.wav');
      writeFileSync(file, wavPcm16(concat(silence(500), scale(say('hello?'), 0.8), silence(3000))));
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['amd', file, '--plot', join(dir, 'p.svg')], {
        out: { write: (s: string) => out.push(s) },
        err: { write: (s: string) => err.push(s) },
      });
      assert.equal(code, 0, err.join(''));
      const lines = out.join('').trim().split('\n');
      assert.equal(lines.length, 1);
      const line = JSON.parse(lines[0]!) as { decision: string; plot: string };
      assert.equal(line.decision, 'HUMAN');
      assert.equal(line.plot, join(dir, 'p.svg'));
      assert.match(readFileSync(line.plot, 'utf8'), /HUMAN at \d+ ms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A background that begins after answer (a TV, people talking): the line was quiet, so the VAD's floor is the
 * line's and the babble's first seconds are taken for words until the floor's 2 s memory has forgotten the
 * quiet start. Once the background is known, the words so far that do not stand out from it are given to it.
 */
import assert from 'node:assert/strict';
import { AmdEngine } from '../../../src/amd/engine';
import type { AmdEvidence } from '../../../src/amd/types';
import { concat, mix, ms, noise, say, scale, silence, skipWithoutTools } from './fixtures';

function run(samples: Int16Array): AmdEngine {
  const e = new AmdEngine({ sampleRate: 8000 });
  e.push(samples);
  e.end();
  return e;
}

function evidence(e: AmdEngine): AmdEvidence {
  return e.result!.evidence as AmdEvidence;
}

/** four voices reading in four languages, each looped to `durMs`, mixed and scaled: TV-like babble */
function babble(durMs: number, gain: number): Int16Array {
  const voices: [string, string][] = [
    ['The weather tomorrow will be sunny with a light breeze from the west.', 'en-us'],
    ['And now the news, the minister said on Monday that talks would go on.', 'en-gb'],
    ['Il fera beau demain sur toute la moitie nord du pays.', 'fr-fr'],
    ['Manana habra lluvias en el norte y sol en el sur.', 'es'],
  ];
  const n = Math.round(durMs * 8);
  let out: Int16Array = new Int16Array(0);
  voices.forEach(([text, voice], i) => {
    const one = say(text, voice, 150 + i * 10);
    let x = silence(i * 170);
    while (x.length < n) x = concat(x, one);
    out = mix(out, x.subarray(0, n));
  });
  return scale(out, gain);
}

describe('amd engine: a background that begins after answer', function () {
  this.timeout(30000);
  before(function () {
    skipWithoutTools(this);
  });

  it('a person answering over TV babble that began just before them: HUMAN, their words kept, the babble given to the background', () => {
    const hello = say('hello, who is this?');
    const helloAt = 600;
    const person = concat(silence(helloAt), hello, silence(7000));
    const tv = concat(silence(300), babble(ms(person) - 300, 0.25));
    const e = run(mix(mix(person, tv), noise(ms(person), 60, 3)));
    assert.equal(e.result?.decision, 'HUMAN', JSON.stringify(e.result?.evidence));
    const ev = evidence(e);
    assert.ok(ev.backgroundRejudgedMs !== undefined, 'the words were judged again against the babble');
    const helloEnd = helloAt + ms(hello);
    const last = ev.words[ev.words.length - 1]!;
    // before: one "word" from the babble's start to about 2.4 s (the babble was words until the floor forgot the quiet line)
    assert.ok(Math.abs(last.endMs - helloEnd) < 300, `last word ends at ${last.endMs} ms, the hello at ${helloEnd} ms: ${JSON.stringify(ev.words)}`);
    assert.ok(ev.words[0]!.startMs >= helloAt - 100, `the first word is the person's: ${JSON.stringify(ev.words)}`);
  });

  it('a sound without pauses that takes every word (a talker who never stops, at one level) is not given to the background afterwards', () => {
    // 6 s of noise modulated at 4 Hz (a syllable rate) over a quiet line, from 700 ms: its own dips become the
    // floor after 2 s; judged again, nothing of it would stand out and the words would vanish
    const n = noise(6000, 3000, 9);
    for (let i = 0; i < n.length; i++) n[i] = Math.round(n[i]! * (1 + 0.4 * Math.sin((2 * Math.PI * 4 * i) / 8000)));
    const e = run(mix(concat(silence(700), n, silence(4000)), noise(10700, 60, 5)));
    const ev = evidence(e);
    assert.notEqual(e.result?.decision, 'NO_SPEECH', JSON.stringify(ev));
    assert.ok(ev.words.length >= 1 && ev.words[0]!.startMs <= 800, JSON.stringify(ev.words));
    assert.equal(ev.backgroundRejudgedMs, undefined);
  });

  it('a person on a quiet line: nothing is judged again', () => {
    const hello = say('hello?');
    const e = run(mix(concat(silence(500), hello, silence(4000)), noise(500 + ms(hello) + 4000, 60, 4)));
    assert.equal(e.result?.decision, 'HUMAN');
    assert.equal(evidence(e).backgroundRejudgedMs, undefined);
  });
});

/**
 * Streams that start in speech: the audio fork attaches after answer, a voicemail talks at once, so the
 * engine's first frames can be the middle of the greeting's first word (the e2e "customer machine" call,
 * where the fork attached 100-300 ms into sip/media/machine-greeting-ulaw.wav). The VAD must not take that
 * speech for the line's floor or a background.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AmdEngine } from '../../../src/amd/engine';
import type { AmdEvidence } from '../../../src/amd/types';
import { readAudioFile } from '../../../src/amd/wav';
import { concat, mix, ms, music, noise, RATE, say, silence, skipWithoutTools } from './fixtures';

const MEDIA = join(__dirname, '..', '..', '..', 'sip', 'media');

function run(samples: Int16Array): AmdEngine {
  const e = new AmdEngine({ sampleRate: 8000 });
  e.push(samples);
  e.end();
  return e;
}

/** the recording without its first `cutMs` (what the engine gets when the fork attaches that late) */
function late(samples: Int16Array, cutMs: number): Int16Array {
  return samples.subarray(Math.round((cutMs * RATE) / 1000));
}

function evidence(e: AmdEngine): AmdEvidence {
  return e.result!.evidence as AmdEvidence;
}

describe('amd engine: streams that start in speech (the fork attached late)', function () {
  this.timeout(20000);

  describe('the e2e voicemail greeting (sip/media/machine-greeting-ulaw.wav)', () => {
    const greeting = readAudioFile(join(MEDIA, 'machine-greeting-ulaw.wav'));

    it('from answer: MACHINE by long_greeting, the start not judged again', () => {
      const e = run(greeting.samples);
      assert.equal(e.result?.decision, 'MACHINE');
      assert.equal(evidence(e).reason, 'long_greeting');
      assert.equal(evidence(e).startRejudgedMs, undefined);
    });

    // 80 ms: 30 ms of line before the voice; 130 ms: the e2e failure (HUMAN at about 1 s before the fix)
    for (const cutMs of [80, 130, 200, 300, 400]) {
      it(`without its first ${cutMs} ms: still MACHINE (long_greeting), the first word from the stream's start, then the beep`, () => {
        const e = run(late(greeting.samples, cutMs));
        assert.equal(e.result?.decision, 'MACHINE', JSON.stringify(e.result?.evidence));
        const ev = evidence(e);
        assert.equal(ev.reason, 'long_greeting');
        assert.ok(ev.words[0]!.startMs <= 100, `first word at ${ev.words[0]!.startMs} ms`);
        assert.ok(ev.startRejudgedMs !== undefined && ev.startRejudgedMs < 1000, `start judged again at ${String(ev.startRejudgedMs)}`);
        assert.ok(ev.noiseFloorDb < 30, `floor ${ev.noiseFloorDb} dB is the line's, not the greeting's`);
        assert.ok(e.beepMs !== null, 'the beep is still found');
      });
    }
  });

  describe('the e2e hello (sip/media/hello-ulaw.wav)', () => {
    const hello = readAudioFile(join(MEDIA, 'hello-ulaw.wav'));
    for (const cutMs of [150, 250]) {
      it(`without its first ${cutMs} ms: HUMAN, one word from the stream's start`, () => {
        const e = run(late(hello.samples, cutMs));
        assert.equal(e.result?.decision, 'HUMAN', JSON.stringify(e.result?.evidence));
        const ev = evidence(e);
        assert.equal(ev.words.length, 1, JSON.stringify(ev.words));
        assert.ok(ev.words[0]!.startMs <= 50, JSON.stringify(ev.words));
      });
    }
  });

  describe('synthesised speech (espeak-ng)', () => {
    before(function () {
      skipWithoutTools(this);
    });

    it('a greeting cut 50-400 ms into its first word is MACHINE every time', () => {
      const g = concat(
        say('Hi, you have reached the voicemail of Peter Miller.'),
        silence(250),
        say('I cannot take your call right now, please leave your name and number after the tone.'),
        silence(3000),
      );
      for (const cutMs of [50, 120, 200, 300, 400]) {
        const e = run(concat(silence(30), late(g, cutMs)));
        assert.equal(e.result?.decision, 'MACHINE', `cut ${cutMs} ms: ${JSON.stringify(e.result)}`);
      }
    });

    it('a person over background music from answer: the music is still background (the start is not judged again)', () => {
      const hello = say('hello?');
      const person = concat(silence(800), hello, silence(5000));
      const e = run(mix(person, music(ms(person), 5000)));
      assert.equal(e.result?.decision, 'HUMAN');
      assert.equal(evidence(e).words.length, 1, JSON.stringify(evidence(e).words));
      assert.equal(evidence(e).startRejudgedMs, undefined);
    });

    it('a person on a line with steady noise from answer: HUMAN, the noise is the floor (the start is not judged again)', () => {
      const hello = say('hello?');
      const person = concat(silence(700), hello, silence(4000));
      const e = run(mix(person, noise(ms(person), 1500, 7)));
      assert.equal(e.result?.decision, 'HUMAN', JSON.stringify(e.result?.evidence));
      assert.equal(evidence(e).words.length, 1, JSON.stringify(evidence(e).words));
      assert.equal(evidence(e).startRejudgedMs, undefined);
    });
  });
});

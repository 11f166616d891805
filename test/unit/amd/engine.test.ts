import assert from 'node:assert/strict';
import { AmdEngine } from '../../../src/amd/engine';
import type { AmdParams } from '../../../src/amd/params';
import type { AmdEvidence } from '../../../src/amd/types';
import { concat, skipWithoutTools, mix, ms, noise, say, scale, silence, tone, upsample2 } from './fixtures';

function run(samples: Int16Array, params: Partial<AmdParams> = {}, rate: 8000 | 16000 = 8000): AmdEngine {
  const engine = new AmdEngine({ sampleRate: rate, params });
  const chunk = (rate / 1000) * 20;
  for (let i = 0; i < samples.length; i += chunk) engine.push(samples.subarray(i, i + chunk));
  engine.end();
  return engine;
}

function evidence(e: AmdEngine): AmdEvidence {
  return e.result!.evidence as AmdEvidence;
}

const GREETING =
  "Hi, you've reached John. I can't come to the phone right now, please leave a message after the tone.";

describe('amd engine: tones and silence (synthesised)', () => {
  it('NO_SPEECH after initialSilenceMs of digital silence', () => {
    const e = run(silence(6000));
    assert.equal(e.result?.decision, 'NO_SPEECH');
    assert.equal(e.result?.decisionMs, 2500);
    assert.equal(evidence(e).reason, 'initial_silence');
    assert.equal(e.beepMs, null);
    assert.ok(e.events.some((x) => x.name === 'amd_no_speech_detected'));
  });

  it('NO_SPEECH on steady line noise (the noise floor follows it)', () => {
    const e = run(noise(6000, 3000, 7));
    assert.equal(e.result?.decision, 'NO_SPEECH');
  });

  it('FAX on CNG (1100 Hz, 0.5 s on, 3 s off) within about faxMinMs', () => {
    const e = run(concat(silence(300), tone(1100, 500), silence(3000), tone(1100, 500), silence(1000)));
    assert.equal(e.result?.decision, 'FAX');
    assert.ok(e.result!.decisionMs >= 700 && e.result!.decisionMs <= 800, `decided at ${e.result!.decisionMs}`);
    assert.equal(evidence(e).tone?.freqHz, 1100);
    assert.ok(e.events.some((x) => x.name === 'amd_fax_detected'));
  });

  it('FAX on CED (2100 Hz answer tone)', () => {
    const e = run(concat(silence(400), tone(2100, 3000), silence(500)));
    assert.equal(e.result?.decision, 'FAX');
    assert.equal(evidence(e).tone?.freqHz, 2100);
  });

  it('a short 1100 Hz tone is not fax; a 1 kHz tone before any speech is a beep: MACHINE', () => {
    const e = run(concat(silence(500), tone(1000, 400), silence(3000)));
    assert.equal(e.result?.decision, 'MACHINE');
    assert.equal(evidence(e).reason, 'beep');
    assert.ok(Math.abs(e.beepMs! - 500) <= 20, `beep at ${e.beepMs}`);
  });

  it('a tone outside beepMinHz..beepMaxHz is not a beep', () => {
    const e = run(concat(silence(500), tone(1000, 400), silence(3000)), { beepMinHz: 1500, beepMaxHz: 2000 });
    assert.notEqual(evidence(e).reason, 'beep');
    assert.equal(e.beepMs, null);
  });

  it('stream_ended before any decision: NO_SPEECH when nobody spoke', () => {
    const e = run(silence(800));
    assert.equal(e.result?.decision, 'NO_SPEECH');
    assert.equal(evidence(e).reason, 'stream_ended');
    assert.equal(e.result?.decisionMs, 800);
    assert.ok(e.finished);
  });
});

describe('amd engine: speech (espeak-ng)', function () {
  this.timeout(20000);
  before(function () {
    skipWithoutTools(this);
  });

  it('HUMAN: "hello?" then silence, afterGreetingSilenceMs after the speech ends', () => {
    const hello = say('hello?');
    const end = 400 + ms(hello);
    const e = run(concat(silence(400), hello, silence(4000)));
    assert.equal(e.result?.decision, 'HUMAN');
    assert.equal(evidence(e).reason, 'after_greeting_silence');
    const after = e.result!.decisionMs - end;
    assert.ok(after >= 600 && after <= 900, `decided ${after} ms after speech end`);
    assert.equal(e.beepMs, null);
    assert.ok(e.finished);
  });

  it('HUMAN: two hellos with a short pause count as one greeting', () => {
    const h = say('hello?', 'en-gb+f3');
    const e = run(concat(silence(300), h, silence(400), h, silence(4000)));
    assert.equal(e.result?.decision, 'HUMAN');
    assert.ok(evidence(e).wordCount >= 2, `words ${evidence(e).wordCount}`);
  });

  it('HUMAN in pink-ish noise and when quiet', () => {
    const h = say('yes, hello');
    const noisy = mix(concat(silence(500), h, silence(4000)), noise(6000, 1200, 3));
    assert.equal(run(noisy).result?.decision, 'HUMAN');
    const quiet = scale(concat(silence(500), h, silence(4000)), 0.1);
    assert.equal(run(quiet).result?.decision, 'HUMAN');
  });

  it('MACHINE: long greeting, decided at about first word + greetingMs, then BEEP with its time', () => {
    const g = say(GREETING);
    const beepAt = 300 + ms(g) + 400;
    const e = run(concat(silence(300), g, silence(400), tone(1000, 500), silence(2000)));
    assert.equal(e.result?.decision, 'MACHINE');
    assert.equal(evidence(e).reason, 'long_greeting');
    assert.ok(e.result!.decisionMs < 300 + e.params.greetingMs + 600, `decided at ${e.result!.decisionMs}`);
    assert.ok(e.beepMs !== null && Math.abs(e.beepMs - beepAt) <= 30, `beep ${e.beepMs} vs ${beepAt}`);
    assert.equal(e.result?.beepMs, e.beepMs);
    const names = e.events.map((x) => x.name);
    assert.deepEqual(names, ['amd_machine_detected', 'amd_tone_detected', 'amd_stopped']);
  });

  it('MACHINE without beep: amd_machine_stopped_speaking after machineEndSilenceMs', () => {
    const g = say('The person you are calling is not available. Please try again later.');
    // a 4 s message: shorter than the default greetingMs, so the test sets the limit it is about
    const e = run(concat(silence(200), g, silence(3000)), { greetingMs: 2500 });
    assert.equal(e.result?.decision, 'MACHINE');
    assert.equal(e.beepMs, null);
    const stopped = e.events.find((x) => x.name === 'amd_machine_stopped_speaking');
    assert.ok(stopped, 'no amd_machine_stopped_speaking');
    const end = 200 + ms(g);
    assert.ok(stopped.atMs >= end + 1100 && stopped.atMs <= end + 1500, `stopped at ${stopped.atMs}, speech end ${end}`);
  });

  it('MACHINE by max_words when the greeting limit is out of reach', () => {
    // five words 300 ms apart (said as one sentence, espeak-ng runs them together: the fricatives of "three"
    // and "four" fill the pauses, and a VAD that hears them finds two words)
    const words = ['one', 'two', 'three', 'four', 'five'].flatMap((w) => [say(w, 'en-us', 120), silence(300)]);
    const e = run(concat(...words, silence(3000)), { greetingMs: 60000, maxWords: 2 });
    assert.equal(e.result?.decision, 'MACHINE');
    assert.equal(evidence(e).reason, 'max_words');
    assert.equal(evidence(e).wordCount, 3);
  });

  it('MACHINE: short greeting ending in a beep (beep before the human rule fires)', () => {
    const g = say('Leave a message.');
    const e = run(concat(silence(300), g, silence(200), tone(850, 600), silence(3000)));
    assert.equal(e.result?.decision, 'MACHINE');
    assert.equal(evidence(e).reason, 'beep');
    assert.ok(e.beepMs !== null);
  });

  it('NOTSURE when speech starts just before totalAnalysisMs', () => {
    const e = run(concat(silence(2300), say(GREETING)), { initialSilenceMs: 3000, totalAnalysisMs: 3000, greetingMs: 5000 });
    assert.equal(e.result?.decision, 'NOTSURE');
    assert.equal(e.result?.decisionMs, 3000);
    assert.equal(evidence(e).reason, 'too_long');
  });

  it('16 kHz input reaches the same decisions', () => {
    const h = concat(silence(400), say('hello?'), silence(3000));
    const m = concat(silence(300), say(GREETING), silence(1000));
    const h16 = run(upsample2(h), {}, 16000);
    const h8 = run(h);
    assert.equal(h16.result?.decision, 'HUMAN');
    assert.ok(Math.abs(h16.result!.decisionMs - h8.result!.decisionMs) <= 30);
    assert.equal(run(upsample2(m), {}, 16000).result?.decision, 'MACHINE');
  });
});

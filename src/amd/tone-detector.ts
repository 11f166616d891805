/**
 * Sustained single-tone detection (record beeps 400-2000 Hz, fax CNG 1100 Hz / CED 2100 Hz).
 *
 * Every 10 ms frame looks at the last 20 ms: the zero-crossing count gives a frequency estimate, then
 * Goertzel at that estimate and +-20 Hz measures purity (share of the energy at that one frequency).
 * Frames above `minPurity` with a steady frequency (+-50 Hz) form a tone; one odd frame inside a tone
 * is tolerated (G.711 and line noise).
 */
import { FRAME_MS, FRAME_RATE, FRAME_SAMPLES } from './framer';
import { goertzelPower, tonePurity } from './goertzel';
import type { ToneFound } from './types';

const WINDOW = FRAME_SAMPLES * 2; // 20 ms
const MIN_HZ = 300;
const MAX_HZ = 2300;
const FREQ_TOLERANCE_HZ = 50;

export interface ToneState {
  /** tone in progress (at least 2 tonal frames), or null */
  current: ToneFound | null;
  /** a tone that just ended on this frame, or null */
  ended: ToneFound | null;
}

export class ToneDetector {
  private readonly window = new Int16Array(WINDOW);
  private prevSumSq = 0;
  private run: { freqHz: number; startMs: number; endMs: number; frames: number } | null = null;
  private misses = 0;

  constructor(
    private readonly minPurity: number,
    private readonly minAvgAbs: number,
  ) {}

  /** `frame` is the 10 ms frame ending at `endMs`; sumSquares/avgAbs come from the VAD. */
  analyze(frame: Int16Array, endMs: number, sumSquares: number, avgAbs: number): ToneState {
    this.window.copyWithin(0, FRAME_SAMPLES);
    this.window.set(frame, FRAME_SAMPLES);
    const windowSumSq = this.prevSumSq + sumSquares;
    this.prevSumSq = sumSquares;

    const freq = avgAbs >= this.minAvgAbs ? this.tonalFrequency(windowSumSq) : 0;
    let ended: ToneFound | null = null;
    const run = this.run;
    if (freq > 0 && run && Math.abs(freq - run.freqHz) <= FREQ_TOLERANCE_HZ) {
      run.endMs = endMs;
      run.frames++;
      this.misses = 0;
    } else if (run && freq === 0 && this.misses === 0 && run.frames >= 2) {
      this.misses = 1; // tolerate one odd frame
    } else {
      if (run && run.frames >= 2) ended = { freqHz: run.freqHz, startMs: run.startMs, endMs: run.endMs };
      this.run = freq > 0 ? { freqHz: freq, startMs: endMs - FRAME_MS, endMs, frames: 1 } : null;
      this.misses = 0;
    }
    const cur = this.run;
    return {
      current: cur && cur.frames >= 2 ? { freqHz: cur.freqHz, startMs: cur.startMs, endMs: cur.endMs } : null,
      ended,
    };
  }

  /** Frequency (Hz) of the window if it is a pure tone, else 0. */
  private tonalFrequency(sumSq: number): number {
    const w = this.window;
    let crossings = 0;
    let prev = w[0]!;
    for (let i = 1; i < WINDOW; i++) {
      const s = w[i]!;
      if ((prev < 0 && s >= 0) || (prev >= 0 && s < 0)) crossings++;
      prev = s;
    }
    const est = Math.round((crossings * FRAME_RATE) / (2 * WINDOW) / 10) * 10;
    if (est < MIN_HZ || est > MAX_HZ) return 0;
    let bestF = 0;
    let bestP = 0;
    for (let f = est - 20; f <= est + 20; f += 20) {
      const p = goertzelPower(w, 0, WINDOW, f, FRAME_RATE);
      if (p > bestP) {
        bestP = p;
        bestF = f;
      }
    }
    return tonePurity(bestP, WINDOW, sumSq) >= this.minPurity ? bestF : 0;
  }
}

export function isFaxFrequency(freqHz: number): boolean {
  return Math.abs(freqHz - 1100) <= 40 || Math.abs(freqHz - 2100) <= 40;
}

/**
 * Cuts incoming PCM (any chunk size, 8 or 16 kHz) into 10 ms frames at 8 kHz.
 * 16 kHz is decimated by two after a [1 2 1]/4 low-pass: the detectors only need 0-4 kHz.
 */
export const FRAME_RATE = 8000;
export const FRAME_SAMPLES = 80; // 10 ms at 8 kHz
export const FRAME_MS = 10;

export type SupportedRate = 8000 | 16000;

export function isSupportedRate(rate: number): rate is SupportedRate {
  return rate === 8000 || rate === 16000;
}

export class Framer {
  private readonly frame = new Int16Array(FRAME_SAMPLES);
  private fill = 0;
  private prev = 0; // last odd sample at 16 kHz, for the decimation filter
  private phase = 0;
  private pendingEven = 0;

  constructor(
    private readonly sampleRate: SupportedRate,
    private readonly onFrame: (frame: Int16Array) => void,
  ) {}

  push(samples: Int16Array): void {
    if (this.sampleRate === 8000) {
      for (let i = 0; i < samples.length; i++) this.put(samples[i]!);
      return;
    }
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (this.phase === 0) {
        this.pendingEven = s;
        this.phase = 1;
      } else {
        // output aligned to the even sample: (prevOdd + 2*even + odd) / 4
        this.put((this.prev + 2 * this.pendingEven + s) >> 2);
        this.prev = s;
        this.phase = 0;
      }
    }
  }

  private put(s: number): void {
    this.frame[this.fill++] = s;
    if (this.fill === FRAME_SAMPLES) {
      this.fill = 0;
      this.onFrame(this.frame);
    }
  }
}

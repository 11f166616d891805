/**
 * Speech/silence per 10 ms frame: energy above an adaptive noise floor, plus an absolute floor.
 *
 * Spectral part: the energy is measured after pre-emphasis (y[n] = x[n] - 0.94 x[n-1], a first-order
 * high-pass, about -23 dB at 60 Hz and -2.5 dB at 1 kHz), so mains hum and the low-frequency rumble of
 * street and car noise hardly count while speech formants and consonants do.
 * Hysteresis: a frame starts speech at `speechSnrDb` above the floor, and speech continues while frames
 * stay within CONTINUE_DB of that (the quiet ends of words in noise).
 *
 * The noise floor is the minimum of 50 ms block energies over the last 2 s ("minimum statistics"):
 * stationary line noise and G.711 idle noise raise the floor with them, while speech (which always has
 * gaps between syllables within 2 s) does not. A frame is speech when its average |sample| reaches
 * `silenceThreshold` and its energy is `speechSnrDb` above the floor.
 */


const BLOCK_FRAMES = 5; // 50 ms
const RING_BLOCKS = 40; // 2 s
const PRE_EMPHASIS = 0.94;
/** once in speech, frames down to (speechSnrDb - CONTINUE_DB) above the floor stay speech */
const CONTINUE_DB = 5;

export interface VadFrame {
  speech: boolean;
  energyDb: number;
  avgAbs: number;
  /** sum of squares of the frame, reused by the tone detector */
  sumSquares: number;
}

export class EnergyVad {
  private readonly ring = new Float64Array(RING_BLOCKS).fill(Number.POSITIVE_INFINITY);
  private ringPos = 0;
  private blockSum = 0;
  private blockFrames = 0;
  private floorDb = Number.POSITIVE_INFINITY;
  private last = 0; // previous sample, for the pre-emphasis
  private inSpeech = false;

  constructor(
    private readonly silenceThreshold: number,
    private readonly speechSnrDb: number,
  ) {}

  noiseFloorDb(): number {
    return Number.isFinite(this.floorDb) ? Math.round(this.floorDb * 10) / 10 : 0;
  }

  analyze(frame: Int16Array): VadFrame {
    let sumAbs = 0;
    let sumSq = 0;
    let sumSqEmph = 0;
    let last = this.last;
    const n = frame.length;
    for (let i = 0; i < n; i++) {
      const s = frame[i]!;
      sumAbs += s < 0 ? -s : s;
      sumSq += s * s;
      const e = s - PRE_EMPHASIS * last;
      sumSqEmph += e * e;
      last = s;
    }
    this.last = last;
    const meanSq = sumSqEmph / n;
    const energyDb = 10 * Math.log10(meanSq + 1);
    const avgAbs = sumAbs / n;

    this.blockSum += meanSq;
    this.blockFrames++;
    const blockDb = 10 * Math.log10(this.blockSum / this.blockFrames + 1);
    if (this.blockFrames === BLOCK_FRAMES) {
      this.ring[this.ringPos] = blockDb;
      this.ringPos = (this.ringPos + 1) % RING_BLOCKS;
      this.blockSum = 0;
      this.blockFrames = 0;
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < RING_BLOCKS; i++) if (this.ring[i]! < min) min = this.ring[i]!;
      this.floorDb = min;
    } else if (!Number.isFinite(this.floorDb)) {
      this.floorDb = blockDb; // first 50 ms: the running block is all we know
    }
    const floor = Math.min(this.floorDb, blockDb);
    const needDb = this.inSpeech ? this.speechSnrDb - CONTINUE_DB : this.speechSnrDb;
    const speech = avgAbs >= this.silenceThreshold && energyDb >= floor + needDb;
    this.inSpeech = speech;
    return { speech, energyDb, avgAbs, sumSquares: sumSq };
  }
}

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
 *
 * Background (music, TV babble, street noise behind the person): it is there before anyone speaks and it
 * is not stationary, so its minimum is far below its level and the floor alone would take it for speech.
 * A second estimate follows it: the 35th percentile of the 50 ms blocks that held no speech, over the
 * last 1.5 s of such blocks. A frame must also be `backgroundMarginDb` above that to start speech. Over
 * silence or steady noise the two estimates agree and nothing changes; a talker over silence does not move
 * the background estimate (blocks with speech are left out of it).
 *
 * Streams that start in speech (the audio fork attaches after answer, and a voicemail talks at once): the
 * floor and the background are first learnt from the first 50 ms blocks, which are then speech (a block's
 * mean power is its loudest frames', so the short gaps between syllables and the few ms of line before the
 * voice do not show), and the words would be taken for the line's own sound. A background that is there from
 * answer on does not go away: a dense bed stays within BED_DENSE_DB of its quietest block. So the first 2 s
 * are watched at 20 ms resolution: when a 20 ms stretch lies START_DROP_DB below the first block (which the
 * start was taken for: the floor, and the background learnt from it), the start was not the line's floor nor
 * a background. The VAD then forgets what it learnt, takes that quiet stretch as a floor (remembered 2 s,
 * like a block), and judges the frames so far again from the first (once per stream; `VadFrame.rejudged`
 * carries the new verdicts so that the words are found again from them). A stream that starts on the line's
 * floor has no 20 ms that far below its first block; music, babble or street noise from answer on neither.
 */


const BLOCK_FRAMES = 5; // 50 ms
const RING_BLOCKS = 40; // 2 s
const PRE_EMPHASIS = 0.94;
/** once in speech, frames down to (speechSnrDb - CONTINUE_DB) above the floor stay speech */
const CONTINUE_DB = 5;
const BG_BLOCKS = 30; // 1.5 s of blocks without speech
const BG_PERCENTILE = 0.35;
/**
 * A dense sound bed that never pauses (babble, traffic, music without breaks): the median of every block
 * of the last 2 s, used only while it stays within BED_DENSE_DB of the floor (a talker over silence or
 * steady noise drops to the floor between words, so their median is far above it).
 */
const BED_PERCENTILE = 0.5;
const BED_MARGIN_DB = 5;
const BED_DENSE_DB = 14;
/** the frames kept for judging the start again: the first 2 s (the floor's memory) */
export const START_FRAMES = RING_BLOCKS * BLOCK_FRAMES;
/** 20 ms this far below the first block show the start was speech, not the floor or a background */
const START_DROP_DB = BED_DENSE_DB;
/** the quiet stretch: 20 ms inside the first block (the line before the sound), 40 ms after it (a pause) */
const LEAD_QUIET_FRAMES = 2;
const QUIET_FRAMES = 4;

export interface VadFrame {
  speech: boolean;
  energyDb: number;
  avgAbs: number;
  /** sum of squares of the frame, reused by the tone detector */
  sumSquares: number;
  /**
   * Set on the one frame where the VAD found that the stream started in speech: the speech verdict of every
   * frame so far (this one last, equal to `speech`), judged again against the floor found since.
   */
  rejudged?: Uint8Array;
}

/** Speech/silence per frame, with the levels it was judged against (for the evidence and the plot). */
export interface VadLevels {
  /** tracked noise floor, dB */
  floorDb: number;
  /** background level (blocks without speech), dB; 0 until known */
  backgroundDb: number;
}

interface StartFrames {
  meanSq: Float64Array;
  energyDb: Float64Array;
  avgAbs: Float64Array;
  n: number;
  /** the quietest stretch so far (dB) and the index of its last frame */
  quietDb: number;
  quietAt: number;
}

export class EnergyVad {
  private readonly ring = new Float64Array(RING_BLOCKS).fill(Number.POSITIVE_INFINITY);
  private ringPos = 0;
  private blockSum = 0;
  private blockFrames = 0;
  private floorDb = Number.POSITIVE_INFINITY;
  private last = 0; // previous sample, for the pre-emphasis
  private inSpeech = false;
  private blockHadSpeech = false;
  private readonly bg = new Float64Array(BG_BLOCKS);
  private readonly bgSorted = new Float64Array(BG_BLOCKS);
  private bgCount = 0;
  private bgPos = 0;
  private bgDb = Number.NEGATIVE_INFINITY;
  private bedDb = Number.NEGATIVE_INFINITY;
  private readonly ringSorted = new Float64Array(RING_BLOCKS);
  private ringCount = 0;
  /** the first complete block's level: what the start was taken for, with the background estimates */
  private firstBlockDb = Number.NaN;
  /** frames judged so far (the index of the next one) */
  private frames = 0;
  /** after the start was judged again: the quiet 20 ms found in it, a floor until frame `priorUntil` */
  private priorDb = Number.POSITIVE_INFINITY;
  private priorUntil = 0;
  /** the first frames' measures and their quietest 20 ms, kept for judging the start again (null once done or too late) */
  private start: StartFrames | null = {
    meanSq: new Float64Array(START_FRAMES),
    energyDb: new Float64Array(START_FRAMES),
    avgAbs: new Float64Array(START_FRAMES),
    n: 0,
    quietDb: Number.POSITIVE_INFINITY,
    quietAt: 0,
  };

  constructor(
    private readonly silenceThreshold: number,
    private readonly speechSnrDb: number,
    private readonly backgroundMarginDb = Number.POSITIVE_INFINITY,
  ) {}

  noiseFloorDb(): number {
    return Number.isFinite(this.floorDb) ? Math.round(this.floorDb * 10) / 10 : 0;
  }

  /** level of the recent blocks without speech, dB (0 until known): what is behind the words */
  pauseLevelDb(): number {
    return Number.isFinite(this.bgDb) ? Math.round(this.bgDb * 10) / 10 : 0;
  }

  /** does a frame of this energy stand out from the background estimates as they are now (the floor aside)? */
  standsOutFromBackground(energyDb: number, continuing: boolean): boolean {
    const needBg = continuing ? this.backgroundMarginDb - CONTINUE_DB : this.backgroundMarginDb;
    const needBed = continuing ? BED_MARGIN_DB - 2 : BED_MARGIN_DB;
    return energyDb >= this.bgDb + needBg && energyDb >= this.bedDb + needBed;
  }

  backgroundDb(): number {
    const db = Math.max(this.bgDb, this.bedDb);
    return Number.isFinite(db) ? Math.round(db * 10) / 10 : 0;
  }

  private addBackgroundBlock(db: number): void {
    this.bg[this.bgPos] = db;
    this.bgPos = (this.bgPos + 1) % BG_BLOCKS;
    if (this.bgCount < BG_BLOCKS) this.bgCount++;
    if (this.bgCount < 4) return; // 200 ms of background before it counts
    const n = this.bgCount;
    const sorted = this.bgSorted.subarray(0, n);
    sorted.set(this.bg.subarray(0, n));
    sorted.sort();
    this.bgDb = sorted[Math.floor(BG_PERCENTILE * (n - 1))]!;
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

    const start = this.start;
    if (start) {
      const i = start.n;
      start.meanSq[i] = meanSq;
      start.energyDb[i] = energyDb;
      start.avgAbs[i] = avgAbs;
      start.n++;
      // the line before the sound shows inside the first block at 20 ms; after it, only pauses of 40 ms
      // count (a note's release in music is shorter, the gaps between syllables and words are longer)
      const span = i < BLOCK_FRAMES ? LEAD_QUIET_FRAMES : QUIET_FRAMES;
      if (i >= span - 1) {
        let sum = 0;
        for (let k = i - span + 1; k <= i; k++) sum += start.meanSq[k]!;
        const quietDb = 10 * Math.log10(sum / span + 1);
        if (quietDb < start.quietDb) {
          start.quietDb = quietDb;
          start.quietAt = i;
        }
      }
    }
    let speech = this.judge(meanSq, energyDb, avgAbs, this.frames++);
    let rejudged: Uint8Array | undefined;
    if (start && this.startWasSpeech(start)) {
      rejudged = this.judgeStartAgain(start);
      speech = rejudged[rejudged.length - 1] === 1;
    } else if (start && start.n === START_FRAMES) this.start = null;
    return rejudged ? { speech, energyDb, avgAbs, sumSquares: sumSq, rejudged } : { speech, energyDb, avgAbs, sumSquares: sumSq };
  }

  /**
   * The quietest 20 ms of the start lie START_DROP_DB below the first block, which the start was taken for
   * (the floor for 2 s, and the background learnt from it): the stream did not start on the line's floor or
   * on a background.
   */
  private startWasSpeech(start: StartFrames): boolean {
    return !Number.isNaN(this.firstBlockDb) && start.quietDb <= this.firstBlockDb - START_DROP_DB;
  }

  /** forget what the start taught, take its quiet 20 ms as a floor, judge the frames again from the first */
  private judgeStartAgain(start: StartFrames): Uint8Array {
    this.ring.fill(Number.POSITIVE_INFINITY);
    this.ringPos = 0;
    this.ringCount = 0;
    this.blockSum = 0;
    this.blockFrames = 0;
    this.floorDb = Number.POSITIVE_INFINITY;
    this.inSpeech = false;
    this.blockHadSpeech = false;
    this.bgCount = 0;
    this.bgPos = 0;
    this.bgDb = Number.NEGATIVE_INFINITY;
    this.bedDb = Number.NEGATIVE_INFINITY;
    this.priorDb = start.quietDb;
    this.priorUntil = start.quietAt + START_FRAMES; // remembered as long as a block would be
    const verdicts = new Uint8Array(start.n);
    for (let i = 0; i < start.n; i++) verdicts[i] = this.judge(start.meanSq[i]!, start.energyDb[i]!, start.avgAbs[i]!, i) ? 1 : 0;
    this.start = null;
    return verdicts;
  }

  /** one frame's verdict against the floor and background estimates, which it then updates */
  private judge(meanSq: number, energyDb: number, avgAbs: number, index: number): boolean {
    this.blockSum += meanSq;
    this.blockFrames++;
    const blockDb = 10 * Math.log10(this.blockSum / this.blockFrames + 1);
    const prior = index < this.priorUntil ? this.priorDb : Number.POSITIVE_INFINITY;
    if (this.blockFrames === BLOCK_FRAMES) {
      if (!this.blockHadSpeech && Number.isFinite(this.backgroundMarginDb)) this.addBackgroundBlock(blockDb);
      this.blockHadSpeech = false;
      if (Number.isNaN(this.firstBlockDb)) this.firstBlockDb = blockDb;
      this.ring[this.ringPos] = blockDb;
      this.ringPos = (this.ringPos + 1) % RING_BLOCKS;
      this.blockSum = 0;
      this.blockFrames = 0;
      let min = prior;
      for (let i = 0; i < RING_BLOCKS; i++) if (this.ring[i]! < min) min = this.ring[i]!;
      this.floorDb = min;
      if (this.ringCount < RING_BLOCKS) this.ringCount++;
      if (Number.isFinite(this.backgroundMarginDb) && this.ringCount >= 6) {
        const sorted = this.ringSorted.subarray(0, this.ringCount);
        let j = 0;
        for (let i = 0; i < RING_BLOCKS; i++) if (Number.isFinite(this.ring[i]!)) sorted[j++] = this.ring[i]!;
        sorted.sort();
        const bed = sorted[Math.floor(BED_PERCENTILE * (this.ringCount - 1))]!;
        this.bedDb = bed - this.floorDb <= BED_DENSE_DB ? bed : Number.NEGATIVE_INFINITY;
      }
    } else if (!Number.isFinite(this.floorDb)) {
      this.floorDb = Math.min(blockDb, prior); // first 50 ms: the running block is all we know
    }
    const floor = Math.min(this.floorDb, blockDb);
    const needDb = this.inSpeech ? this.speechSnrDb - CONTINUE_DB : this.speechSnrDb;
    const needBg = this.inSpeech ? this.backgroundMarginDb - CONTINUE_DB : this.backgroundMarginDb;
    const needBed = this.inSpeech ? BED_MARGIN_DB - 2 : BED_MARGIN_DB;
    const speech =
      avgAbs >= this.silenceThreshold &&
      energyDb >= floor + needDb &&
      energyDb >= this.bgDb + needBg &&
      energyDb >= this.bedDb + needBed;
    this.inSpeech = speech;
    if (speech) this.blockHadSpeech = true;
    return speech;
  }
}

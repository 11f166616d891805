/**
 * The AMD engine: 10 ms frames -> speech/silence + tones -> one decision, then (for machines) the end of
 * the greeting: a record beep (BEEP) or silence.
 *
 * Decision rules, checked every 10 ms until one fires (audio time, so offline and live agree):
 *   FAX        a fax tone (1100/2100 Hz) of faxMinMs before any word
 *   MACHINE    a record beep (beepMinMs single tone, beepMinHz..beepMaxHz) before the decision
 *   NO_SPEECH  no word by initialSilenceMs
 *   MACHINE    more than maxWords words, or a greeting longer than greetingMs
 *   HUMAN      afterGreetingSilenceMs of silence after a greeting no longer than greetingMs
 *   NOTSURE    nothing of the above by totalAnalysisMs (NO_SPEECH if nobody spoke)
 * Named timers as in jambonz amd-utils: noSpeech = initialSilenceMs, decision = totalAnalysisMs,
 * greetingCompletion = machineEndSilenceMs, tone = beepTimeoutMs.
 */
import type { AmdDecision, AmdResult } from '../ports/dialer';
import { FRAME_MS, Framer, type SupportedRate } from './framer';
import { DEFAULT_AMD_PARAMS, type AmdParams } from './params';
import { isFaxFrequency, ToneDetector, type ToneState } from './tone-detector';
import type { AmdDetector, AmdEvent, AmdEventName, AmdEvidence, FrameTrace, Segment, ToneFound } from './types';
import { EnergyVad } from './vad';
import { recordedLikelihood, type GreetingFeatures, type GreetingModel } from './greeting-model';

export interface AmdEngineOptions {
  sampleRate: SupportedRate;
  params?: Partial<AmdParams>;
  onEvent?: (event: AmdEvent) => void;
  /** called for every 10 ms frame with what the engine saw (plots); costs nothing when absent */
  onFrame?: (frame: FrameTrace) => void;
  /**
   * Experimental (benchmark only, see docs/amd.md "Greeting model"): after a greeting longer than
   * `shortGreetingMs`, wait `longGreetingSilenceMs` only when the model's P(recorded greeting) reaches
   * `threshold`, else `afterGreetingSilenceMs`. Absent (the default): the duration rule alone.
   */
  greetingModel?: { model: GreetingModel; threshold: number } | null;
  /** called once, with the greeting's features, when the short wait after it has passed (training) */
  onGreetingAsked?: (features: GreetingFeatures, likelihood: number | null) => void;
  /**
   * A learned speech detector's verdicts as the speech evidence (docs/amd.md "Learned speech detectors"):
   * absent, the energy VAD alone decides (the default).
   */
  learnedSpeech?: LearnedSpeechOptions | null;
}

/** a speech probability (0..1) for every 10 ms frame, known before the frame's audio reaches the engine */
export interface SpeechEvidence {
  at(frameIndex: number): number;
}

/**
 * replace: the learned detector says what is speech (frames above `silenceThreshold` only; the energy VAD's
 *          re-judgements of the start and of a later background are off);
 * and:     a frame is speech when both the energy VAD and the learned detector say so;
 * rescue:  the energy VAD decides, until it has found no word by `initialSilenceMs` (NO_SPEECH) while the
 *          learned detector heard speech (a run of `minWordMs`): a quiet voice under music or street noise.
 *          Then the learned detector's verdicts replace the energy VAD's, from the first frame (the words are
 *          found again from them), and the rules go on (`learnedSpeechFromMs` in the evidence).
 */
export type SpeechEvidenceMode = 'replace' | 'and' | 'rescue';

export interface LearnedSpeechOptions {
  evidence: SpeechEvidence;
  mode: SpeechEvidenceMode;
  /** probability that starts speech (default 0.5) and that continues it (default 0.35), Silero's own hysteresis */
  onThreshold?: number;
  offThreshold?: number;
}

/** a syllable is an energy peak this many dB above the dips on both sides of it */
const SYLLABLE_DIP_DB = 4;

/** the frames kept for finding the words again (8 s, the default totalAnalysisMs) */
const HISTORY_FRAMES = 800;
/** a background level this much over the one the words were judged against: judge them again */
const BACKGROUND_RISE_DB = 6;
const MAX_BACKGROUND_REJUDGED = 3;
const FLOOR_RISE_DB = 6;
/** the share of the speech frames a re-judgement must leave standing */
const MIN_KEPT = 0.25;
/** the background must be what is heard over the last 300 ms */
const BACKGROUND_NOW_FRAMES = 30;

/** a background this many dB over the noise floor is a sound bed (music...): its steady tones are not beeps */
const BED_NOT_BEEP_DB = 6;

const EVENT_FOR: Record<AmdDecision, AmdEventName> = {
  HUMAN: 'amd_human_detected',
  MACHINE: 'amd_machine_detected',
  NO_SPEECH: 'amd_no_speech_detected',
  NOTSURE: 'amd_decision_timeout',
  FAX: 'amd_fax_detected',
};

export class AmdEngine implements AmdDetector {
  readonly params: AmdParams;
  readonly events: AmdEvent[] = [];
  private readonly framer: Framer;
  private readonly vad: EnergyVad;
  private readonly tones: ToneDetector;
  private readonly onEvent?: (event: AmdEvent) => void;
  private readonly onFrameTrace?: (frame: FrameTrace) => void;

  private nowMs = 0;
  /** frame energies (dB) of the last 2.56 s, for the beep onset check */
  private readonly energyRing = new Float64Array(256);
  private frameIndex = 0;
  private readonly words: Segment[] = [];
  /** speech run in progress: start, last speech frame end, silence inside it so far */
  private run: { startMs: number; lastMs: number; gapMs: number } | null = null;
  private decided: AmdResult | null = null;
  private beep: ToneFound | null = null;
  private done = false;
  private ended = false;
  private readonly model: { model: GreetingModel; threshold: number } | null;
  private readonly onGreetingAsked?: (features: GreetingFeatures, likelihood: number | null) => void;
  /** syllable peaks and speech-frame levels of the greeting (until the decision) */
  private syl = freshSyllables();
  /** the frames before the decision (at most HISTORY_FRAMES): energy, tone flag, speech verdict, for finding the words again */
  private readonly hist = { db: new Float32Array(HISTORY_FRAMES), tone: new Uint8Array(HISTORY_FRAMES), speech: new Uint8Array(HISTORY_FRAMES) };
  /** the VAD's level (background or floor) and floor the words so far were judged against; NaN until known */
  private judgedBgDb = Number.NaN;
  private judgedFloorDb = Number.NaN;
  /** times the words were judged again against a background (at most MAX_BACKGROUND_REJUDGED) */
  private bgRejudged = 0;
  /** when the VAD found that the stream started in speech and judged its start again (ms), else null */
  private startRejudgedMs: number | null = null;
  /** when the words were last judged again against a background that appeared after them (ms), else null */
  private backgroundRejudgedMs: number | null = null;
  /** the greeting model's answer for the current words (recomputed when a word is added) */
  private asked: { words: number; features: GreetingFeatures; likelihood: number | null } | null = null;
  private readonly learned: Required<LearnedSpeechOptions> | null;
  private learnedInSpeech = false;
  /** rescue mode: when the learned detector took over (ms), else null */
  private learnedFromMs: number | null = null;
  /** the learned detector's verdict per frame (mode 'and': applied again when the words are found again) */
  private readonly gate = new Uint8Array(HISTORY_FRAMES);

  constructor(opts: AmdEngineOptions) {
    this.params = { ...DEFAULT_AMD_PARAMS, ...opts.params };
    this.onEvent = opts.onEvent;
    this.onFrameTrace = opts.onFrame;
    this.model = opts.greetingModel ?? null;
    this.onGreetingAsked = opts.onGreetingAsked;
    const l = opts.learnedSpeech;
    this.learned = l ? { evidence: l.evidence, mode: l.mode, onThreshold: l.onThreshold ?? 0.5, offThreshold: l.offThreshold ?? 0.35 } : null;
    this.vad = new EnergyVad(this.params.silenceThreshold, this.params.speechSnrDb, this.params.backgroundMarginDb);
    this.tones = new ToneDetector(this.params.toneMinPurity, Math.max(16, this.params.silenceThreshold / 2));
    this.framer = new Framer(opts.sampleRate, (f) => this.onFrame(f));
  }

  get result(): AmdResult | null {
    return this.decided;
  }

  get beepMs(): number | null {
    return this.beep ? this.beep.startMs : null;
  }

  get finished(): boolean {
    return this.done;
  }

  /** audio time processed so far, ms */
  get elapsedMs(): number {
    return this.nowMs;
  }

  push(samples: Int16Array): void {
    if (this.done || this.ended) return;
    this.framer.push(samples);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.decided) {
      this.closeRun();
      this.decide(this.words.length === 0 ? 'NO_SPEECH' : 'NOTSURE', 'stream_ended', null);
    }
    if (!this.done) this.finish('amd_stopped');
  }

  private onFrame(frame: Int16Array): void {
    if (this.done) return;
    const startMs = this.nowMs;
    this.nowMs += FRAME_MS;
    const v = this.vad.analyze(frame);
    this.energyRing[this.frameIndex % this.energyRing.length] = v.energyDb;
    this.frameIndex++;
    const tone = this.tones.analyze(frame, this.nowMs, v.sumSquares, v.avgAbs);
    const k = this.frameIndex - 1;
    if (k < HISTORY_FRAMES) this.hist.tone[k] = tone.current ? 1 : 0;
    let vadSpeech = v.speech;
    const learned = this.learned;
    if (learned) {
      const p = learned.evidence.at(k);
      const gate = p >= (this.learnedInSpeech ? learned.offThreshold : learned.onThreshold);
      this.learnedInSpeech = gate;
      if (k < HISTORY_FRAMES) this.gate[k] = gate ? 1 : 0;
      if (this.learnedReplaces()) vadSpeech = gate && v.avgAbs >= this.params.silenceThreshold;
      else if (learned.mode === 'and') vadSpeech = v.speech && gate;
    }
    if (v.rejudged && !this.learnedReplaces()) this.findWordsAgain(v.rejudged);
    const speech = vadSpeech && tone.current === null;
    if (k < HISTORY_FRAMES) {
      this.hist.db[k] = v.energyDb;
      this.hist.speech[k] = speech ? 1 : 0;
    }
    if (!this.decided) this.watchBackground(speech, k);
    if (this.onFrameTrace) {
      let min = 0;
      let max = 0;
      for (let i = 0; i < frame.length; i++) {
        const x = frame[i]!;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      this.onFrameTrace({
        atMs: startMs,
        min,
        max,
        energyDb: v.energyDb,
        floorDb: this.vad.noiseFloorDb(),
        backgroundDb: this.vad.backgroundDb(),
        speech,
        toneHz: tone.current ? tone.current.freqHz : 0,
      });
    }
    this.track(speech, startMs);
    if (!this.decided) {
      this.syllables(speech, v.energyDb);
      this.checkDecision(tone);
    }
    else this.checkMachineEnd(tone);
  }

  /**
   * The VAD judged the stream's start again (it started in speech, see vad.ts): the words, syllables and
   * levels so far are found again from its new verdicts, frame by frame as they came (all frames but the
   * current one, which goes on as usual). The decision rules then see the words the start really had.
   */
  private findWordsAgain(verdicts: Uint8Array): void {
    const gated = this.learned?.mode === 'and';
    for (let i = 0; i < verdicts.length - 1; i++) this.hist.speech[i] = verdicts[i] === 1 && this.hist.tone[i] === 0 && (!gated || this.gate[i] === 1) ? 1 : 0;
    this.replayWords(verdicts.length - 1);
    this.startRejudgedMs = this.nowMs;
    this.judgedBgDb = Number.NaN; // the levels the start was judged against are forgotten
  }

  /**
   * A background appeared after the words began (babble, music or traffic that starts after answer: the floor
   * was the quiet line, so its first seconds were taken for words). When the VAD's level rises
   * BACKGROUND_RISE_DB over the level the words were judged against, its floor FLOOR_RISE_DB (the quiet line
   * is not heard any more), and that background is what is heard now, the speech frames so far that do not
   * stand out from it are the background's: they stop being speech, and the words are found again.
   */
  private watchBackground(speech: boolean, k: number): void {
    if (this.learnedReplaces()) return; // the learned detector tells speech from the background itself
    const bg = this.vad.backgroundDb();
    const level = Math.max(bg, this.vad.noiseFloorDb());
    if (Number.isNaN(this.judgedBgDb)) {
      // the level the words were judged against: known once they have begun and the VAD has a background
      if ((speech || this.run || this.words.length > 0) && bg > 0) {
        this.judgedBgDb = level;
        this.judgedFloorDb = this.vad.noiseFloorDb();
      }
      return;
    }
    if (level < this.judgedBgDb + BACKGROUND_RISE_DB || this.vad.noiseFloorDb() < this.judgedFloorDb + FLOOR_RISE_DB || this.bgRejudged >= MAX_BACKGROUND_REJUDGED || k >= HISTORY_FRAMES) return;
    if (!this.backgroundIsThereNow(k, level)) return;
    this.bgRejudged++;
    this.judgedBgDb = level;
    this.judgedFloorDb = this.vad.noiseFloorDb();
    const verdicts = new Uint8Array(k);
    let continuing = false;
    let before = 0;
    let after = 0;
    for (let i = 0; i < k; i++) {
      const keep: boolean = this.hist.speech[i] === 1 && this.vad.standsOutFromBackground(this.hist.db[i]!, continuing);
      before += this.hist.speech[i]!;
      after += keep ? 1 : 0;
      verdicts[i] = keep ? 1 : 0;
      continuing = keep;
    }
    // a "background" that would take more than three quarters of the words is the talker: a long, even
    // sentence whose own dips became the floor after 2 s (babble leaves the louder person's words standing)
    if (after < before * MIN_KEPT) return;
    this.hist.speech.set(verdicts);
    this.replayWords(k);
    this.backgroundRejudgedMs = this.nowMs;
  }

  /**
   * The new background is what is heard now, not a pause of a dense talker (whose median the bed estimate
   * can take for a bed): the last BACKGROUND_NOW_FRAMES are nearly all non-speech and, on average, at the
   * background's level.
   */
  private backgroundIsThereNow(k: number, level: number): boolean {
    if (k + 1 < BACKGROUND_NOW_FRAMES) return false;
    let speech = 0;
    let power = 0;
    for (let i = k - BACKGROUND_NOW_FRAMES + 1; i <= k; i++) {
      speech += this.hist.speech[i]!;
      power += 10 ** (this.hist.db[i]! / 10);
    }
    return speech <= BACKGROUND_NOW_FRAMES / 5 && 10 * Math.log10(power / BACKGROUND_NOW_FRAMES) >= level - 3;
  }

  /** the words, syllables and levels found again from the stored verdicts of frames 0..n-1, as they came */
  private replayWords(n: number): void {
    const now = this.nowMs;
    this.words.length = 0;
    this.run = null;
    this.syl = freshSyllables();
    this.asked = null;
    for (let i = 0; i < n; i++) {
      const speech = this.hist.speech[i] === 1;
      this.nowMs = (i + 1) * FRAME_MS;
      this.track(speech, i * FRAME_MS);
      this.syllables(speech, this.hist.db[i]!);
    }
    this.nowMs = now;
  }

  /** Words: speech runs of at least minWordMs, pauses shorter than betweenWordsSilenceMs inside. */
  private track(speech: boolean, frameStartMs: number): void {
    if (speech) {
      if (!this.run) this.run = { startMs: frameStartMs, lastMs: this.nowMs, gapMs: 0 };
      this.run.lastMs = this.nowMs;
      this.run.gapMs = 0;
    } else if (this.run) {
      this.run.gapMs += FRAME_MS;
      if (this.run.gapMs >= this.params.betweenWordsSilenceMs) this.closeRun();
    }
  }

  /** syllable nuclei: energy peaks inside speech that rise and fall SYLLABLE_DIP_DB; levels of speech frames */
  private syllables(speech: boolean, frameDb: number): void {
    const s = this.syl;
    // a 30 ms moving average: syllables, not the flicker of 10 ms frames
    const db = (frameDb + s.prev1 + s.prev2) / 3;
    s.prev2 = s.prev1;
    s.prev1 = frameDb;
    if (!speech) {
      if (s.prevSpeech && s.rising) s.count++; // the word ended on its way down
      s.prevSpeech = false;
      s.rising = false;
      return;
    }
    s.n++;
    s.sum += db;
    s.sumSq += db * db;
    if (!s.prevSpeech) {
      s.prevSpeech = true;
      s.rising = true;
      s.max = db;
      return;
    }
    if (s.rising) {
      if (db > s.max) s.max = db;
      else if (s.max - db >= SYLLABLE_DIP_DB) {
        s.count++;
        s.rising = false;
        s.min = db;
      }
    } else if (db < s.min) s.min = db;
    else if (db - s.min >= SYLLABLE_DIP_DB) {
      s.rising = true;
      s.max = db;
    }
  }

  /** the greeting's shape, for the greeting model (see greeting-model.ts) */
  greetingFeatures(): GreetingFeatures {
    const words = this.words;
    const first = words[0];
    const last = words[words.length - 1];
    const greeting = first && last ? last.endMs - first.startMs : 0;
    let voiced = 0;
    let longestPause = 0;
    words.forEach((w, i) => {
      voiced += w.endMs - w.startMs;
      if (i > 0) longestPause = Math.max(longestPause, w.startMs - words[i - 1]!.endMs);
    });
    const s = this.syl;
    const syllables = s.count + (s.prevSpeech && s.rising ? 1 : 0);
    const mean = s.n ? s.sum / s.n : 0;
    return {
      greetingSec: greeting / 1000,
      words: words.length,
      syllables,
      syllableRate: voiced > 0 ? syllables / (voiced / 1000) : 0,
      voicedFraction: greeting > 0 ? voiced / greeting : 0,
      longestPauseSec: longestPause / 1000,
      levelSpreadDb: s.n ? Math.sqrt(Math.max(0, s.sumSq / s.n - mean * mean)) : 0,
      lastWordSec: last ? (last.endMs - last.startMs) / 1000 : 0,
    };
  }

  private closeRun(): void {
    const run = this.run;
    this.run = null;
    if (run && run.lastMs - run.startMs >= this.params.minWordMs) {
      this.words.push({ startMs: run.startMs, endMs: run.lastMs });
    }
  }

  /** the run in progress, if it is already long enough to be a word */
  private wordInProgress(): Segment | null {
    const run = this.run;
    return run && run.lastMs - run.startMs >= this.params.minWordMs ? { startMs: run.startMs, endMs: run.lastMs } : null;
  }

  private checkDecision(tone: ToneState): void {
    const p = this.params;
    const current = this.wordInProgress();
    const wordCount = this.words.length + (current ? 1 : 0);
    const t = tone.current;
    if (t) {
      const len = t.endMs - t.startMs;
      const fax = isFaxFrequency(t.freqHz);
      if (fax && wordCount === 0 && len >= p.faxMinMs) return this.decide('FAX', 'fax_tone', t);
      if (len >= p.beepMinMs && this.isBeep(t) && !(fax && wordCount === 0)) {
        this.decide('MACHINE', 'beep', t);
        return;
      }
    }
    const ended = tone.ended;
    if (ended && ended.endMs - ended.startMs >= p.beepMinMs && this.isBeep(ended)) {
      // a fax-frequency tone too short for fax: a beep after all
      this.decide('MACHINE', 'beep', ended);
      this.beepHeard(ended);
      return;
    }
    if (wordCount === 0) {
      if (this.nowMs >= p.initialSilenceMs && !this.run && !t && this.learnedHeardSpeech()) return this.checkDecision(tone);
      if (this.nowMs >= p.initialSilenceMs && !this.run && !t) this.decide('NO_SPEECH', 'initial_silence', null);
      else if (this.nowMs >= p.totalAnalysisMs) this.decide('NO_SPEECH', 'too_long', null);
      return;
    }
    if (wordCount > p.maxWords) return this.decide('MACHINE', 'max_words', null);
    if (this.greetingMs() > p.greetingMs) return this.decide('MACHINE', 'long_greeting', null);
    if (!this.run && !t && this.nowMs - this.lastWordEnd() >= this.humanSilenceMs()) {
      return this.decide('HUMAN', 'after_greeting_silence', null);
    }
    if (this.nowMs >= p.totalAnalysisMs) this.decide('NOTSURE', 'too_long', null);
  }

  /** does the learned detector say what is speech (mode replace, or rescue once it took over)? */
  private learnedReplaces(): boolean {
    return this.learned !== null && (this.learned.mode === 'replace' || this.learnedFromMs !== null);
  }

  /**
   * Rescue mode, at the NO_SPEECH decision: when the learned detector heard a run of at least `minWordMs`,
   * its verdicts become the speech evidence from the first frame on and the words are found again (true: the
   * rules are checked again with them). Once per call; false when it heard nothing either.
   */
  private learnedHeardSpeech(): boolean {
    if (this.learned?.mode !== 'rescue' || this.learnedFromMs !== null) return false;
    const n = Math.min(this.frameIndex, HISTORY_FRAMES);
    let run = 0;
    let longest = 0;
    for (let i = 0; i < n; i++) {
      run = this.gate[i] === 1 && this.hist.tone[i] === 0 ? run + 1 : 0;
      if (run > longest) longest = run;
    }
    if (longest * FRAME_MS < this.params.minWordMs) return false;
    this.learnedFromMs = this.nowMs;
    for (let i = 0; i < n; i++) this.hist.speech[i] = this.gate[i] === 1 && this.hist.tone[i] === 0 ? 1 : 0;
    // every frame so far, this one included (it has been tracked already)
    this.replayWords(n);
    return this.words.length > 0 || this.run !== null;
  }

  /** After MACHINE: wait for the beep, the greeting's end in silence, or the tone timer. */
  private checkMachineEnd(tone: ToneState): void {
    const p = this.params;
    const ended = tone.ended;
    if (ended && ended.endMs - ended.startMs >= p.beepMinMs && this.isBeep(ended)) {
      return this.beepHeard(ended);
    }
    if (!this.run && !tone.current && this.nowMs - this.lastWordEnd() >= p.machineEndSilenceMs) {
      return this.finish('amd_machine_stopped_speaking');
    }
    if (this.nowMs >= p.beepTimeoutMs) this.finish('amd_tone_timeout');
  }

  /**
   * Silence that makes a finished greeting a person's: short after a "hello", longer after a sentence (a
   * recorded greeting pauses between its sentences; a person who said a whole sentence waits too).
   */
  private humanSilenceMs(): number {
    const p = this.params;
    const long = Math.max(p.afterGreetingSilenceMs, p.longGreetingSilenceMs);
    if (this.nowMs - this.lastWordEnd() < p.afterGreetingSilenceMs) return p.afterGreetingSilenceMs;
    const asked = this.askModel();
    // a "hello?" (up to shortGreetingMs) always gets the short wait: the model only weighs sentences
    if (this.greetingMs() <= p.shortGreetingMs) return p.afterGreetingSilenceMs;
    if (asked.likelihood === null || !this.model) return long;
    return asked.likelihood >= this.model.threshold ? long : p.afterGreetingSilenceMs;
  }

  /** the greeting model's answer for the words so far (asked once per greeting, after the short wait) */
  private askModel(): { features: GreetingFeatures; likelihood: number | null } {
    if (this.asked && this.asked.words === this.words.length) return this.asked;
    const features = this.greetingFeatures();
    const likelihood = this.model ? recordedLikelihood(this.model.model, features) : null;
    const first = this.asked === null;
    this.asked = { words: this.words.length, features, likelihood };
    if (first) this.onGreetingAsked?.(features, likelihood);
    return this.asked;
  }

  /**
   * A record beep: a steady tone in the beep band that stands `beepOnsetDropDb` above the 100 ms before it
   * (it starts out of silence or the end of the greeting), on a line without a sound bed behind. A held
   * note in music starts out of the music, and music is a sound bed: not a beep.
   */
  private isBeep(t: ToneFound): boolean {
    const p = this.params;
    if (t.freqHz < p.beepMinHz || t.freqHz > p.beepMaxHz) return false;
    const first = t.startMs / FRAME_MS;
    if (first < 2) return true; // at the very start: out of nothing
    const ring = this.energyRing;
    if (this.frameIndex - (first - 10) > ring.length) return true; // older than the history: nothing to compare
    const mean = (from: number, to: number): number => {
      let sum = 0;
      let n = 0;
      for (let k = Math.max(0, from); k < to && k < this.frameIndex; k++) {
        sum += ring[k % ring.length]!;
        n++;
      }
      return n > 0 ? sum / n : Number.NEGATIVE_INFINITY;
    };
    const before = mean(first - 10, first - 1);
    const tone = mean(first + 2, first + Math.max(4, Math.min(15, (t.endMs - t.startMs) / FRAME_MS - 1)));
    if (tone - before < p.beepOnsetDropDb) return false;
    // a sound bed behind (music, babble, street): a person's line, where a steady tone is music
    return this.vad.backgroundDb() - this.vad.noiseFloorDb() <= BED_NOT_BEEP_DB;
  }

  private beepHeard(tone: ToneFound): void {
    this.beep = tone;
    if (this.decided) this.decided.beepMs = tone.startMs;
    this.emit({ name: 'amd_tone_detected', atMs: this.nowMs, tone });
    this.finish('amd_stopped');
  }

  private lastWordEnd(): number {
    const last = this.words[this.words.length - 1];
    return last ? last.endMs : 0;
  }

  private greetingMs(): number {
    const first = this.words[0] ?? this.wordInProgress();
    if (!first) return 0;
    const end = this.run ? this.run.lastMs : this.lastWordEnd();
    return end - first.startMs;
  }

  private decide(decision: AmdDecision, reason: string, tone: ToneFound | null): void {
    const words = [...this.words];
    const current = this.wordInProgress();
    if (current) words.push(current);
    const evidence: AmdEvidence = {
      reason,
      words,
      wordCount: words.length,
      greetingMs: this.greetingMs(),
      initialSilenceMs: words[0] ? words[0].startMs : this.nowMs,
      trailingSilenceMs: words.length && !this.run ? this.nowMs - this.lastWordEnd() : 0,
      tone,
      noiseFloorDb: this.vad.noiseFloorDb(),
      backgroundDb: this.vad.backgroundDb(),
      ...(this.startRejudgedMs !== null ? { startRejudgedMs: this.startRejudgedMs } : {}),
      ...(this.backgroundRejudgedMs !== null ? { backgroundRejudgedMs: this.backgroundRejudgedMs } : {}),
      ...(this.learnedFromMs !== null ? { learnedSpeechFromMs: this.learnedFromMs } : {}),
      ...(this.asked ? { greeting: this.asked.features, recordedLikelihood: this.asked.likelihood === null ? null : Math.round(this.asked.likelihood * 1000) / 1000 } : {}),
    };
    this.decided = { decision, decisionMs: this.nowMs, evidence };
    this.emit({ name: EVENT_FOR[decision], atMs: this.nowMs, result: this.decided });
    if (decision !== 'MACHINE') this.finish('amd_stopped');
  }

  private finish(name: AmdEventName): void {
    if (this.done) return;
    this.done = true;
    if (name !== 'amd_stopped') this.emit({ name, atMs: this.nowMs });
    this.emit({ name: 'amd_stopped', atMs: this.nowMs });
  }

  private emit(event: AmdEvent): void {
    this.events.push(event);
    this.onEvent?.(event);
  }
}

function freshSyllables(): { count: number; rising: boolean; max: number; min: number; prevSpeech: boolean; n: number; sum: number; sumSq: number; prev1: number; prev2: number } {
  return { count: 0, rising: false, max: 0, min: 0, prevSpeech: false, n: 0, sum: 0, sumSq: 0, prev1: 0, prev2: 0 };
}

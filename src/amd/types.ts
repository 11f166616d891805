import type { AmdResult } from '../ports/dialer';
import type { GreetingFeatures } from './greeting-model';

/** A stretch of audio, in ms from answer (start of the stream). */
export interface Segment {
  startMs: number;
  endMs: number;
}

/** A sustained single tone (record beep, fax CNG/CED). */
export interface ToneFound {
  freqHz: number;
  startMs: number;
  endMs: number;
}

/** Why the engine decided what it decided; recorded with the attempt and printed by the CLI. */
export type AmdEvidence = {
  /** machine-readable reason: long_greeting, max_words, beep, after_greeting_silence, initial_silence, ... */
  reason: string;
  /** words found (speech runs of at least minWordMs), ms from answer */
  words: Segment[];
  wordCount: number;
  /** first word start to last word end (or now, while still speaking) */
  greetingMs: number;
  /** silence before the first word (or until the decision when nobody spoke) */
  initialSilenceMs: number;
  /** silence after the last word when the decision was reached */
  trailingSilenceMs: number;
  /** tone that decided (fax, beep before decision), if any */
  tone: ToneFound | null;
  noiseFloorDb: number;
  /** background level (music, babble, street noise) the words had to stand out from, dB; 0 when none */
  backgroundDb: number;
  /**
   * The stream started in speech (the audio fork attached after the greeting had begun): at this time (ms)
   * the VAD found a quiet block far below what it had taken the start for, and judged the first frames
   * again against it (see vad.ts). Absent when the stream started on the line's floor or a background.
   */
  startRejudgedMs?: number;
  /**
   * A background (babble, music, traffic) appeared after the words began: at this time (ms) the speech so far
   * that does not stand out from it was given to the background and the words found again.
   */
  backgroundRejudgedMs?: number;
  /**
   * Learned speech detector in `rescue` mode (docs/amd.md "Learned speech detectors"): the energy VAD had found
   * no word by `initialSilenceMs` but the learned detector had heard speech, so from this time (ms) its verdicts
   * became the speech evidence and the words were found again from them. Absent otherwise.
   */
  learnedSpeechFromMs?: number;
  /** the greeting's shape when the engine asked the greeting model (after the short wait), if it did */
  greeting?: GreetingFeatures;
  /** the greeting model's P(recorded greeting) then (null: no model, the duration rule) */
  recordedLikelihood?: number | null;
};

/** Event names after jambonz amd-utils, so flows and logs read the same. */
export type AmdEventName =
  | 'amd_human_detected'
  | 'amd_machine_detected'
  | 'amd_no_speech_detected'
  | 'amd_decision_timeout'
  | 'amd_fax_detected'
  | 'amd_tone_detected'
  | 'amd_machine_stopped_speaking'
  | 'amd_tone_timeout'
  | 'amd_stopped';

export interface AmdEvent {
  name: AmdEventName;
  /** ms from answer (audio time) */
  atMs: number;
  result?: AmdResult;
  tone?: ToneFound;
}

/** Anything that turns audio into an AMD decision: our engine and the app_amd baseline. */
export interface AmdDetector {
  /** 16-bit mono samples at the detector's sample rate, any chunk size. */
  push(samples: Int16Array): void;
  /** The stream ended (hang-up, lost stream, end of file). Settles everything still open. */
  end(): void;
  /** The decision, once reached. */
  readonly result: AmdResult | null;
  /** ms from answer to the record beep's start, once heard. */
  readonly beepMs: number | null;
  /** true when nothing more will be reported (decision reached and no beep pending). */
  readonly finished: boolean;
}

/** What the engine saw in one 10 ms frame (for plots; only produced when asked for). */
export interface FrameTrace {
  /** frame start, ms from answer */
  atMs: number;
  /** smallest and largest sample of the frame (8 kHz) */
  min: number;
  max: number;
  /** frame energy after pre-emphasis, dB */
  energyDb: number;
  /** noise floor and background level the frame was judged against, dB (background 0 when none) */
  floorDb: number;
  backgroundDb: number;
  /** the frame counted as the person's (or the greeting's) speech */
  speech: boolean;
  /** frequency of the steady tone this frame belongs to, or 0 */
  toneHz: number;
}

/**
 * AMD tuning parameters: one typed object, documented defaults, one validator.
 * Names follow Asterisk app_amd where the idea is the same (initial silence, greeting, after-greeting
 * silence, total analysis time, minimum word length, between-words silence, maximum words).
 */

export interface AmdParams {
  /** No speech at all for this long after answer: NO_SPEECH. */
  initialSilenceMs: number;
  /** A greeting (first word to last word, pauses included) longer than this: MACHINE. */
  greetingMs: number;
  /** Silence after a greeting no longer than `greetingMs`: HUMAN once it lasts this long. */
  afterGreetingSilenceMs: number;
  /** Undecided at this time after answer: NOTSURE (NO_SPEECH if nobody spoke). */
  totalAnalysisMs: number;
  /** Speech shorter than this is a click or a breath, not a word. */
  minWordMs: number;
  /** Pauses shorter than this stay inside a word. */
  betweenWordsSilenceMs: number;
  /** More words than this in the greeting: MACHINE. */
  maxWords: number;
  /** Average |sample| (16-bit scale) below which a frame is always silence (app_amd: 256). */
  silenceThreshold: number;
  /** A frame is speech when its energy is this many dB above the tracked noise floor. */
  speechSnrDb: number;
  /** After a MACHINE decision: this much silence ends the greeting (Twilio machine_end_silence, 1200 ms). */
  machineEndSilenceMs: number;
  /** After a MACHINE decision: stop waiting for a beep at this time after answer. */
  beepTimeoutMs: number;
  /** A single tone must last this long to count as a record beep. */
  beepMinMs: number;
  /** Record beeps are looked for between these frequencies. */
  beepMinHz: number;
  beepMaxHz: number;
  /** Share of a frame's energy in one frequency (0..1) for the frame to count as a pure tone. */
  toneMinPurity: number;
  /** A fax tone (CNG 1100 Hz, CED 2100 Hz) before any speech, lasting this long: FAX. */
  faxMinMs: number;
  /**
   * Speech must also be this many dB above the background (music, TV, street noise: the level of the
   * recent blocks without speech), so sound behind the person is not taken for their words.
   */
  backgroundMarginDb: number;
  /**
   * Pause structure: a greeting longer than this (a sentence, not a "hello") may be the first sentence of a
   * recorded greeting that pauses, so HUMAN then needs `longGreetingSilenceMs` of silence instead of
   * `afterGreetingSilenceMs`.
   */
  shortGreetingMs: number;
  /** Silence needed for HUMAN after a greeting longer than `shortGreetingMs`. */
  longGreetingSilenceMs: number;
  /**
   * A record beep starts out of quiet: the 100 ms before it must be this many dB below the tone (a held
   * note in music starts out of the music, not out of silence).
   */
  beepOnsetDropDb: number;
}

export const DEFAULT_AMD_PARAMS: Readonly<AmdParams> = Object.freeze({
  initialSilenceMs: 2500,
  greetingMs: 4500,
  afterGreetingSilenceMs: 700,
  totalAnalysisMs: 8000,
  minWordMs: 100,
  betweenWordsSilenceMs: 100,
  maxWords: 6,
  silenceThreshold: 64,
  speechSnrDb: 7,
  machineEndSilenceMs: 1200,
  beepTimeoutMs: 20000,
  beepMinMs: 150,
  beepMinHz: 400,
  beepMaxHz: 2000,
  toneMinPurity: 0.7,
  faxMinMs: 400,
  backgroundMarginDb: 9,
  shortGreetingMs: 1300,
  longGreetingSilenceMs: 2400,
  beepOnsetDropDb: 10,
});

interface Range {
  min: number;
  max: number;
  integer: boolean;
}

/** Accepted range of every parameter (the CLI and the docs list them from here). */
export const AMD_PARAM_RANGES: Readonly<Record<keyof AmdParams, Range>> = Object.freeze({
  initialSilenceMs: { min: 100, max: 60000, integer: true },
  greetingMs: { min: 100, max: 60000, integer: true },
  afterGreetingSilenceMs: { min: 50, max: 60000, integer: true },
  totalAnalysisMs: { min: 500, max: 120000, integer: true },
  minWordMs: { min: 10, max: 5000, integer: true },
  betweenWordsSilenceMs: { min: 10, max: 5000, integer: true },
  maxWords: { min: 1, max: 100, integer: true },
  silenceThreshold: { min: 0, max: 32767, integer: true },
  speechSnrDb: { min: 0, max: 60, integer: false },
  machineEndSilenceMs: { min: 100, max: 60000, integer: true },
  beepTimeoutMs: { min: 0, max: 600000, integer: true },
  beepMinMs: { min: 40, max: 10000, integer: true },
  beepMinHz: { min: 100, max: 3500, integer: true },
  beepMaxHz: { min: 100, max: 3500, integer: true },
  toneMinPurity: { min: 0.1, max: 1, integer: false },
  faxMinMs: { min: 40, max: 10000, integer: true },
  backgroundMarginDb: { min: 0, max: 60, integer: false },
  shortGreetingMs: { min: 100, max: 60000, integer: true },
  longGreetingSilenceMs: { min: 50, max: 60000, integer: true },
  beepOnsetDropDb: { min: 0, max: 60, integer: false },
});

export const AMD_PARAM_KEYS = Object.keys(DEFAULT_AMD_PARAMS) as (keyof AmdParams)[];

function isParamKey(key: string): key is keyof AmdParams {
  return Object.prototype.hasOwnProperty.call(DEFAULT_AMD_PARAMS, key);
}

/**
 * Validate AMD settings from config (or a request) and fill in defaults.
 * `path` names where the object came from (e.g. "services.sales.amd"); errors name `${path}.${key}`.
 * Numbers may be given as numeric strings (CLI, environment).
 */
export function parseAmdParams(input: unknown, path: string): AmdParams {
  const out: AmdParams = { ...DEFAULT_AMD_PARAMS };
  if (input === undefined || input === null) return out;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new Error(`${path}: AMD settings must be an object`);
  }
  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    if (!isParamKey(key)) {
      throw new Error(`${path}.${key}: unknown AMD setting (known: ${AMD_PARAM_KEYS.join(', ')})`);
    }
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    const range = AMD_PARAM_RANGES[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${path}.${key}: must be a number, got ${JSON.stringify(raw)}`);
    }
    if (range.integer && !Number.isInteger(value)) {
      throw new Error(`${path}.${key}: must be an integer, got ${value}`);
    }
    if (value < range.min || value > range.max) {
      throw new Error(`${path}.${key}: must be between ${range.min} and ${range.max}, got ${value}`);
    }
    out[key] = value;
  }
  if (out.beepMinHz >= out.beepMaxHz) {
    throw new Error(`${path}.beepMinHz: must be below beepMaxHz (${out.beepMaxHz}), got ${out.beepMinHz}`);
  }
  return out;
}

/** Baseline: Asterisk app_amd's published defaults (amd.conf), for the benchmark's reference row. */
export type AppAmdParams = Pick<
  AmdParams,
  'initialSilenceMs' | 'greetingMs' | 'afterGreetingSilenceMs' | 'totalAnalysisMs' | 'minWordMs' | 'betweenWordsSilenceMs' | 'maxWords' | 'silenceThreshold'
> & {
  /** a word longer than this is a machine's greeting (app_amd's maximumWordLength) */
  maxWordLengthMs: number;
};

export const APP_AMD_DEFAULTS: Readonly<AppAmdParams> = Object.freeze({
  initialSilenceMs: 2500,
  greetingMs: 1500,
  afterGreetingSilenceMs: 800,
  totalAnalysisMs: 8000,
  minWordMs: 100,
  betweenWordsSilenceMs: 50,
  maxWords: 3,
  silenceThreshold: 256,
  maxWordLengthMs: 5000,
});

/**
 * Baseline for the benchmark: Asterisk app_amd's published algorithm (apps/app_amd.c) with its defaults.
 * 20 ms frames; a frame is silence when its average |sample| is below silenceThreshold (ast_dsp_silence);
 * words, greeting and silences are counted exactly as app_amd counts them, including its quirks
 * (voice time is cumulative, initial silence means MACHINE, the first word needs a silence before it).
 * No tone or fax detection: app_amd has none.
 */
import type { AmdDecision, AmdResult } from '../ports/dialer';
import { FRAME_MS, Framer, type SupportedRate } from './framer';
import { APP_AMD_DEFAULTS, type AppAmdParams } from './params';
import type { AmdDetector } from './types';

const STATE_IN_WORD = 1;
const STATE_IN_SILENCE = 2;
const BLOCK_MS = 2 * FRAME_MS; // app_amd sees 20 ms frames

export class AppAmdBaseline implements AmdDetector {
  readonly params: AppAmdParams;
  private readonly framer: Framer;
  private nowMs = 0;
  private blockAbs = 0;
  private blockFrames = 0;
  private silenceMs = 0;
  private state = STATE_IN_WORD;
  private consecutiveVoiceMs = 0;
  private voiceMs = 0;
  private words = 0;
  private inInitialSilence = true;
  private inGreeting = false;
  private decided: AmdResult | null = null;

  constructor(opts: { sampleRate: SupportedRate; params?: Partial<AppAmdParams> }) {
    this.params = { ...APP_AMD_DEFAULTS, ...opts.params };
    this.framer = new Framer(opts.sampleRate, (f) => this.onFrame(f));
  }

  get result(): AmdResult | null {
    return this.decided;
  }
  get beepMs(): number | null {
    return null;
  }
  get finished(): boolean {
    return this.decided !== null;
  }

  push(samples: Int16Array): void {
    if (!this.decided) this.framer.push(samples);
  }

  end(): void {
    if (!this.decided) this.decide('NOTSURE', 'HANGUP');
  }

  private onFrame(frame: Int16Array): void {
    const n = frame.length;
    for (let i = 0; i < n; i++) {
      const s = frame[i]!;
      this.blockAbs += s < 0 ? -s : s;
    }
    if (++this.blockFrames < 2) return;
    const avg = this.blockAbs / (2 * frame.length);
    this.blockAbs = 0;
    this.blockFrames = 0;
    this.nowMs += BLOCK_MS;
    if (!this.decided) this.analyze(avg < this.params.silenceThreshold);
  }

  private analyze(silent: boolean): void {
    const p = this.params;
    if (this.nowMs >= p.totalAnalysisMs) return this.decide('NOTSURE', 'TOOLONG');
    if (silent) {
      this.silenceMs += BLOCK_MS;
      if (this.silenceMs >= p.betweenWordsSilenceMs) {
        this.state = STATE_IN_SILENCE;
        this.consecutiveVoiceMs = 0;
      }
      if (this.inInitialSilence && this.silenceMs >= p.initialSilenceMs) return this.decide('MACHINE', 'INITIALSILENCE');
      if (this.inGreeting && this.silenceMs >= p.afterGreetingSilenceMs) return this.decide('HUMAN', 'HUMAN');
      return;
    }
    this.silenceMs = 0;
    this.consecutiveVoiceMs += BLOCK_MS;
    this.voiceMs += BLOCK_MS;
    if (this.consecutiveVoiceMs >= p.minWordMs && this.state === STATE_IN_SILENCE) {
      this.words++;
      this.state = STATE_IN_WORD;
    }
    if (this.words >= p.maxWords) return this.decide('MACHINE', 'MAXWORDS');
    if (this.inGreeting && this.voiceMs >= p.greetingMs) return this.decide('MACHINE', 'LONGGREETING');
    if (this.consecutiveVoiceMs >= p.maxWordLengthMs) return this.decide('MACHINE', 'MAXWORDLENGTH');
    if (this.voiceMs >= p.minWordMs) {
      this.inInitialSilence = false;
      this.inGreeting = true;
    }
  }

  private decide(decision: AmdDecision, cause: string): void {
    this.decided = {
      decision,
      decisionMs: this.nowMs,
      evidence: { reason: cause, wordCount: this.words, voiceMs: this.voiceMs, silenceMs: this.silenceMs },
    };
  }
}

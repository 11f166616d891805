/**
 * One expected AMD session on the live path: the engine, its wall-clock guards and the two promises the
 * call flow awaits. Audio time drives the decision (same engine as the CLI); the wall-clock guards only
 * make sure nothing hangs when audio stops coming (lost stream, FreeSWITCH never connected).
 */
import type { Logger } from 'pino';
import type { AmdResult } from '../../ports/dialer';
import { AmdEngine } from '../engine';
import { LearnedAmd } from '../learned-amd';
import type { FrameSpeechModel } from '../learned-vad';
import type { SupportedRate } from '../framer';
import type { AmdParams } from '../params';
import type { AmdEvent } from '../types';

/** Extra wall time beyond the engine's own timers before a guard gives up on the stream. */
export const STREAM_GRACE_MS = 1000;

export interface AmdSession {
  result: Promise<AmdResult>;
  beep: Promise<number | null>;
  cancel(): void;
}

export class LiveAmdSession implements AmdSession {
  readonly result: Promise<AmdResult>;
  readonly beep: Promise<number | null>;
  private resolveResult!: (r: AmdResult) => void;
  private resolveBeep!: (ms: number | null) => void;
  private engine: AmdEngine | null = null;
  /** with a learned speech detector: the engine behind it (audio goes through `learned`) */
  private learned: LearnedAmd | null = null;
  private decided = false;
  private beepSettled = false;
  private decisionGuard: NodeJS.Timeout | null = null;
  private beepGuard: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();
  private finished = false;
  private odd: number | null = null; // a byte left over from an odd-length binary message

  constructor(
    readonly sessionKey: string,
    private readonly params: AmdParams,
    private readonly log: Logger,
    /** called once when the session has settled everything (result and beep) */
    private readonly onDone: (s: LiveAmdSession) => void,
    /** the loaded learned speech detector (Silero), shared: each session forks its own stream of it; null: energy VAD alone */
    private readonly speechModel: FrameSpeechModel | null = null,
  ) {
    this.result = new Promise((r) => (this.resolveResult = r));
    this.beep = new Promise((r) => (this.resolveBeep = r));
    this.decisionGuard = setTimeout(() => this.giveUp('no_audio_in_time'), params.totalAnalysisMs + STREAM_GRACE_MS);
  }

  get streaming(): boolean {
    return this.engine !== null;
  }

  get done(): boolean {
    return this.decided && this.beepSettled;
  }

  /** The fork connected and said its sample rate. */
  start(sampleRate: SupportedRate): void {
    const onEvent = (e: AmdEvent): void => this.onEvent(e);
    if (this.speechModel) {
      this.learned = new LearnedAmd({ sampleRate, params: this.params, onEvent, model: this.speechModel.fork() });
      this.engine = this.learned.engine;
    } else this.engine = new AmdEngine({ sampleRate, params: this.params, onEvent });
    const speechDetector = this.speechModel ? this.speechModel.kind : 'energy';
    this.log.info({ sessionKey: this.sessionKey, sampleRate, speechDetector, connectMs: Date.now() - this.startedAt }, 'amd stream started');
  }

  /** Binary L16 little-endian audio, any length. */
  audio(data: Buffer): void {
    const engine = this.engine;
    if (!engine || this.done) return;
    let buf = data;
    if (this.odd !== null) {
      buf = Buffer.concat([Buffer.from([this.odd]), data]);
      this.odd = null;
    }
    const n = buf.length >> 1;
    if (buf.length & 1) this.odd = buf[buf.length - 1]!;
    const samples = new Int16Array(n);
    for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(i * 2);
    if (this.learned) this.learned.push(samples).catch((err: unknown) => this.detectorFailed(err));
    else engine.push(samples);
  }

  /** The stream ended (socket closed): settle with what we know. */
  streamEnded(reason: string): void {
    if (this.done) return;
    this.log.info({ sessionKey: this.sessionKey, reason, audioMs: this.engine?.elapsedMs ?? 0 }, 'amd stream ended');
    if (this.learned) this.learned.end().catch((err: unknown) => this.detectorFailed(err));
    else if (this.engine) this.engine.end();
    else this.giveUp(reason);
  }

  /** the learned detector threw (it never should): settle as NOTSURE, with a log line */
  private detectorFailed(err: unknown): void {
    this.log.error({ sessionKey: this.sessionKey, err }, 'amd speech detector failed');
    this.giveUp('speech_detector_failed');
  }

  cancel(): void {
    if (this.done) return;
    this.log.info({ sessionKey: this.sessionKey }, 'amd session cancelled');
    this.giveUp('cancelled');
  }

  /** Settle without the engine's help (no audio, stalled stream, cancel, server closing). */
  giveUp(reason: string): void {
    const audioMs = this.engine?.elapsedMs ?? 0;
    const wallMs = Date.now() - this.startedAt;
    if (!this.decided) {
      this.settleResult({
        decision: 'NOTSURE',
        decisionMs: Math.max(audioMs, wallMs),
        evidence: { reason, audioMs, wallMs },
      });
    }
    this.settleBeep(null);
  }

  private onEvent(e: AmdEvent): void {
    this.log.info(
      { sessionKey: this.sessionKey, event: e.name, atMs: e.atMs, decision: e.result?.decision, reason: e.result?.evidence?.reason, tone: e.tone },
      e.name,
    );
    if (e.result && !this.decided) {
      this.settleResult({ ...e.result }); // a copy: the engine later adds beepMs to its own result
      if (e.result.decision === 'MACHINE') {
        const left = Math.max(0, this.params.beepTimeoutMs - e.atMs) + STREAM_GRACE_MS;
        this.beepGuard = setTimeout(() => this.giveUp('beep_wait_stalled'), left);
      }
    }
    if (e.name === 'amd_tone_detected' && e.tone) this.settleBeep(e.tone.startMs);
    if (e.name === 'amd_stopped') {
      if (!this.decided) this.giveUp('stopped');
      this.settleBeep(this.engine?.beepMs ?? null);
    }
  }

  private settleResult(r: AmdResult): void {
    this.decided = true;
    if (this.decisionGuard) clearTimeout(this.decisionGuard);
    this.decisionGuard = null;
    this.resolveResult(r);
    if (r.decision !== 'MACHINE') this.settleBeep(null);
    this.checkDone();
  }

  private settleBeep(ms: number | null): void {
    if (this.beepSettled) return;
    this.beepSettled = true;
    if (this.beepGuard) clearTimeout(this.beepGuard);
    this.beepGuard = null;
    this.resolveBeep(ms);
    this.checkDone();
  }

  private checkDone(): void {
    if (this.done && !this.finished) {
      this.finished = true;
      if (this.decisionGuard) clearTimeout(this.decisionGuard);
      this.decisionGuard = null;
      this.onDone(this);
    }
  }
}

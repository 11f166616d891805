/**
 * WebSocket server for FreeSWITCH mod_audio_fork (drachtio-fsmrf `forkAudioStart`): the first TEXT message
 * is the metadata ({"sessionKey": "...", optional "sampleRate"/"sampling"}), then binary L16 mono frames.
 * The call flow calls `expect(sessionKey)` before starting the fork and awaits `result` (and `beep`).
 * Streams for unknown session keys are closed with a log line; the socket is closed once the session has
 * settled (the flow's forkAudioStop may then answer -ERR: that means stopped). A stream that has not
 * closed `closeGraceMs` after that (the media server kept the fork on the leg) is logged as "audio fork
 * still open after the decision", counted (`lateStreams`) and cut.
 */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { SileroVad, type FrameSpeechModel } from '../learned-vad';
import { parseAmdParams, type AmdParams } from '../params';
import { LiveAmdSession, type AmdSession } from './live-session';
import { parseForkMetadata } from './metadata';

export type { AmdSession } from './live-session';

/** A connection must send its metadata within this time. */
const METADATA_TIMEOUT_MS = 5000;
const CLOSE_POLICY = 1008;
const CLOSE_NORMAL = 1000;
/** after the decision the fork's socket must be closed within this time */
const CLOSE_GRACE_MS = 2000;

export class AudioForkServer {
  private wss: WebSocketServer | null = null;
  private readonly sessions = new Map<string, LiveAmdSession>();
  private readonly sockets = new Map<LiveAmdSession, WebSocket>();
  private readonly log: Logger;
  private late = 0;
  /** the loaded learned speech detector (speechDetector 'silero'), shared by the sessions; null: energy VAD alone */
  private speechModel: FrameSpeechModel | null = null;

  constructor(
    private readonly opts: {
      port: number;
      host?: string;
      logger: Logger;
      closeGraceMs?: number;
      /** the engine's speech evidence (docs/amd.md "Learned speech detectors"); default energy (the VAD alone) */
      speechDetector?: 'silero' | 'energy';
    },
  ) {
    this.log = opts.logger.child({ component: 'audio-fork-server' });
  }

  /** the speech detector the sessions use: silero once loaded, else energy */
  get speechDetector(): 'silero' | 'energy' {
    return this.speechModel ? 'silero' : 'energy';
  }

  async listen(): Promise<void> {
    if (this.wss) return;
    if (this.opts.speechDetector === 'silero' && !this.speechModel) {
      try {
        this.speechModel = await SileroVad.load();
      } catch (err) {
        // the native runtime missing on this platform: the energy VAD alone still decides, and says so
        this.log.error({ err }, 'Silero VAD did not load: AMD runs on the energy VAD alone');
      }
    }
    await new Promise<void>((resolve, reject) => {
      const wss = new WebSocketServer({ port: this.opts.port, host: this.opts.host ?? '127.0.0.1' });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        wss.on('error', (err) => this.log.error({ err }, 'audio fork server error'));
        this.log.info({ url: this.url() }, 'audio fork server listening');
        resolve();
      });
      wss.on('connection', (ws, req) => this.onConnection(ws, req.socket.remoteAddress ?? ''));
      this.wss = wss;
    });
  }

  /** streams that were still open `closeGraceMs` after their decision (and were cut then) */
  get lateStreams(): number {
    return this.late;
  }

  /** ws://host:port, for forkAudioStart's wsUrl */
  url(): string {
    if (!this.wss) throw new Error('audio fork server is not listening');
    const addr = this.wss.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `ws://${host}:${addr.port}`;
  }

  /** Register a session before starting the fork. Params are validated (parseAmdParams) and defaulted. */
  expect(sessionKey: string, params?: Partial<AmdParams>): AmdSession {
    if (this.sessions.has(sessionKey)) throw new Error(`amd session ${sessionKey} is already expected`);
    const full = parseAmdParams(params ?? {}, `amd session ${sessionKey}`);
    const session = new LiveAmdSession(sessionKey, full, this.log, (s) => this.onSessionDone(s), this.speechModel);
    this.sessions.set(sessionKey, session);
    return session;
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions.values()]) s.giveUp('server_closed');
    const wss = this.wss;
    this.wss = null;
    if (!wss) return;
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket, remote: string): void {
    let session: LiveAmdSession | null = null;
    const metadataTimer = setTimeout(() => {
      this.log.warn({ remote }, 'audio fork: no metadata in time, closing');
      ws.close(CLOSE_POLICY, 'metadata expected');
    }, METADATA_TIMEOUT_MS);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (session) {
        if (isBinary) session.audio(toBuffer(data));
        return;
      }
      clearTimeout(metadataTimer);
      if (isBinary) {
        this.log.warn({ remote }, 'audio fork: audio before metadata, closing');
        ws.close(CLOSE_POLICY, 'metadata expected first');
        return;
      }
      const meta = parseForkMetadata(toBuffer(data).toString('utf8'));
      if (!meta.ok) {
        this.log.warn({ remote, reason: meta.reason }, 'audio fork: bad metadata, closing');
        ws.close(CLOSE_POLICY, meta.reason);
        return;
      }
      const s = this.sessions.get(meta.value.sessionKey);
      if (!s) {
        this.log.warn({ remote, sessionKey: meta.value.sessionKey }, 'audio fork: unknown sessionKey, closing');
        ws.close(CLOSE_POLICY, 'unknown sessionKey');
        return;
      }
      if (s.streaming) {
        this.log.warn({ remote, sessionKey: meta.value.sessionKey }, 'audio fork: session already streaming, closing');
        ws.close(CLOSE_POLICY, 'session already streaming');
        return;
      }
      session = s;
      this.sockets.set(s, ws);
      s.start(meta.value.sampleRate);
    });
    ws.on('close', () => {
      clearTimeout(metadataTimer);
      if (session) {
        this.sockets.delete(session);
        session.streamEnded('stream_closed');
      }
    });
    ws.on('error', (err) => this.log.warn({ remote, err }, 'audio fork socket error'));
  }

  private onSessionDone(s: LiveAmdSession): void {
    if (this.sessions.get(s.sessionKey) === s) this.sessions.delete(s.sessionKey);
    const ws = this.sockets.get(s);
    this.sockets.delete(s);
    if (!ws || ws.readyState !== ws.OPEN) return;
    ws.close(CLOSE_NORMAL, 'amd done');
    const grace = setTimeout(() => {
      if (ws.readyState === ws.CLOSED) return;
      this.late++;
      this.log.warn({ sessionKey: s.sessionKey, graceMs: this.opts.closeGraceMs ?? CLOSE_GRACE_MS }, 'audio fork still open after the decision');
      ws.terminate();
    }, this.opts.closeGraceMs ?? CLOSE_GRACE_MS);
    grace.unref();
    ws.once('close', () => clearTimeout(grace));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

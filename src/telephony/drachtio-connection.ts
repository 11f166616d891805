import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { trackLoss } from './loss-signals';
import type { ConnectionStatus } from './connection-status';
import { messageOf } from '../errors';

interface WireProtocolInternals {
  closing: boolean;
  reconnectVars?: { retryTimer: NodeJS.Timeout | null };
  socket?: Socket;
}

export interface DrachtioOptions {
  host: string;
  port: number;
  secret: string;
  /** longest wait between reconnection attempts */
  retryMaxDelayMs?: number;
}

/**
 * The app's connection to drachtio-server (inbound-connection mode: the app connects to the server).
 * drachtio-srf reconnects by itself with backoff; this class turns its events into an up/down status,
 * one log line per change, and never lets a connection error crash the process.
 * Events: 'up' (hostport), 'down' (reason).
 */
export class DrachtioConnection extends EventEmitter {
  readonly srf: Srf;
  private current: ConnectionStatus = { state: 'down', since: Date.now(), detail: 'not connected yet' };
  private closed = false;
  private announced = false;
  /** the loss signal of the current connection (`lossOf(srf)`): the calls through it end when it drops */
  private loss: AbortController | undefined;

  constructor(
    private readonly opts: DrachtioOptions,
    private readonly logger: Logger,
  ) {
    super();
    this.srf = new Srf();
  }

  start(): void {
    const log = this.logger.child({ dependency: 'drachtio', server: `${this.opts.host}:${this.opts.port}` });
    this.srf.on('connect', (err: Error | null, hostport: string) => {
      if (err) {
        this.set('down', `connection refused by drachtio-server: ${err.message}`, log);
        return;
      }
      this.loss = trackLoss(this.srf);
      this.set('up', `connected (${hostport})`, log);
      this.emit('up', hostport);
    });
    this.srf.on('error', (err: Error) => this.set('down', err.message, log));
    // a refused or dropped connection reports its error first: keep that as the reason
    this.srf.on('close' as 'error', () => this.set('down', this.current.state === 'up' ? 'connection closed' : (this.current.detail ?? 'connection closed'), log));
    const reconnect = { retryMaxDelay: this.opts.retryMaxDelayMs ?? 10_000 };
    void Promise.resolve(
      this.srf.connect({ host: this.opts.host, port: this.opts.port, secret: this.opts.secret, reconnect } as Srf.SrfConfig),
    ).catch((err: unknown) => this.set('down', messageOf(err), log));
  }

  status(): ConnectionStatus {
    return { ...this.current };
  }

  get isUp(): boolean {
    return this.current.state === 'up';
  }

  private set(state: 'up' | 'down', detail: string, log: Logger): void {
    if (this.closed) return;
    const changed = state !== this.current.state || !this.announced;
    this.announced = true;
    this.current = { state, since: state !== this.current.state ? Date.now() : this.current.since, detail };
    if (changed) {
      if (state === 'up') log.info({ detail }, 'drachtio-server connected');
      else {
        log.warn({ detail }, 'drachtio-server disconnected; retrying');
        this.loss?.abort(new Error(`drachtio-server: ${detail}`));
        this.loss = undefined;
        this.emit('down', detail);
      }
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.srf.disconnect();
    } catch {
      /* no socket connected right now */
    }
    // drachtio-srf 5.0: disconnect() sets `closing` but leaves an already armed reconnect timer running,
    // which would connect again after close. Stop it and drop any socket it opened.
    const wp = (this.srf as unknown as { _app?: { client?: { wp?: WireProtocolInternals } } })._app?.client?.wp;
    if (wp) {
      wp.closing = true;
      if (wp.reconnectVars?.retryTimer) clearTimeout(wp.reconnectVars.retryTimer);
      if (wp.reconnectVars) wp.reconnectVars.retryTimer = null;
      wp.socket?.destroy();
    }
  }
}

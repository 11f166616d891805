import { endpointForSdesOffer, isSdesOffer } from './offer-endpoint';
import { EventEmitter } from 'node:events';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { MediaServerSettings } from './config';
import { backoffMs, type ConnectionStatus } from './connection-status';
import { probeEventSocket } from './esl-probe';
import { DEFAULT_LIVENESS, LivenessCheck, type LivenessOptions } from './liveness';
import { trackLoss } from './loss-signals';
import { messageOf } from '../errors';
import { systemClock, systemTimers, type Clock, type TimerHandle, type TimerScheduler } from '../time';

interface Entry {
  opts: MediaServerSettings;
  name: string;
  ms?: Mrf.MediaServer;
  status: ConnectionStatus;
  attempt: number;
  /** endpoints this app holds on the server right now */
  active: number;
  timer?: TimerHandle;
  check?: LivenessCheck;
}

/** an endpoint and the release to call once it is gone (the pool counts endpoints per server) */
export interface PooledEndpoint {
  endpoint: Mrf.Endpoint;
  server: string;
  mediaServer: Mrf.MediaServer;
}

/**
 * Connects to one media server: resolves with the connection, or rejects (down, refused, no answer in
 * `timeoutMs`). The pool's default: probe the event socket, then `Mrf.connect`; tests give fake servers.
 */
export type MediaServerConnector = (server: MediaServerSettings, timeoutMs: number) => Promise<Mrf.MediaServer>;

/**
 * The FreeSWITCH media servers, through drachtio-fsmrf. `Mrf.connect` throws when FreeSWITCH is down or
 * its sofia profile is not up yet, and does not retry: this pool retries each server with capped
 * backoff, reconnects after a lost connection, and creates endpoints on the least loaded server that is
 * up (fewest endpoints this app holds there). A connected server is asked `status` every few seconds: a
 * frozen one (its TCP connection stays open) is given up like a closed one, and its loss signal
 * (`lossOf(ms)`) ends the calls there. Events: 'up' (name), 'down' (name, reason).
 */
export class MediaServerPool extends EventEmitter {
  private readonly connectServer: MediaServerConnector;
  private readonly entries: Entry[];
  private closed = false;

  constructor(
    srf: Srf,
    servers: MediaServerSettings[],
    private readonly logger: Logger,
    private readonly retryMaxDelayMs = 10_000,
    /** give up on one connection attempt after this long (esl may neither connect nor fail) */
    private readonly connectTimeoutMs = 5_000,
    /** reconnection backoff and status times */
    private readonly time: { clock: Clock; timers: TimerScheduler } = { clock: systemClock, timers: systemTimers },
    private readonly liveness: LivenessOptions = DEFAULT_LIVENESS,
    /** FreeSWITCH global variables set on each server at every (re)connection (`global_setvar`), e.g. SRTP */
    private readonly globals: Record<string, string> = {},
    connector?: MediaServerConnector,
  ) {
    super();
    if (connector) this.connectServer = connector;
    else {
      const mrf = new Mrf(srf);
      this.connectServer = (server, timeoutMs) => this.connectMrf(mrf, server, timeoutMs);
    }
    this.entries = servers.map((opts) => ({
      opts,
      name: `${opts.host}:${opts.port}`,
      status: { state: 'down', since: this.time.clock.now(), detail: 'not connected yet' },
      attempt: 0,
      active: 0,
    }));
  }

  start(): void {
    for (const e of this.entries) void this.connect(e);
  }

  /** the least loaded server that is up, or undefined */
  pick(): Mrf.MediaServer | undefined {
    return this.pickEntry()?.ms;
  }

  private pickEntry(): Entry | undefined {
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.status.state !== 'up' || !e.ms) continue;
      if (!best || e.active < best.active) best = e;
    }
    return best;
  }

  /**
   * Create an endpoint on the least loaded server. `remoteSdp` given: the endpoint answers that offer;
   * absent: a 3pcc endpoint whose `local.sdp` is an offer for a new outbound leg.
   */
  async createEndpoint(opts: { remoteSdp?: string; codecs?: string[] } = {}): Promise<PooledEndpoint> {
    const e = this.pickEntry();
    if (!e?.ms) throw new Error('no media server is up');
    const ms = e.ms;
    return { endpoint: await ms.createEndpoint(opts), server: e.name, mediaServer: ms };
  }

  /**
   * Count the endpoints made on this connection, whoever makes them (`pick()`'s callers call the server's own
   * `createEndpoint`): one more from the call on (so calls picked in the same tick spread), one less once
   * destroyed or failed. Without this the least loaded server was always the first one up.
   */
  private countEndpoints(e: Entry, ms: Mrf.MediaServer): void {
    const create = ms.createEndpoint.bind(ms);
    ms.createEndpoint = async (opts) => {
      e.active++;
      let endpoint: Mrf.Endpoint;
      try {
        // fsmrf refuses every RTP/SAVP offer (it takes them all for DTLS): an SDES-SRTP caller's goes our way
        endpoint = await (opts?.remoteSdp && isSdesOffer(opts.remoteSdp) ? endpointForSdesOffer(ms, opts.remoteSdp) : create(opts));
      } catch (err) {
        e.active--;
        throw err;
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        e.active--;
      };
      endpoint.once('destroy', release);
      const destroy = endpoint.destroy.bind(endpoint);
      endpoint.destroy = async () => {
        release();
        await destroy();
      };
      return endpoint;
    };
  }

  get anyUp(): boolean {
    return this.entries.some((e) => e.status.state === 'up');
  }

  /** per server: up/down, since, detail and the endpoints held */
  status(): Record<string, ConnectionStatus & { active: number }> {
    return Object.fromEntries(this.entries.map((e) => [e.name, { ...e.status, active: e.active }]));
  }

  private async connect(e: Entry): Promise<void> {
    if (this.closed) return;
    e.timer = undefined;
    const log = this.logger.child({ dependency: 'freeswitch', server: e.name });
    try {
      const ms = await this.connectServer(e.opts, this.connectTimeoutMs);
      if (this.closed) {
        safeDisconnect(ms);
        return;
      }
      this.countEndpoints(e, ms);
      // before any call: a server restarted with its own defaults gets the service's settings again
      for (const [name, value] of Object.entries(this.globals)) await ms.api(`global_setvar ${name}=${value}`);
      e.ms = ms;
      e.attempt = 0;
      const gone = trackLoss(ms); // the calls with media there end when this connection is given up
      this.set(e, 'up', 'connected', log);
      const check = new LivenessCheck(() => ms.api('status'), (why) => lost(why), this.time.timers, this.liveness);
      const lost = (why: string) => {
        if (e.ms !== ms) return;
        e.ms = undefined;
        check.stop();
        safeDisconnect(ms);
        this.set(e, 'down', why, log);
        gone.abort(new Error(why));
        this.retry(e);
      };
      ms.on('end', () => lost('connection lost'));
      ms.on('error', (err: Error) => lost(err.message));
      e.check = check;
      check.start();
    } catch (err) {
      this.set(e, 'down', messageOf(err), log);
      this.retry(e);
    }
  }

  /** probe the event socket, then connect drachtio-fsmrf (both bounded by `timeoutMs`) */
  private async connectMrf(mrf: Mrf, server: MediaServerSettings, timeoutMs: number): Promise<Mrf.MediaServer> {
    await probeEventSocket({ host: server.host, port: server.port, secret: server.secret, profile: server.profile, timeoutMs });
    if (this.closed) throw new Error('media server pool closed');
    const connecting = mrf.connect({
      address: server.host,
      port: server.port,
      secret: server.secret,
      profile: server.profile,
      ...(server.listenAddress ? { listenAddress: server.listenAddress } : {}),
      ...(server.advertisedAddress ? { advertisedAddress: server.advertisedAddress } : {}),
    });
    let timeout: NodeJS.Timeout | undefined;
    return Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => {
          // a late success must not leak a connection
          connecting.then(safeDisconnect, () => undefined);
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]).finally(() => clearTimeout(timeout));
  }

  private retry(e: Entry): void {
    if (this.closed || e.timer) return;
    const delay = backoffMs(e.attempt++, this.retryMaxDelayMs);
    e.timer = this.time.timers.schedule(delay, () => void this.connect(e));
  }

  /** one log line per change of state (and one for the first failure) */
  private set(e: Entry, state: 'up' | 'down', detail: string, log: Logger): void {
    if (this.closed) return;
    const changed = state !== e.status.state;
    const first = e.status.detail === 'not connected yet';
    e.status = { state, since: changed ? this.time.clock.now() : e.status.since, detail };
    if (changed && state === 'up') {
      log.info('FreeSWITCH connected');
      this.emit('up', e.name);
    } else if (changed || first) {
      log.warn({ detail }, 'FreeSWITCH not connected; retrying');
      this.emit('down', e.name, detail);
    }
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries) {
      e.timer?.cancel();
      e.timer = undefined;
      if (e.ms) safeDisconnect(e.ms);
      e.ms = undefined;
      e.check?.stop();
    }
  }
}

function safeDisconnect(ms: Mrf.MediaServer): void {
  try {
    ms.disconnect();
  } catch {
    /* already gone */
  }
}

import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { CallEndedError, unlessEnded, type AmdRun, type CollectOptions, type CustomerLeg, type Playing } from '../flows/call';
import { lossOf } from './loss-signals';

/** a lost server (frozen, or its connection gone) must not hold up a hang-up: each step waits this long at most */
const END_STEP_WAIT_MS = 3000;

/** the members of src/amd/live AudioForkServer this layer uses */
export interface AmdSessionLike {
  result: Promise<import('../ports/dialer').AmdResult>;
  beep: Promise<number | null>;
  cancel(): void;
}
export interface AudioForkLike {
  url(): string;
  expect(sessionKey: string, params?: Record<string, unknown>): AmdSessionLike;
}

/**
 * One call leg: a SIP dialog (caller, customer or agent) whose media is a drachtio-fsmrf endpoint.
 * Everything the flows do to a call goes through here. The call's end, whichever side ends it, aborts
 * `signal` once (reason: a CallEndedError); every operation then throws that error, so a flow stops at its
 * next step.
 */
export class FsCallLeg implements CustomerLeg {
  readonly callId: string;
  private readonly end = new AbortController();
  readonly signal: AbortSignal = this.end.signal;
  /** the mod_audio_fork bug of the AMD stream now running (each start names its own: a call may fork twice) */
  private forkBug: string | null = null;
  private forks = 0;

  constructor(
    readonly dialog: Srf.Dialog,
    readonly endpoint: Mrf.Endpoint,
    readonly mediaServer: Mrf.MediaServer,
    private readonly log: Logger,
    private readonly amd?: AudioForkLike,
  ) {
    this.callId = dialog.sip.callId;
    // the media server restarted, closed its connection or froze, or drachtio-server's connection dropped
    // (the SIP dialogs went with it): the call cannot go on, end it as a failure
    const media = lossOf(mediaServer);
    const signaling = lossOf((dialog as unknown as { srf?: object }).srf);
    const onLost = (what: string, lost: AbortSignal) => () => {
      if (this.signal.aborted) return;
      const why = lost.reason instanceof Error ? lost.reason.message : what;
      this.log.warn({ why }, `${what}; ending the call`);
      void this.endCall(what, true, 'SIP;cause=503;text="' + what + '"');
    };
    const onMedia = onLost('media server lost', media);
    const onSignaling = onLost('signaling lost', signaling);
    media.addEventListener('abort', onMedia, { once: true });
    signaling.addEventListener('abort', onSignaling, { once: true });
    this.signal.addEventListener(
      'abort',
      () => {
        media.removeEventListener('abort', onMedia);
        signaling.removeEventListener('abort', onSignaling);
      },
      { once: true },
    );
    dialog.on('destroy', () => {
      this.log.info('far end hung up');
      this.finish('far end hung up');
      void this.endpoint.destroy().catch(() => undefined);
    });
    endpoint.once('destroy', () => {
      if (this.signal.aborted) return;
      this.log.warn('media endpoint gone; ending the call');
      void this.hangup();
    });
    // DTMF by SIP INFO reaches this dialog, not FreeSWITCH: hand it to the channel as if received in RTP
    dialog.on('info', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      const digit = /Signal\s*=\s*([0-9*#A-D])/i.exec(req.body ?? '')?.[1];
      res.send(200);
      if (digit && (req.get('Content-Type') ?? '').includes('dtmf')) {
        this.log.info({ digit }, 'DTMF by SIP INFO');
        void this.endpoint.api('uuid_recv_dtmf', `${this.endpoint.uuid} ${digit}`).catch(() => undefined);
      }
    });
  }

  /** the one place the call ends: aborts `signal` the first time, whoever ended it */
  private finish(reason: string, fault = false): void {
    if (this.signal.aborted) return;
    this.end.abort(new CallEndedError(this.callId, reason, fault));
  }

  /** run a media operation, but stop waiting (and throw) when the leg ends first */
  private async media<T>(op: () => Promise<T>): Promise<T> {
    this.signal.throwIfAborted();
    const r = await unlessEnded(op(), this.signal);
    this.signal.throwIfAborted();
    return r;
  }

  async play(prompts: string[]): Promise<void> {
    if (prompts.length === 0) return;
    // a list as one file_string:// playback: fsmrf plays an array after a `set playback_delimiter`, one more
    // event-socket command (and two more events to parse) per list
    const file = prompts.length === 1 ? prompts[0]! : `file_string://${prompts.join('!')}`;
    await this.media(() => this.endpoint.play(file));
  }

  async collect(o: CollectOptions): Promise<string> {
    const file = o.prompts.length === 1 ? o.prompts[0]! : `file_string://${o.prompts.join('!')}`;
    const r = await this.media(() =>
      this.endpoint.playCollect({
        file,
        min: 0,
        max: o.maxDigits,
        tries: 1,
        timeout: o.timeoutMs,
        digitTimeout: o.digitTimeoutMs,
        terminators: o.terminator ?? 'none',
        regexp: '[0-9*#]+',
      }),
    );
    const digits = r.digits ?? r.invalidDigits ?? '';
    this.log.info({ digits, terminator: r.terminatorUsed }, 'digits collected');
    return digits.replace(/#$/, '');
  }

  loop(prompt: string): Playing {
    if (this.signal.aborted) return { stop: async () => undefined };
    const done = this.endpoint.execute('endless_playback', prompt).catch(() => undefined);
    return {
      stop: async () => {
        if (this.signal.aborted) return;
        await this.endpoint.api('uuid_break', `${this.endpoint.uuid} all`).catch(() => undefined);
        await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
      },
    };
  }

  async hangup(reason?: string): Promise<void> {
    await this.endCall('hung up by us', false, reason);
  }

  private async endCall(why: string, fault: boolean, reason?: string): Promise<void> {
    if (this.signal.aborted) return;
    this.finish(why, fault);
    this.log.info(reason ? { reason } : {}, 'hanging up');
    await bounded(
      new Promise<void>((resolve) => {
        try {
          this.dialog.destroy(reason ? { headers: { Reason: reason } } : undefined, () => resolve());
        } catch {
          resolve();
        }
      }),
    );
    await bounded(this.endpoint.destroy().catch(() => undefined));
  }

  async startAmd(sessionKey: string, params: Record<string, unknown> | undefined): Promise<AmdRun> {
    if (!this.amd) throw new Error('no AMD server configured');
    this.signal.throwIfAborted();
    const session = this.amd.expect(sessionKey, params);
    // a named bug: drachtio-fsmrf sends an empty name by default, under which FreeSWITCH 1.10's mod_audio_fork
    // files the fork so that `stop` answers -ERR and the bug stays on the channel (and a second fork on the
    // same call, the answer check's, then fails with -ERR Operation Failed)
    const bugname = `cbsvc_amd_${++this.forks}`;
    try {
      await this.endpoint.forkAudioStart({ wsUrl: this.amd.url(), mixType: 'mono', sampling: '8k', metadata: { sessionKey }, bugname });
    } catch (err) {
      session.cancel();
      throw err;
    }
    this.forkBug = bugname;
    this.log.info({ sessionKey, bugname }, 'audio forked to AMD');
    return session;
  }

  async stopAmd(): Promise<void> {
    const bugname = this.forkBug;
    if (!bugname) return;
    this.forkBug = null;
    // -ERR after the far end (our AMD server) closed the socket, or after the call ended, means it is stopped already
    await this.endpoint.forkAudioStop(bugname).catch((err: unknown) => {
      if (!this.signal.aborted) this.log.debug({ bugname, err }, 'audio fork stop answered an error (stopped already)');
    });
  }
}

/** `p`, or nothing after END_STEP_WAIT_MS */
async function bounded(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_STEP_WAIT_MS);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

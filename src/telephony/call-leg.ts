import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { CallEndedError, unlessEnded, type AmdRun, type CollectOptions, type CustomerLeg, type Playing } from '../flows/call';
import { lossOf } from './loss-signals';

/** a lost server (frozen, or its connection gone) must not hold up a hang-up: each step waits this long at most */
const END_STEP_WAIT_MS = 3000;
import { answerForFreeswitch, plainOffer } from './sdp';
import { noSipEvents, type SipEvents } from './sip-events';

/** how a leg was set up, for what comes in within its dialog */
export interface CallLegOptions {
  /** SIP counters (re-INVITEs, UPDATEs, INFOs, REFERs refused) */
  events?: SipEvents;
  /**
   * audio sections of FreeSWITCH's own offer this leg's far end never saw (an outbound leg gets the plain RTP
   * section only, src/telephony/sdp.ts): its re-INVITEs are given to FreeSWITCH with those sections rejected
   * in front, and FreeSWITCH's answer goes back without them
   */
  rejectedBefore?: number;
}

/** a DTMF digit in a SIP INFO body: `Signal=5` (application/dtmf-relay) or the digit alone (application/dtmf) */
export function infoDigit(contentType: string, body: string): string | null | undefined {
  if (!/dtmf/i.test(contentType)) return undefined;
  const relay = /^\s*Signal\s*=\s*([0-9*#A-D])\s*$/im.exec(body)?.[1];
  if (relay) return relay.toUpperCase();
  if (/application\/dtmf\s*(;|$)/i.test(contentType) && /^\s*([0-9*#A-D])\s*$/i.test(body)) return body.trim().toUpperCase();
  return null;
}

/** the SDP without its o= line (and, `anyDirection`, without direction lines): what a refresh repeats */
const sameSession = (a: string, b: string, anyDirection = false): boolean => {
  const norm = (x: string) => {
    const y = x.replace(/^o=.*$/m, '').replace(/\r\n/g, '\n');
    return (anyDirection ? y.replace(/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/gm, '') : y).replace(/\n+/g, '\n').trim();
  };
  return norm(a) === norm(b);
};

/** our SDP answering a hold offer: recvonly (inactive to inactive) */
export function holdAnswer(local: string, offer: string): string {
  const dir = /^a=inactive\s*$/m.test(offer) ? 'inactive' : 'recvonly';
  const eol = local.includes('\r\n') ? '\r\n' : '\n';
  if (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.test(local)) return local.replace(/^a=(sendrecv|sendonly|recvonly|inactive)(\s*)$/gm, `a=${dir}$2`);
  return `${local.replace(/\s*$/, '')}${eol}a=${dir}${eol}`;
}

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
  /** bridged to another leg on FreeSWITCH (an agent): a hold then goes to FreeSWITCH, which plays hold music */
  private bridged = false;

  constructor(
    readonly dialog: Srf.Dialog,
    readonly endpoint: Mrf.Endpoint,
    readonly mediaServer: Mrf.MediaServer,
    private readonly log: Logger,
    private readonly amd?: AudioForkLike,
    options: CallLegOptions = {},
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
    const events = options.events ?? noSipEvents;
    // DTMF by SIP INFO reaches this dialog, not FreeSWITCH: hand it to the channel as if received in RTP
    dialog.on('info', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      const digit = infoDigit(req.get('Content-Type') ?? '', req.body ?? '');
      if (digit === null) {
        // a DTMF body we cannot read: say so, the call goes on
        events.refused('bad_dtmf_info');
        this.log.info({ body: String(req.body ?? '').slice(0, 60) }, 'SIP INFO with an unreadable DTMF body; 400');
        res.send(400, 'Bad DTMF Body', {});
        return;
      }
      res.send(200);
      if (digit === undefined) {
        events.dialog('info_other');
        return;
      }
      events.dialog('info_dtmf');
      this.log.info({ digit }, 'DTMF by SIP INFO');
      void this.endpoint.api('uuid_recv_dtmf', `${this.endpoint.uuid} ${digit}`).catch(() => undefined);
    });
    // a transfer asked by the far end: the service decides where its calls go, never the caller or the customer
    dialog.on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      events.refused('refer_from_peer');
      this.log.warn({ referTo: req.has('Refer-To') ? req.get('Refer-To') : undefined }, 'REFER from the far end refused');
      res.send(403, 'Transfer Not Allowed', {});
    });
    // re-INVITEs (hold, resume, new media address, session refresh) and UPDATEs with SDP go to FreeSWITCH, whose
    // answer goes back; a WebRTC leg relays its own (webrtc-leg.ts) and has its listener already
    if (dialog.listenerCount('modify') === 0) {
      let remoteSdp = dialog.remote?.sdp ?? '';
      let held = false;
      /** the far end's SDP before a hold we answered ourselves (FreeSWITCH was not told) */
      let heldHere: string | undefined;
      const relay = (req: Srf.SrfRequest, res: Srf.SrfResponse, method: 'INVITE' | 'UPDATE') => {
        const sdp = String(req.body ?? '');
        if (method === 'UPDATE') events.dialog('update');
        if (!sdp.trim()) {
          // UPDATE without SDP (a session timer), or a re-INVITE without an offer: what we have stands
          res.send(200, dialog.local.sdp && method === 'INVITE' ? { body: dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } } : {});
          if (method === 'INVITE') events.dialog('reinvite_refresh');
          return;
        }
        if (sameSession(sdp, remoteSdp)) {
          if (method === 'INVITE') events.dialog('reinvite_refresh');
          res.send(200, { body: dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
          return;
        }
        const hold = /^a=(sendonly|inactive)\s*$/m.test(sdp) || /^c=IN IP4 0\.0\.0\.0\s*$/m.test(sdp);
        // not bridged (IVR, AMD, "please hold"): the hold is answered here. FreeSWITCH 1.10.12, told of the hold
        // and then asked to uuid_bridge the channel, ran its dialplan again and dropped the call, leaving the
        // agent's channel behind in CS_RESET (seen in the e2e test). Resuming the same media is answered here too.
        if (method === 'INVITE' && hold && !this.bridged && !held) {
          heldHere = remoteSdp;
          remoteSdp = sdp;
          held = true;
          res.send(200, { body: holdAnswer(dialog.local.sdp, sdp), headers: { 'Content-Type': 'application/sdp' } });
          events.dialog('reinvite_hold');
          this.log.info({ method, hold, answeredBy: 'app' }, 'far end put the call on hold');
          return;
        }
        if (method === 'INVITE' && !hold && heldHere !== undefined && sameSession(sdp, heldHere, true)) {
          heldHere = undefined;
          remoteSdp = sdp;
          held = false;
          res.send(200, { body: dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
          events.dialog('reinvite_resume');
          this.log.info({ method, hold, answeredBy: 'app' }, 'far end took the call off hold');
          return;
        }
        heldHere = undefined;
        const before = options.rejectedBefore ?? 0;
        const toFs = before > 0 ? answerForFreeswitch(sdp, this.endpoint.local.sdp, before) : sdp;
        this.endpoint.modify(toFs).then(
          (answer) => {
            const back = before > 0 ? plainOffer(String(answer)).offer : String(answer);
            remoteSdp = sdp;
            dialog.local.sdp = back;
            res.send(200, { body: back, headers: { 'Content-Type': 'application/sdp' } });
            const kind = hold ? 'reinvite_hold' : held ? 'reinvite_resume' : 'reinvite_media';
            if (method === 'INVITE') events.dialog(kind);
            held = hold;
            this.log.info({ method, hold }, hold ? 'far end put the call on hold' : kind === 'reinvite_resume' ? 'far end took the call off hold' : 'far end changed the media (relayed to FreeSWITCH)');
          },
          (err: unknown) => {
            events.dialog('reinvite_failed');
            this.log.warn({ err, method }, 'FreeSWITCH refused the far end\'s new offer; 488, the call goes on as it was');
            res.send(488);
          },
        );
      };
      dialog.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => relay(req, res, 'INVITE'));
      dialog.on('update', (req: Srf.SrfRequest, res: Srf.SrfResponse) => relay(req, res, 'UPDATE'));
    }
  }

  /** bridged to another leg (or not any more): decides whether a hold goes to FreeSWITCH */
  setBridged(on: boolean): void {
    this.bridged = on;
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

import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { ListenInResult, ListeningLeg, SupervisionMode } from '../supervision/supervision';
import { FsCallLeg } from './call-leg';
import { placeOutboundLeg } from './outbound-leg';
import { isWebrtcContact, placeWebrtcLeg } from './webrtc-leg';

/** an agent's call in progress on FreeSWITCH: what a supervisor's eavesdrop needs */
export interface LiveAgentCall {
  /** the agent's contact the call went to (the queue knows it as the agent's uri or registration) */
  agentUri: string;
  /** the agent leg's SIP Call-ID and its FreeSWITCH channel */
  callId: string;
  agentUuid: string;
  customerCallId: string;
  mediaServer: Mrf.MediaServer;
  since: number;
}

/** the agents' bridged calls, added by FsAgentCalls.bridge and removed when the agent leg ends */
export class LiveAgentCalls {
  private readonly calls = new Map<string, LiveAgentCall>();

  add(call: LiveAgentCall, ended: AbortSignal): void {
    this.calls.set(call.callId, call);
    ended.addEventListener('abort', () => this.calls.delete(call.callId), { once: true });
  }

  list(): LiveAgentCall[] {
    return [...this.calls.values()];
  }

  get(callId: string): LiveAgentCall | undefined {
    return this.calls.get(callId);
  }
}

/**
 * FreeSWITCH's eavesdrop (mod_dptools, switch_ivr_eavesdrop_session) on the AGENT's channel. Its media bug
 * mixes the agent's read stream (what the agent says, which the bridge sends to the customer) and write
 * stream (what the agent hears) for the supervisor, and can mix the supervisor's voice into either:
 * ED_MUX_READ (variable eavesdrop_whisper_aleg, DTMF 1) into what goes to the customer, ED_MUX_WRITE
 * (eavesdrop_whisper_bleg, DTMF 2) into what the agent hears. DTMF 3 sets both, 0 clears both.
 */
export const EAVESDROP_VARIABLES: Readonly<Record<SupervisionMode, Record<string, string>>> = {
  listen: { eavesdrop_whisper_aleg: 'false', eavesdrop_whisper_bleg: 'false' },
  whisper: { eavesdrop_whisper_aleg: 'false', eavesdrop_whisper_bleg: 'true' },
  barge: { eavesdrop_whisper_aleg: 'true', eavesdrop_whisper_bleg: 'true' },
};

/** the eavesdrop control digit that puts a running eavesdrop in each mode (switch_ivr_async.c) */
export const EAVESDROP_DIGIT: Readonly<Record<SupervisionMode, '0' | '2' | '3'>> = { listen: '0', whisper: '2', barge: '3' };

const SUPERVISOR_RING_TIMEOUT_MS = 20_000;

/**
 * A supervisor joins an agent's call: a leg to their softphone (a browser gets WebRTC as agents do; a SIP
 * phone a plain 3pcc leg) with its media on the agent's FreeSWITCH, then `eavesdrop <agent uuid>` on it,
 * started in the mode by channel variables; the mode changes by the eavesdrop's own control digits, queued on
 * the supervisor's channel with uuid_recv_dtmf (the supervisor's phone sends none: the app alone switches).
 * The supervisor's leg ends when the eavesdrop ends (the agent's call is over) or either side hangs up.
 */
export class FsSupervisionCalls {
  constructor(
    private readonly srf: Srf,
    private readonly live: LiveAgentCalls,
    private readonly codecs: string[],
    private readonly logger: Logger,
  ) {}

  async listenIn(req: { sessionId: string; supervisorId: string; supervisorUri: string; callId: string; mode: SupervisionMode }): Promise<ListenInResult> {
    const call = this.live.get(req.callId);
    if (!call) return { kind: 'failed', detail: 'the agent call has ended' };
    const log = this.logger.child({ supervisionId: req.sessionId, supervisorId: req.supervisorId, callId: call.callId, customerCallId: call.customerCallId, leg: 'supervisor' });
    const end = new AbortController();
    const o = { uri: req.supervisorUri, headers: { 'X-Supervision-Id': req.sessionId, 'X-Supervised-Call-Id': call.callId }, ringTimeoutMs: SUPERVISOR_RING_TIMEOUT_MS, signal: end.signal };
    const r = isWebrtcContact(req.supervisorUri)
      ? await placeWebrtcLeg(this.srf, call.mediaServer, o, log.child({ webrtc: true }))
      : await placeOutboundLeg(this.srf, call.mediaServer, o, this.codecs);
    if (r.kind === 'failed') return { kind: 'failed', ...(r.sipStatus ? { sipStatus: r.sipStatus } : {}), detail: r.detail };
    const leg = new FsCallLeg(r.dialog, r.endpoint, call.mediaServer, log.child({ callId: r.dialog.sip.callId }));
    if (!this.live.get(call.callId)) {
      await leg.hangup();
      return { kind: 'failed', detail: 'the agent call ended as the supervisor answered' };
    }
    try {
      await r.endpoint.set({ eavesdrop_enable_dtmf: 'true', ...EAVESDROP_VARIABLES[req.mode] });
    } catch (err) {
      log.warn({ err }, 'could not set the eavesdrop variables');
      await leg.hangup();
      return { kind: 'failed', detail: 'FreeSWITCH refused the eavesdrop settings' };
    }
    // eavesdrop runs until the agent's channel goes (or the supervisor's): then the supervisor is hung up
    void r.endpoint
      .execute('eavesdrop', call.agentUuid)
      .catch((err: unknown) => log.warn({ err }, 'eavesdrop failed'))
      .finally(() => {
        if (!leg.signal.aborted) log.info('eavesdrop over (the agent call ended); hanging up the supervisor');
        void leg.hangup();
      });
    log.info({ mode: req.mode, agentUuid: call.agentUuid }, 'supervisor eavesdropping');
    const listening: ListeningLeg = {
      signal: leg.signal,
      setMode: async (mode) => {
        const res = await r.endpoint.api('uuid_recv_dtmf', `${r.endpoint.uuid} ${EAVESDROP_DIGIT[mode]}`);
        const body = res.getBody();
        if (!body.startsWith('+OK')) throw new Error(`uuid_recv_dtmf: ${body.trim()}`);
      },
      hangup: () => leg.hangup(),
    };
    return { kind: 'listening', leg: listening };
  }
}

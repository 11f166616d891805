import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { CallEndedError, unlessEnded, type AgentCallResult, type AgentCalls, type AgentLeg, type CallLeg, type ReferResult } from '../flows/call';
import { FsCallLeg } from './call-leg';
import { placeOutboundLeg } from './outbound-leg';
import { isWebrtcContact, placeWebrtcLeg } from './webrtc-leg';
import type { LiveAgentCalls } from './supervision-calls';
import { messageOf } from '../errors';
import type { DestinationPolicy } from './sip-access';
import { noSipEvents, type SipEvents } from './sip-events';

/**
 * Reaching agents. bridge: a new leg to the agent's URI with its media on the customer's FreeSWITCH, then
 * uuid_bridge of the two channels. refer: REFER of the customer's dialog to the agent URI, following the
 * NOTIFY sipfrag (RFC 3515) to a final status.
 */
export class FsAgentCalls implements AgentCalls {
  constructor(
    private readonly srf: Srf,
    private readonly codecs: string[],
    private readonly logger: Logger,
    private readonly from?: string,
    /** what a party hears while the other holds (FreeSWITCH's `hold_music`; its default needs mod_local_stream) */
    private readonly holdMusic?: string,
    /** where bridged calls are listed while they last (a supervisor's eavesdrop finds the agent's channel there) */
    private readonly live?: LiveAgentCalls,
    /** where agent calls and REFERs may go (telephony.access.agentHosts); none: anywhere (tests) */
    private readonly destinations?: DestinationPolicy,
    private readonly events: SipEvents = noSipEvents,
  ) {}

  /** the refusal when `agentUri` is not a destination the service may call or REFER a customer to */
  private refused(agentUri: string, what: string, callbackId: string | undefined): string | undefined {
    const v = this.destinations?.check(agentUri);
    if (!v || v.ok) return undefined;
    this.events.refused('agent_uri_not_allowed');
    this.logger.warn({ agentUri, callbackId, reason: v.reason }, `agent URI not allowed; no ${what}`);
    return `agent URI not allowed (${v.reason}); telephony.access.agentHosts`;
  }

  async bridge(customer: CallLeg, agentUri: string, ringTimeoutMs: number, signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult> {
    const r = await this.dial(customer, agentUri, ringTimeoutMs, signal, headers);
    if (r.kind === 'failed') return r;
    await this.join(customer, r.leg);
    return r;
  }

  async dial(near: CallLeg, agentUri: string, ringTimeoutMs: number, signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult> {
    const customer = fsLeg(near);
    const refusal = this.refused(agentUri, 'call', headers?.['X-Callback-Id']);
    if (refusal) return { kind: 'failed', sipStatus: 403, detail: refusal };
    const o = { uri: agentUri, headers: { ...headers, 'X-Customer-Call-Id': customer.callId }, ...(this.from ? { callingNumber: this.from } : {}), ringTimeoutMs, signal };
    // a browser softphone (contact over ws/wss) gets a late-offer INVITE and WebRTC media (webrtc-leg.ts)
    const r = isWebrtcContact(agentUri)
      ? await placeWebrtcLeg(this.srf, customer.mediaServer, o, this.logger.child({ customerCallId: customer.callId, callbackId: headers?.['X-Callback-Id'], leg: 'agent', webrtc: true }))
      : await placeOutboundLeg(this.srf, customer.mediaServer, o, this.codecs);
    if (r.kind === 'failed') return { kind: 'failed', ...(r.sipStatus ? { sipStatus: r.sipStatus } : {}), detail: r.detail };
    const leg = new FsCallLeg(r.dialog, r.endpoint, customer.mediaServer, this.logger.child({ callId: r.dialog.sip.callId, customerCallId: customer.callId, leg: 'agent' }), undefined, {
      events: this.events,
      ...(r.rejectedBefore ? { rejectedBefore: r.rejectedBefore } : {}),
    });
    if (customer.signal.aborted) {
      await leg.hangup();
      return { kind: 'failed', detail: 'customer hung up as the agent answered' };
    }
    // park_after_bridge: a bridge ended by one side's hang-up leaves the other parked (FreeSWITCH would else
    // hang it up or run on its dialplan); the flow decides what becomes of it (transfers, the end of the call)
    const vars: Record<string, string> = { park_after_bridge: 'true', ...(this.holdMusic ? { hold_music: this.holdMusic } : {}) };
    await Promise.all([customer.endpoint.set(vars), r.endpoint.set(vars)]).catch(() => undefined);
    this.live?.add({ agentUri, callId: leg.callId, agentUuid: r.endpoint.uuid, customerCallId: customer.callId, mediaServer: customer.mediaServer, since: Date.now() }, leg.signal);
    return { kind: 'answered', leg };
  }

  async join(a: CallLeg | AgentLeg, b: CallLeg | AgentLeg): Promise<void> {
    const [x, y] = [fsLeg(a), fsLeg(b)];
    await x.endpoint.bridge(y.endpoint);
    // bridged: a hold now goes to FreeSWITCH (hold music for the other side); before, the leg answers it itself
    x.setBridged(true);
    y.setBridged(true);
  }

  async split(leg: CallLeg | AgentLeg): Promise<void> {
    // uuid_transfer -both park: the other side of the bridge is parked too, not hung up
    fsLeg(leg).setBridged(false);
    await fsLeg(leg).endpoint.unbridge();
  }

  async refer(near: CallLeg, agentUri: string, timeoutMs: number, callLog?: Logger): Promise<ReferResult> {
    const customer = fsLeg(near);
    // a browser is reachable only through drachtio-server's WebSocket, never by the customer's side: bridge at once
    if (isWebrtcContact(agentUri)) return { kind: 'failed', detail: 'a WebRTC softphone cannot take a REFERred call; bridging' };
    const refusal = this.refused(agentUri, 'REFER', undefined);
    if (refusal) return { kind: 'failed', sipStatus: 403, detail: refusal };
    const dialog = customer.dialog;
    const log = callLog ? callLog.child({ agentUri }) : this.logger.child({ callId: customer.callId, agentUri });
    let settle!: (r: ReferResult) => void;
    const done = new Promise<ReferResult>((r) => (settle = r));
    const onNotify = (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
      res.send(200);
      const m = /^SIP\/2\.0\s+(\d{3})/m.exec(req.body ?? '');
      if (!m) return;
      const status = Number(m[1]);
      log.info({ sipfrag: status }, 'REFER progress');
      if (status >= 200 && status < 300) settle({ kind: 'transferred' });
      else if (status >= 300) settle({ kind: 'failed', sipStatus: status, detail: `transfer target answered ${status}` });
    };
    dialog.on('notify', onNotify);
    const timer = setTimeout(() => settle({ kind: 'failed', detail: `no final NOTIFY within ${timeoutMs} ms` }), timeoutMs);
    try {
      const res = await dialog.request({ method: 'REFER', headers: { 'Refer-To': `<${agentUri}>`, 'Referred-By': `<${dialog.local.uri}>` } } as unknown as Srf.SrfRequest);
      if (res.status !== 202 && res.status !== 200) return { kind: 'failed', sipStatus: res.status, detail: `REFER answered ${res.status}` };
      log.info('REFER accepted; waiting for the NOTIFY');
      return await unlessEnded(done, customer.signal);
    } catch (err) {
      if (err instanceof CallEndedError) return { kind: 'failed', detail: 'customer hung up during the transfer' };
      return { kind: 'failed', detail: messageOf(err) };
    } finally {
      clearTimeout(timer);
      dialog.removeListener('notify', onNotify);
    }
  }
}

function fsLeg(leg: CallLeg | AgentLeg): FsCallLeg {
  if (!(leg instanceof FsCallLeg)) throw new Error('agent calls need FreeSWITCH call legs');
  return leg;
}

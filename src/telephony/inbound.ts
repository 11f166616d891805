import { randomUUID } from 'node:crypto';
import type Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { IvrDeps } from '../flows/ivr-offer';
import { runInboundCall } from '../flows/inbound-call';
import { FsCallLeg } from './call-leg';
import { preferCodecs } from './sdp';
import type { TelephonyConfig } from './config';
import type { MediaServerPool } from './media-servers';
import { checkOffer } from './sip-checks';
import { noSipEvents, type SipEvents } from './sip-events';
import type { RequestFacts, SipGuard } from './sip-guard';

/** the IVR's dependencies for one service (prompts and threshold are per service) */
export type IvrDepsFor = (serviceName: string) => IvrDeps;

/** what the guard looks at, from drachtio-srf's request */
export function requestFacts(req: Srf.SrfRequest): RequestFacts {
  const raw = (req as unknown as { raw?: string }).raw;
  return {
    source: req.source_address,
    port: req.source_port,
    protocol: String(req.protocol ?? '').toLowerCase(),
    size: raw ? Buffer.byteLength(raw) : Buffer.byteLength(req.body ?? ''),
    ...(req.has('Authorization') ? { authorization: req.get('Authorization') } : {}),
  };
}

const warning = (text: string): Record<string, string> => ({ Warning: `399 callback-service "${text.replace(/"/g, "'").slice(0, 120)}"` });

/** how long a caller refused for lack of capacity (no media server, media refused, too many calls) waits before trying again */
export const BUSY_RETRY_AFTER_SEC = 5;
const busy = (text: string): Record<string, string> => ({ 'Retry-After': String(BUSY_RETRY_AFTER_SEC), ...warning(text) });

/**
 * Inbound INVITEs. First the guard (src/telephony/sip-guard.ts: rate limit, agents' softphones, trunks or
 * digest, size), then the called number picks the DID route (service + target; unknown: 404), the offer must
 * be one we take (no SDP, malformed SDP, no codec of ours: 488), this instance must hold fewer than
 * `limits.maxInboundCalls` calls and a media server must be up and make the endpoint (else 503 with Retry-After:
 * back-pressure, the trunk tries again or elsewhere, nobody is answered into a call we cannot carry). The
 * answered call runs `runInboundCall` (a USERORIGINATED callback of that service for the caller's number,
 * else the IVR offer). Every refusal is logged and counted by kind.
 */
export function handleInbound(
  srf: Srf,
  media: MediaServerPool,
  config: TelephonyConfig,
  depsFor: IvrDepsFor,
  logger: Logger,
  active: Set<Promise<unknown>>,
  guard?: SipGuard,
  events: SipEvents = noSipEvents,
): void {
  srf.invite((req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const callId = req.get('Call-ID');
    const dnis = req.calledNumber;
    const ani = paiUser(req) ?? req.callingNumber;
    const log = logger.child({ callId, dnis, ani });
    // a CANCEL can arrive at any point before the 200 OK
    let cancelled = false;
    req.on('cancel', () => (cancelled = true));
    if (guard) {
      const facts = requestFacts(req);
      const v = guard.invite(facts);
      if (!v.ok) {
        if (v.kind) events.refused(v.kind);
        if (v.status !== 401) log.info({ source: facts.source, port: facts.port, protocol: facts.protocol, status: v.status, kind: v.kind, why: v.why }, 'INVITE refused');
        if (v.reasonPhrase) res.send(v.status, v.reasonPhrase, { headers: v.headers ?? {} });
        else res.send(v.status, { headers: v.headers ?? {} });
        return;
      }
    }
    const route = config.dids[dnis] ?? config.dids[dnis.replace(/^\+/, '')] ?? config.dids[`+${dnis}`];
    if (!route) {
      log.info('no DID route for the called number; 404');
      events.refused('unknown_did');
      res.send(404);
      return;
    }
    const offer = checkOffer(req.get('Content-Type') || undefined, req.body, config.trunk.codecs, config.trunk.srtp === 'required' ? 'srtp' : 'rtp');
    if (!offer.ok) {
      log.info({ kind: offer.kind, detail: offer.detail }, 'offer not acceptable; 488');
      events.refused(offer.kind);
      res.send(488, { headers: warning(offer.detail) });
      return;
    }
    if (active.size >= config.limits.maxInboundCalls) {
      log.warn({ calls: active.size, max: config.limits.maxInboundCalls }, 'at the inbound call limit; 503');
      events.refused('over_capacity');
      res.send(503, { headers: busy('at capacity') });
      return;
    }
    const ms = media.pick();
    if (!ms) {
      log.warn('no media server up; 503');
      events.refused('no_media_server');
      res.send(503, { headers: busy('no media server') });
      return;
    }
    const run = (async () => {
      const startedAt = Date.now();
      let leg: FsCallLeg;
      let endpoint: Mrf.Endpoint | undefined;
      try {
        // drachtio-fsmrf's connectCaller, but the endpoint is destroyed when the caller cancels or the 200 fails
        // (connectCaller leaves the FreeSWITCH channel behind then); the caller's offer with our codecs first
        endpoint = await ms.createEndpoint({ remoteSdp: preferCodecs(req.body, config.trunk.codecs) });
        if (cancelled) throw new CancelledError();
        const dialog = await srf.createUAS(req, res, { localSdp: endpoint.local.sdp });
        leg = new FsCallLeg(dialog, endpoint, ms, log, undefined, { events });
      } catch (err) {
        await endpoint?.destroy().catch(() => undefined);
        if (cancelled || err instanceof CancelledError || (err as { status?: number }).status === 487) {
          log.info('caller cancelled before the answer');
          events.dialog('cancelled_before_answer');
          return;
        }
        if (!endpoint) {
          // the media server refused the endpoint (FreeSWITCH's max-sessions or sessions-per-second, no RTP port)
          log.warn({ err }, 'the media server refused the call; 503');
          events.refused('media_refused');
          if (!res.finalResponseSent) res.send(503, { headers: busy('media server busy') });
          return;
        }
        log.warn({ err }, 'could not answer the call');
        if (!res.finalResponseSent) res.send(500);
        return;
      }
      const interactionId = randomUUID();
      const ilog = log.child({ interactionId });
      ilog.info({ didService: route.service }, 'call answered');
      await runInboundCall(leg, { interactionId, ...(ani ? { ani } : {}), dnis, startedAt }, route, depsFor, config.ivr.defaultRegion, ilog);
    })().catch((err: unknown) => log.error({ err }, 'inbound call failed'));
    active.add(run);
    void run.finally(() => active.delete(run));
  });
}

/**
 * An INFO outside any dialog of ours (a dialog that ended, or never was: scanners probe with in-dialog
 * requests): 481, counted. Without a handler drachtio-server answers it 503, as if the service were down.
 * In-dialog INFOs of live calls never get here (drachtio-srf hands them to their dialog first); BYE and
 * other requests for unknown dialogs drachtio-server answers 481 itself.
 */
export function handleStrayRequests(srf: Srf, logger: Logger, events: SipEvents = noSipEvents): void {
  (srf as unknown as { info(fn: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void }).info((req, res) => {
    events.refused('unknown_dialog');
    logger.info({ callId: req.get('Call-ID'), source: req.source_address, method: 'INFO' }, 'request for no dialog of ours; 481');
    res.send(481);
  });
}

class CancelledError extends Error {
  constructor() {
    super('caller cancelled');
  }
}

function paiUser(req: Srf.SrfRequest): string | undefined {
  if (!req.has('P-Asserted-Identity')) return undefined;
  const m = /sips?:([^@;>]+)/.exec(req.get('P-Asserted-Identity'));
  return m?.[1];
}

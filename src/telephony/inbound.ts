import { randomUUID } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { IvrDeps } from '../flows/ivr-offer';
import { runInboundCall } from '../flows/inbound-call';
import { FsCallLeg } from './call-leg';
import { preferCodecs } from './sdp';
import type { TelephonyConfig } from './config';
import type { MediaServerPool } from './media-servers';

/** the IVR's dependencies for one service (prompts and threshold are per service) */
export type IvrDepsFor = (serviceName: string) => IvrDeps;

/**
 * Inbound INVITEs: the called number picks the DID route (service + target); the answered call runs
 * `runInboundCall` (a USERORIGINATED callback of that service for the caller's number, else the IVR offer).
 * Unknown numbers get 404, no media server 503.
 */
export function handleInbound(srf: Srf, media: MediaServerPool, config: TelephonyConfig, depsFor: IvrDepsFor, logger: Logger, active: Set<Promise<unknown>>): void {
  srf.invite((req: Srf.SrfRequest, res: Srf.SrfResponse) => {
    const callId = req.get('Call-ID');
    const dnis = req.calledNumber;
    const ani = paiUser(req) ?? req.callingNumber;
    const log = logger.child({ callId, dnis, ani });
    const route = config.dids[dnis] ?? config.dids[dnis.replace(/^\+/, '')] ?? config.dids[`+${dnis}`];
    if (!route) {
      log.info('no DID route for the called number; 404');
      res.send(404);
      return;
    }
    const ms = media.pick();
    if (!ms) {
      log.warn('no media server up; 503');
      res.send(503);
      return;
    }
    const run = (async () => {
      const startedAt = Date.now();
      let leg: FsCallLeg;
      try {
        // the caller's offer with our codecs first (fsmrf's `codecs` option would also cost a `set codec_string` per call)
        const { endpoint, dialog } = await ms.connectCaller(req, res, { remoteSdp: preferCodecs(req.body, config.trunk.codecs) });
        leg = new FsCallLeg(dialog, endpoint, ms, log);
      } catch (err) {
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

function paiUser(req: Srf.SrfRequest): string | undefined {
  if (!req.has('P-Asserted-Identity')) return undefined;
  const m = /sips?:([^@;>]+)/.exec(req.get('P-Asserted-Identity'));
  return m?.[1];
}

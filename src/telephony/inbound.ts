import { randomUUID } from 'node:crypto';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { runIvrOffer, type IvrDeps } from '../flows/ivr-offer';
import { findUserOriginated, runUserOriginated } from '../flows/user-originated';
import { FsCallLeg } from './call-leg';
import { preferCodecs } from './sdp';
import type { TelephonyConfig } from './config';
import type { MediaServerPool } from './media-servers';

/** the IVR's dependencies for one service (prompts and threshold are per service) */
export type IvrDepsFor = (serviceName: string) => IvrDeps;

/**
 * Inbound INVITEs: the called number picks the DID route (service + target); a caller whose number matches
 * an active USERORIGINATED callback is connected with the callback's place in line; everyone else hears the
 * IVR offer. Unknown numbers get 404, no media server 503.
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
      const deps = depsFor(route.service);
      const ilog = log.child({ interactionId });
      ilog.info({ didService: route.service }, 'call answered');
      const match = await findUserOriginated(deps.callbacks, ani, dnis, config.ivr.defaultRegion, ilog);
      if (match) {
        // the callback's service, not the DID's, names this call from here, and connects it (its _connect_mode)
        const ucDeps = match.serviceName === route.service ? deps : { ...deps, connectMode: depsFor(match.serviceName).connectMode };
        await runUserOriginated(leg, match, { interactionId, ...(ani ? { ani } : {}), dnis, startedAt }, ucDeps, ilog.child({ service: match.serviceName, callbackId: match.callbackId }));
        return;
      }
      await runIvrOffer(leg, { interactionId, serviceName: route.service, target: route.target, ...(ani ? { ani } : {}), dnis, startedAt }, deps, ilog.child({ service: route.service }));
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

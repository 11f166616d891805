import type { Logger } from 'pino';
import type { InteractionRecord } from '../ports/callbacks';
import type { CallLeg } from './call';
import { runIvrOffer, type IvrDeps } from './ivr-offer';
import { findUserOriginated, runUserOriginated } from './user-originated';

/** where a dialed number (DID) sends its calls */
export interface DidRoute {
  service: string;
  target: string;
}

export interface InboundCallInfo {
  interactionId: string;
  ani?: string;
  /** the dialed number */
  dnis: string;
  startedAt: number;
}

/**
 * An answered inbound call, whatever carried it: a caller whose number has an active USERORIGINATED
 * callback of the service this number (DID) routes to is connected with the callback's place in line;
 * everyone else hears the DID's IVR offer. Caller number AND dialed number: the same customer calling
 * another service's number is that service's caller.
 */
export async function runInboundCall(
  leg: CallLeg,
  call: InboundCallInfo,
  route: DidRoute,
  depsFor: (serviceName: string) => IvrDeps,
  region: string,
  log: Logger,
): Promise<InteractionRecord> {
  const deps = depsFor(route.service);
  const info = { interactionId: call.interactionId, ...(call.ani ? { ani: call.ani } : {}), dnis: call.dnis, startedAt: call.startedAt };
  const match = await findUserOriginated(deps.callbacks, call.ani, { number: call.dnis, service: route.service }, region, log);
  if (match) return runUserOriginated(leg, match, info, deps, log.child({ service: match.serviceName, callbackId: match.callbackId }));
  return runIvrOffer(leg, { ...info, serviceName: route.service, target: route.target }, deps, log.child({ service: route.service }));
}

import type { Logger } from 'pino';
import type { CallbackRequester, InteractionRecord, InteractionRecorder, UserOriginatedMatch } from '../ports/callbacks';
import type { ConnectMode } from '../ports/dialer';
import { faultEnding, type CallLeg } from './call';
import { normaliseCallerId } from './caller-id';
import { connectToAgent, reserveWithMusic, type ConnectAgentDeps } from './connect-agent';
import type { ResolvedPrompts } from './prompts';
import { recordInteraction, type InboundCall } from './interaction';

/**
 * USERORIGINATED services: the customer calls the service's access number (its DID) when told to. The
 * caller ID, normalised like the REST API normalises `_customer_number`, finds the active callback of the
 * service the dialed number routes to; null → the normal IVR.
 */
export async function findUserOriginated(
  callbacks: CallbackRequester,
  ani: string | undefined,
  dialed: { number: string; service: string },
  region: string,
  log: Logger,
): Promise<UserOriginatedMatch | null> {
  if (!callbacks.findUserOriginatedCallback) return null;
  const number = normaliseCallerId(ani, region);
  if (!number) return null;
  try {
    return await callbacks.findUserOriginatedCallback(number, dialed);
  } catch (err) {
    log.warn({ err }, 'user-originated lookup failed; normal IVR');
    return null;
  }
}

export interface UserOriginatedDeps extends ConnectAgentDeps {
  callbacks: CallbackRequester;
  interactions: InteractionRecorder;
  prompts: ResolvedPrompts;
  connectMode: ConnectMode;
}

/** the matched caller keeps the callback's place in line and is connected; the callback completes with the outcome */
export async function runUserOriginated(
  call: CallLeg,
  match: UserOriginatedMatch,
  info: InboundCall,
  deps: UserOriginatedDeps,
  log: Logger,
): Promise<InteractionRecord> {
  const contactId = info.interactionId;
  const contact = { contactId, kind: 'callback', target: match.target, enqueuedAt: match.enqueuedAt } as const;
  let outcome: 'CONNECTED_TO_AGENT' | 'CUSTOMER_HANGUP' | 'FAILED' = 'FAILED';
  let agentId: string | undefined;
  try {
    deps.queue.enqueue(contact);
    log.info({ target: match.target }, 'user-originated callback matched by caller ID');
    await call.play([deps.prompts.pleaseHold]);
    const reservation = await reserveWithMusic(call, contactId, deps, log);
    if (reservation === 'ended') outcome = 'CUSTOMER_HANGUP';
    else if (reservation) {
      // the agent's phone rings with the callback this call is for
      const headers: Record<string, string> = { 'X-Callback-Id': match.callbackId, ...(info.ani ? { 'X-Customer-Number': info.ani } : {}) };
      const done = await connectToAgent(call, contact, reservation, deps.connectMode, deps, log, headers);
      outcome = done.outcome === 'CONNECTED_TO_AGENT' ? 'CONNECTED_TO_AGENT' : done.outcome === 'CUSTOMER_HANGUP' ? 'CUSTOMER_HANGUP' : 'FAILED';
      if (done.outcome === 'CONNECTED_TO_AGENT') agentId = done.agentId;
    } else deps.queue.remove(contactId);
  } catch (err) {
    deps.queue.remove(contactId);
    outcome = call.signal.aborted ? 'CUSTOMER_HANGUP' : 'FAILED';
    if (outcome === 'FAILED') log.error({ err }, 'user-originated flow failed');
  }
  if (outcome === 'CUSTOMER_HANGUP' && faultEnding(call)) outcome = 'FAILED'; // our media or signaling was lost, not the customer
  if (!call.signal.aborted) await call.hangup().catch(() => undefined);
  await deps.callbacks.completeUserOriginatedCallback?.(match.callbackId, outcome, info.interactionId).catch((err: unknown) =>
    log.error({ err }, 'could not complete the user-originated callback'),
  );
  return recordInteraction(
    call.callId,
    info,
    {
      serviceName: match.serviceName,
      target: match.target,
      outcome: outcome === 'CONNECTED_TO_AGENT' ? 'CONNECTED_TO_AGENT' : outcome === 'CUSTOMER_HANGUP' ? 'ABANDONED_IN_QUEUE' : 'FAILED',
      attached: { _CB_ID: match.callbackId, ...(agentId ? { agentId } : {}) },
      endedAt: deps.clock.now(),
    },
    deps.interactions,
    log,
  );
}

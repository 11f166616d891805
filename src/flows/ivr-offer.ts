import type { Logger } from 'pino';
import { CallbackRequestError, type CallbackRequester, type InteractionOutcome, type InteractionRecord, type InteractionRecorder } from '../ports/callbacks';
import type { ConnectMode } from '../ports/dialer';
import type { EwtMethod, QueuePort } from '../ports/queue';
import { faultEnding, type CallLeg } from './call';
import { normaliseCallerId } from './caller-id';
import { connectToAgent, reserveWithMusic, type ConnectAgentDeps, type ConnectModeFrom } from './connect-agent';
import { digitPrompts, slotTimePrompts, waitPrompts, type ResolvedPrompts } from './prompts';
import { recordInteraction, type InboundCall } from './interaction';
import { ewtCallsForOffer } from '../callback/offer-decision';

/** the BYE's Reason header when the caller leaves because a callback was accepted (RFC 3326) */
export const CALLBACK_REASON = 'SIP;cause=200;text="Callback"';

export interface IvrSettings {
  /** an estimated wait of more than this many seconds: the callback is offered (at equal, the caller waits) */
  ewtThresholdSec: number;
  /** where `ewtThresholdSec` came from, for the log (e.g. `_ewt_threshold`, `telephony.ivr.ewtThresholdSec`) */
  ewtThresholdFrom?: string;
  /** the service's EWT method (`_ewt_method`); unset: the target's own */
  ewtMethod?: EwtMethod;
  /** reprompts after no input / wrong input before the safe default (keep waiting) */
  maxRetries: number;
  /** wait for the first digit */
  inputTimeoutMs: number;
  /** wait between digits */
  digitTimeoutMs: number;
  /** longest a caller waits in queue before the IVR gives up (0 = until the caller hangs up) */
  maxQueueWaitSec: number;
  /** region used to read keyed-in national numbers (ISO 3166 alpha-2) */
  defaultRegion: string;
  /** after the number: offer "1 = as soon as possible, 2 = the next open time slot" (the service must allow scheduling) */
  offerSlot?: boolean;
}

export interface IvrCall extends InboundCall {
  serviceName: string;
  target: string;
}

export interface IvrDeps extends ConnectAgentDeps {
  queue: QueuePort;
  callbacks: CallbackRequester;
  interactions: InteractionRecorder;
  prompts: ResolvedPrompts;
  ivr: IvrSettings;
  /** how a queued caller is connected to the agent: the service's `_connect_mode`, else telephony.connect.mode (connectModeOf) */
  connectMode: ConnectMode;
  /** where `connectMode` came from, for the log */
  connectModeFrom?: ConnectModeFrom;
  /** the target's own EWT method, only to name it in the log when the service sets none */
  targetEwtMethod?: (target: string) => EwtMethod | undefined;
}

type Step = { outcome: InteractionOutcome; attached?: Record<string, string | number>; hangupReason?: string };

/**
 * The inbound "IVR classic callback" flow, as the caller hears it:
 *   EWT → greeting → at or below the threshold: wait in queue with music, connect when an agent is reserved;
 *   above: "your wait is about N minutes", 1 = call me back, 2 = keep waiting → number (caller ID read
 *   back, or keyed in ending with #) → callback requested through the REST API's code path →
 *   "thank you", goodbye, BYE with Reason Callback.
 * No input or wrong input: reprompt, then the safe default (keep waiting). A hang-up anywhere (the leg's
 * `signal`) ends the flow;
 * every call is recorded exactly once with its outcome.
 */
export async function runIvrOffer(call: CallLeg, info: IvrCall, deps: IvrDeps, log: Logger): Promise<InteractionRecord> {
  let stage: 'ivr' | 'queue' = 'ivr';
  let step: Step;
  try {
    const method = deps.ivr.ewtMethod;
    const ewt = deps.queue.estimatedWaitSeconds(info.target, method);
    const threshold = deps.ivr.ewtThresholdSec;
    log.info(
      {
        ewtSec: ewt,
        ewtMethod: method ?? deps.targetEwtMethod?.(info.target) ?? 'target default',
        ewtMethodFrom: method ? '_ewt_method' : 'target',
        thresholdSec: threshold,
        ...(deps.ivr.ewtThresholdFrom ? { thresholdFrom: deps.ivr.ewtThresholdFrom } : {}),
      },
      'estimated wait',
    );
    if (!ewtCallsForOffer(ewt, threshold)) {
      await call.play([deps.prompts.greeting]);
      stage = 'queue';
      step = await waitInQueue(call, info, deps, log);
    } else {
      // greeting and "the estimated hold time is N minutes" in one breath (one playback on the media server)
      await call.play([deps.prompts.greeting, ...waitPrompts(deps.prompts, ewt)]);
      const choice = await offerCallback(call, deps, log);
      if (choice === 'callback') {
        step = await takeCallback(call, info, deps, log);
        if (step.outcome !== 'CALLBACK') {
          stage = 'queue';
          step = await waitInQueue(call, info, deps, log);
        }
      } else {
        stage = 'queue';
        step = await waitInQueue(call, info, deps, log);
      }
    }
  } catch (err) {
    if (!call.signal.aborted) {
      log.error({ err }, 'IVR flow failed');
      step = { outcome: 'FAILED' };
    } else if (faultEnding(call)) {
      log.warn({ stage, reason: faultEnding(call)!.endReason }, 'call ended by a failure');
      step = { outcome: 'FAILED' };
    } else {
      log.info({ stage }, 'caller hung up');
      step = { outcome: stage === 'queue' ? 'ABANDONED_IN_QUEUE' : 'HUNG_UP_IN_IVR' };
    }
  }
  if (!call.signal.aborted) await call.hangup(step.hangupReason).catch(() => undefined);
  return recordInteraction(
    call.callId,
    info,
    { serviceName: info.serviceName, target: info.target, outcome: step.outcome, attached: step.attached ?? {}, endedAt: deps.clock.now() },
    deps.interactions,
    log,
  );
}

/** after the wait was announced: 1 (call me back) / 2 (keep waiting); no or wrong input: reprompt, then keep waiting */
async function offerCallback(call: CallLeg, deps: IvrDeps, log: Logger): Promise<'callback' | 'wait'> {
  for (let i = 0; i <= deps.ivr.maxRetries; i++) {
    const d = await call.collect({ prompts: [deps.prompts.offerCallback], maxDigits: 1, timeoutMs: deps.ivr.inputTimeoutMs, digitTimeoutMs: deps.ivr.digitTimeoutMs });
    log.info({ digits: d, try: i + 1 }, 'offer answered');
    if (d === '1') return 'callback';
    if (d === '2') return 'wait';
    if (d !== '') await call.play([deps.prompts.invalid]);
  }
  log.info('no valid answer to the offer; keeps waiting');
  return 'wait';
}

/** the number to call back: caller ID read back (1 = yes, 2 = another), or keyed in ending with # */
async function takeCallback(call: CallLeg, info: IvrCall, deps: IvrDeps, log: Logger): Promise<Step> {
  const callerId = normaliseCallerId(info.ani, deps.ivr.defaultRegion);
  let useKeyed = !callerId;
  if (callerId) {
    let answer: '1' | '2' | null = null;
    for (let i = 0; i <= deps.ivr.maxRetries && !answer; i++) {
      const d = await call.collect({
        prompts: [deps.prompts.confirmNumber, ...digitPrompts(deps.prompts.digitsDir, callerId), deps.prompts.ifCorrectPress],
        maxDigits: 1,
        timeoutMs: deps.ivr.inputTimeoutMs,
        digitTimeoutMs: deps.ivr.digitTimeoutMs,
      });
      if (d === '1' || d === '2') answer = d;
      else if (d !== '') await call.play([deps.prompts.invalid]);
    }
    if (!answer) return { outcome: 'FAILED' }; // no confirmation: keep waiting
    useKeyed = answer === '2';
  }
  let desired: string | undefined;
  for (let i = 0; i <= deps.ivr.maxRetries; i++) {
    let number = callerId;
    if (useKeyed) {
      const keyed = await call.collect({ prompts: [deps.prompts.enterNumber], maxDigits: 20, timeoutMs: deps.ivr.inputTimeoutMs, digitTimeoutMs: deps.ivr.digitTimeoutMs, terminator: '#' });
      if (keyed === '') continue;
      number = normaliseCallerId(keyed, deps.ivr.defaultRegion) ?? keyed;
    }
    if (!number) continue;
    desired ??= await chooseSlot(call, info, deps, log);
    // a caller who hung up before this point created nothing
    call.signal.throwIfAborted();
    try {
      const params: Record<string, string> = { _customer_number: number, _originating_interaction_id: info.interactionId };
      if (desired !== 'asap') params._desired_time = desired;
      const res = await deps.callbacks.startCallback(info.serviceName, params, 'ivr', { ownInteraction: true });
      log.info({ callbackId: res.id, existing: res.existing, desiredTime: desired }, 'callback requested from the IVR');
      await call.play([deps.prompts.callbackAccepted, deps.prompts.goodbye]).catch(() => undefined);
      return { outcome: 'CALLBACK', attached: { ...res.reporting, _CB_ID: res.id }, hangupReason: CALLBACK_REASON };
    } catch (err) {
      if (desired !== 'asap' && err instanceof CallbackRequestError && (err.code === 'SLOT_FULL' || err.parameter === '_desired_time')) {
        // the slot filled up meanwhile, or the service takes no scheduled callbacks: as soon as possible instead
        log.info({ reason: err.message }, 'time slot refused; requesting as soon as possible');
        desired = 'asap';
        i--;
        continue;
      }
      if (err instanceof CallbackRequestError && (err.code === 'NUMBER_REFUSED' || err.code === 'INVALID') && err.parameter === '_customer_number') {
        log.info({ reason: err.message }, 'number refused; asking again');
        await call.play([deps.prompts.invalid]);
        useKeyed = true;
        continue;
      }
      log.warn({ err }, 'callback request refused; caller keeps waiting');
      await call.play([deps.prompts.callbackFailed]);
      return { outcome: 'FAILED' };
    }
  }
  return { outcome: 'FAILED' };
}

/**
 * When the service offers slots: "as soon as possible, press 1; for the next time available, <today at 2 30
 * p m>, press 2". The first open slot comes from the same availability the REST API answers. No open slot,
 * no offer, no or wrong input after the retries: as soon as possible (the safe default).
 */
async function chooseSlot(call: CallLeg, info: IvrCall, deps: IvrDeps, log: Logger): Promise<string> {
  if (!deps.ivr.offerSlot || !deps.callbacks.availability) return 'asap';
  let slot: string | undefined;
  let timezone = 'UTC';
  try {
    const a = await deps.callbacks.availability(info.serviceName, { maxSlots: 1 });
    slot = Object.keys(a.slots)[0];
    timezone = a.timezone;
  } catch (err) {
    log.warn({ err }, 'availability unknown; no slot offered');
  }
  if (!slot) return 'asap';
  const prompts = [deps.prompts.slotOffer, ...slotTimePrompts(deps.prompts.digitsDir, Date.parse(slot), deps.clock.now(), timezone), deps.prompts.slotPressTwo];
  for (let i = 0; i <= deps.ivr.maxRetries; i++) {
    const d = await call.collect({ prompts, maxDigits: 1, timeoutMs: deps.ivr.inputTimeoutMs, digitTimeoutMs: deps.ivr.digitTimeoutMs });
    log.info({ digits: d, slot, try: i + 1 }, 'slot offer answered');
    if (d === '1') return 'asap';
    if (d === '2') return slot;
    if (d !== '') await call.play([deps.prompts.invalid]);
  }
  return 'asap';
}

/** the caller waits in line with hold music; an agent reserved → connected */
async function waitInQueue(call: CallLeg, info: IvrCall, deps: IvrDeps, log: Logger): Promise<Step> {
  const contactId = info.interactionId;
  const contact = { contactId, kind: 'caller', target: info.target, enqueuedAt: info.startedAt } as const;
  deps.queue.enqueue(contact);
  log.info({ connectMode: deps.connectMode, ...(deps.connectModeFrom ? { connectModeFrom: deps.connectModeFrom } : {}) }, 'caller waits in queue');
  const limitMs = deps.ivr.maxQueueWaitSec > 0 ? deps.ivr.maxQueueWaitSec * 1000 : 24 * 3600 * 1000;
  const reservation = await reserveWithMusic(call, contactId, deps, log, limitMs);
  if (reservation === 'ended') return { outcome: faultEnding(call) ? 'FAILED' : 'ABANDONED_IN_QUEUE' };
  if (!reservation) {
    deps.queue.remove(contactId);
    await call.play([deps.prompts.callbackFailed, deps.prompts.goodbye]).catch(() => undefined);
    return { outcome: 'FAILED' };
  }
  // the agent's phone shows who is calling
  const done = await connectToAgent(call, contact, reservation, deps.connectMode, deps, log, info.ani ? { 'X-Customer-Number': info.ani } : undefined);
  if (done.outcome === 'CONNECTED_TO_AGENT') return { outcome: 'CONNECTED_TO_AGENT', attached: { agentId: done.agentId } };
  if (done.outcome === 'CUSTOMER_HANGUP') return { outcome: faultEnding(call) ? 'FAILED' : 'ABANDONED_IN_QUEUE' };
  return { outcome: 'FAILED' };
}

import type { Logger } from 'pino';
import type { ConnectMode } from '../ports/dialer';
import type { QueuePort, QueuedContact, ReservationHandle } from '../ports/queue';
import type { AgentCallResult, AgentCalls, CallLeg } from './call';
import { talk } from './agent-talk';
import type { TransferDesk, TransferRecord } from './transfer';
import type { Clock } from '../time';

export interface ConnectAgentDeps {
  queue: QueuePort;
  agents: AgentCalls;
  clock: Clock;
  settings: { agentRingTimeoutSec: number; maxAgentAttempts: number; reserveTimeoutSec: number; referTimeoutMs: number };
  /** what the customer hears while the next agent is reserved */
  holdPrompt: string;
  holdMusic: string;
  /** the service's wrap-up time for the agent after this call; unset: the target's afterCallWorkSec */
  afterCallWorkSec?: number;
  /** where agents' transfer requests find their calls; without it calls cannot be transferred */
  transfers?: TransferDesk;
}

/** where a call's connect mode came from, for the logs */
export type ConnectModeFrom = '_connect_mode' | 'telephony.connect.mode';

/**
 * The connect mode of one call, the same rule for the IVR's callers and for callbacks: the service's
 * `_connect_mode` when it sets one, else `telephony.connect.mode`. (Whatever the mode, a browser (WebRTC)
 * agent is bridged: `AgentCalls.refer` declines a ws/wss contact and connectToAgent falls back to bridge.)
 */
export function connectModeOf(serviceMode: ConnectMode | undefined, telephonyMode: ConnectMode): { connectMode: ConnectMode; connectModeFrom: ConnectModeFrom } {
  return serviceMode ? { connectMode: serviceMode, connectModeFrom: '_connect_mode' } : { connectMode: telephonyMode, connectModeFrom: 'telephony.connect.mode' };
}

export type ConnectOutcome =
  | {
      outcome: 'CONNECTED_TO_AGENT';
      /** the last agent who talked to the customer (after a transfer, the one it went to) */
      agentId: string;
      connectedAt: number;
      endedAt: number;
      endedBy: 'customer' | 'agent' | 'transfer';
      /** the call's transfers, in order (none: empty) */
      transfers: TransferRecord[];
    }
  | { outcome: 'AGENT_UNAVAILABLE'; detail: string }
  | { outcome: 'CUSTOMER_HANGUP'; detail: string };

/**
 * Connect a customer leg (inbound caller or answered callback) to a reserved agent:
 *   1. with a reservation in hand (or after reserving one while the customer hears hold music),
 *   2. call the agent — bridge: a new leg bridged on FreeSWITCH; refer: REFER of the customer's dialog,
 *      falling back to bridge when the transfer fails,
 *   3. agent does not answer or rejects: release the agent, reserve the next one, try again,
 *   4. once talking (`talk()`, agent-talk.ts): either side hangs up → both legs end, the agent is freed
 *      (callEnded); the agent may transfer the call: a blind transfer brings the flow back to 1/2 for the
 *      next agent (the customer hears hold music while they ring; not answering puts the customer back in
 *      the line, at their place), a consultation ends inside `talk()`.
 * It owns the reservations (the one given, the ones it makes) and ends each exactly once; a hang-up or a
 * failure on the way frees the agent still reserved (`release()` in `finally`).
 * The customer's hang-up reaches every step through `customer.signal`: the reservation's wait and the
 * agent's ringing are given it, and the step after reads `signal.aborted`.
 */
export async function connectToAgent(
  customer: CallLeg,
  contact: QueuedContact,
  first: ReservationHandle | null,
  mode: ConnectMode,
  deps: ConnectAgentDeps,
  log: Logger,
  /** what the agent's phone shows while it rings (e.g. X-Callback-Id) */
  agentHeaders?: Record<string, string>,
): Promise<ConnectOutcome> {
  const contactId = contact.contactId;
  // this function owns `first` and every reservation it makes: the current one is ended in `finally`
  let reservation = first;
  const transfers: TransferRecord[] = [];
  /** once the customer has talked to an agent: when, who last, and who handed them over last */
  let talked: { connectedAt: number; agentId: string } | undefined;
  let handedOverBy: string | undefined;
  const afterTransfer = (detail: string): ConnectOutcome =>
    talked
      ? { outcome: 'CONNECTED_TO_AGENT', agentId: talked.agentId, connectedAt: talked.connectedAt, endedAt: deps.clock.now(), endedBy: customer.signal.aborted ? 'customer' : 'transfer', transfers }
      : { outcome: customer.signal.aborted ? 'CUSTOMER_HANGUP' : 'AGENT_UNAVAILABLE', detail };
  try {
    for (let attempt = 1; attempt <= deps.settings.maxAgentAttempts; attempt++) {
      if (customer.signal.aborted) return talked ? afterTransfer('') : { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up before an agent answered' };
      if (!reservation) {
        const got = await reserveWithMusic(customer, contactId, deps, log);
        if (got === 'ended') return talked ? afterTransfer('') : { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up while waiting for an agent' };
        if (!got) {
          deps.queue.remove(contactId);
          if (talked) await customer.hangup().catch(() => undefined);
          return talked ? afterTransfer('') : { outcome: 'AGENT_UNAVAILABLE', detail: 'no agent could be reserved in time' };
        }
        reservation = got;
      }
      const r = reservation;
      const alog = log.child({ agentId: r.agent.agentId, reservationId: r.reservationId });
      alog.info({ attempt, mode, uri: r.agent.uri, ...(handedOverBy ? { transferredBy: handedOverBy } : {}) }, 'calling agent');

      if (mode === 'refer' && !handedOverBy) {
        const referred = await deps.agents.refer(customer, r.agent.uri, deps.settings.referTimeoutMs, alog);
        if (referred.kind === 'transferred') {
          const at = deps.clock.now();
          confirm(r, alog);
          alog.info('customer transferred to agent by REFER');
          await customer.hangup().catch(() => undefined);
          // after a REFER the call no longer passes through us: the handle time ends with the transfer
          r.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
          return { outcome: 'CONNECTED_TO_AGENT', agentId: r.agent.agentId, connectedAt: at, endedAt: at, endedBy: 'transfer', transfers };
        }
        alog.warn({ sipStatus: referred.sipStatus, detail: referred.detail }, 'REFER failed; falling back to bridge');
        if (customer.signal.aborted) return { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up during the transfer' };
      }

      const ringMs = deps.settings.agentRingTimeoutSec * 1000;
      const called = handedOverBy
        ? await ringWithMusic(customer, r.agent.uri, ringMs, deps, { ...agentHeaders, 'X-Transferred-By': handedOverBy })
        : await deps.agents.bridge(customer, r.agent.uri, ringMs, customer.signal, agentHeaders);
      if (called.kind === 'failed') {
        const customerGone = customer.signal.aborted;
        r.release({ agentFault: !customerGone });
        alog.warn({ sipStatus: called.sipStatus, detail: called.detail }, customerGone ? 'customer hung up while the agent rang' : 'agent did not take the call; released');
        if (customerGone) return talked ? afterTransfer('') : { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up while the agent rang' };
        reservation = null;
        await customer.play([deps.holdPrompt]).catch(() => undefined);
        continue;
      }

      const connectedAt = deps.clock.now();
      confirm(r, alog);
      alog.info('customer connected to agent');
      talked = { connectedAt: talked?.connectedAt ?? connectedAt, agentId: r.agent.agentId };
      reservation = null; // talk() owns it from here
      const end = await talk(
        customer,
        { agentId: r.agent.agentId, leg: called.leg, reservation: r },
        { ...deps, agentRingTimeoutMs: ringMs, reserveTimeoutMs: deps.settings.reserveTimeoutSec * 1000 },
        { contact, ...(agentHeaders ? { headers: agentHeaders } : {}), onTransfer: (t) => transfers.push(t) },
        alog,
      );
      if (end.kind === 'handed-over') {
        reservation = end.next;
        handedOverBy = end.fromAgentId;
        attempt = 0; // the next agent gets the full number of tries
        continue;
      }
      talked.agentId = end.agentId;
      const endedAt = deps.clock.now();
      alog.info({ endedBy: end.endedBy, lastAgentId: end.agentId, talkMs: endedAt - talked.connectedAt, transfers: transfers.length }, 'agent call ended');
      return { outcome: 'CONNECTED_TO_AGENT', agentId: end.agentId, connectedAt: talked.connectedAt, endedAt, endedBy: end.endedBy, transfers };
    }
    deps.queue.remove(contactId);
    if (talked) await customer.hangup().catch(() => undefined);
    return talked ? afterTransfer('') : { outcome: 'AGENT_UNAVAILABLE', detail: `no agent answered after ${deps.settings.maxAgentAttempts} attempts` };
  } finally {
    // the customer left, or something threw: an agent still reserved (not yet ended) is freed
    reservation?.release();
  }
}

/** a transferred customer hears hold music while the next agent's phone rings; joined once they answer */
async function ringWithMusic(customer: CallLeg, uri: string, ringMs: number, deps: ConnectAgentDeps, headers: Record<string, string>): Promise<AgentCallResult> {
  const music = customer.loop(deps.holdMusic);
  let called: AgentCallResult;
  try {
    called = await deps.agents.dial(customer, uri, ringMs, customer.signal, headers);
  } finally {
    await music.stop().catch(() => undefined);
  }
  if (called.kind === 'answered') await deps.agents.join(customer, called.leg);
  return called;
}

/** the agent answered; a reservation that lapsed meanwhile is logged, the call goes on */
function confirm(r: ReservationHandle, log: Logger): void {
  if (!r.confirm()) log.warn('reservation could not be confirmed (it lapsed first)');
}

/**
 * Hold music until the queue reserves an agent for `contactId` (which must be enqueued). 'ended' when the
 * customer hung up first (the contact is removed from the queue), null on timeout.
 */
export async function reserveWithMusic(
  customer: CallLeg,
  contactId: string,
  deps: Pick<ConnectAgentDeps, 'queue' | 'holdMusic' | 'settings'>,
  log: Logger,
  timeoutMs = deps.settings.reserveTimeoutSec * 1000,
): Promise<ReservationHandle | null | 'ended'> {
  const music = customer.loop(deps.holdMusic);
  try {
    // the queue stops waiting (null) when the customer's signal aborts
    const got = await deps.queue.reserveAgentFor(contactId, { timeoutMs, signal: customer.signal });
    if (!got && customer.signal.aborted) {
      deps.queue.remove(contactId);
      log.info('customer hung up while waiting for an agent');
      return 'ended';
    }
    return got;
  } finally {
    await music.stop().catch(() => undefined);
  }
}

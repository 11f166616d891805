import type { Logger } from 'pino';
import type { ConnectMode } from '../ports/dialer';
import type { QueuePort, ReservationHandle } from '../ports/queue';
import { firstToEnd, type AgentCalls, type CallLeg } from './call';
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
  | { outcome: 'CONNECTED_TO_AGENT'; agentId: string; connectedAt: number; endedAt: number; endedBy: 'customer' | 'agent' | 'transfer' }
  | { outcome: 'AGENT_UNAVAILABLE'; detail: string }
  | { outcome: 'CUSTOMER_HANGUP'; detail: string };

/**
 * Connect a customer leg (inbound caller or answered callback) to a reserved agent:
 *   1. with a reservation in hand (or after reserving one while the customer hears hold music),
 *   2. call the agent — bridge: a new leg bridged on FreeSWITCH; refer: REFER of the customer's dialog,
 *      falling back to bridge when the transfer fails,
 *   3. agent does not answer or rejects: release the agent, reserve the next one, try again,
 *   4. once talking: either side hangs up → both legs end, the agent is freed (callEnded).
 * It owns the reservations (the one given, the ones it makes) and ends each exactly once; a hang-up or a
 * failure on the way frees the agent still reserved (`release()` in `finally`).
 * The customer's hang-up reaches every step through `customer.signal`: the reservation's wait and the
 * agent's ringing are given it, and the step after reads `signal.aborted`.
 */
export async function connectToAgent(
  customer: CallLeg,
  contactId: string,
  first: ReservationHandle | null,
  mode: ConnectMode,
  deps: ConnectAgentDeps,
  log: Logger,
  /** what the agent's phone shows while it rings (e.g. X-Callback-Id) */
  agentHeaders?: Record<string, string>,
): Promise<ConnectOutcome> {
  // this function owns `first` and every reservation it makes: the current one is ended in `finally`
  let reservation = first;
  try {
    for (let attempt = 1; attempt <= deps.settings.maxAgentAttempts; attempt++) {
      if (customer.signal.aborted) return { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up before an agent answered' };
      if (!reservation) {
        const got = await reserveWithMusic(customer, contactId, deps, log);
        if (got === 'ended') return { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up while waiting for an agent' };
        if (!got) {
          deps.queue.remove(contactId);
          return { outcome: 'AGENT_UNAVAILABLE', detail: 'no agent could be reserved in time' };
        }
        reservation = got;
      }
      const r = reservation;
      const alog = log.child({ agentId: r.agent.agentId, reservationId: r.reservationId });
      alog.info({ attempt, mode, uri: r.agent.uri }, 'calling agent');

      if (mode === 'refer') {
        const referred = await deps.agents.refer(customer, r.agent.uri, deps.settings.referTimeoutMs, alog);
        if (referred.kind === 'transferred') {
          const at = deps.clock.now();
          confirm(r, alog);
          alog.info('customer transferred to agent by REFER');
          await customer.hangup().catch(() => undefined);
          // after a REFER the call no longer passes through us: the handle time ends with the transfer
          r.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
          return { outcome: 'CONNECTED_TO_AGENT', agentId: r.agent.agentId, connectedAt: at, endedAt: at, endedBy: 'transfer' };
        }
        alog.warn({ sipStatus: referred.sipStatus, detail: referred.detail }, 'REFER failed; falling back to bridge');
        if (customer.signal.aborted) return { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up during the transfer' };
      }

      const called = await deps.agents.bridge(customer, r.agent.uri, deps.settings.agentRingTimeoutSec * 1000, customer.signal, agentHeaders);
      if (called.kind === 'failed') {
        const customerGone = customer.signal.aborted;
        r.release({ agentFault: !customerGone });
        alog.warn({ sipStatus: called.sipStatus, detail: called.detail }, customerGone ? 'customer hung up while the agent rang' : 'agent did not take the call; released');
        if (customerGone) return { outcome: 'CUSTOMER_HANGUP', detail: 'customer hung up while the agent rang' };
        reservation = null;
        await customer.play([deps.holdPrompt]).catch(() => undefined);
        continue;
      }

      const connectedAt = deps.clock.now();
      confirm(r, alog);
      alog.info('customer connected to agent');
      const first = (await firstToEnd(customer.signal, called.leg.signal)) === 'a' ? 'customer' : 'agent';
      await Promise.all([customer.hangup().catch(() => undefined), called.leg.hangup().catch(() => undefined)]);
      r.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
      const endedAt = deps.clock.now();
      alog.info({ endedBy: first, talkMs: endedAt - connectedAt }, 'agent call ended');
      return { outcome: 'CONNECTED_TO_AGENT', agentId: r.agent.agentId, connectedAt, endedAt, endedBy: first };
    }
    deps.queue.remove(contactId);
    return { outcome: 'AGENT_UNAVAILABLE', detail: `no agent answered after ${deps.settings.maxAgentAttempts} attempts` };
  } finally {
    // the customer left, or something threw: an agent still reserved (not yet ended) is freed
    reservation?.release();
  }
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

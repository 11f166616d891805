import type { AgentDayView } from './agent-day';
import type { EwtMethod, QueuedContact } from '../ports/queue';
import type { Agent, AgentState, NotReadyReason } from './agent';
import type { EwtEstimator } from './ewt-estimator';
import type { Target } from './queue-state';

/** What the queue shows of itself to the REST API, the pages and the metrics (read-only views). */

/** An agent as the REST API and tests see it. */
export interface AgentView {
  id: string;
  name: string;
  targets: string[];
  state: AgentState;
  /** ISO time of the last state change */
  since: string;
  loggedIn: boolean;
  notReadyReason?: NotReadyReason;
  /** what happens after the current call: NOT_READY or logout */
  afterCall?: 'not-ready' | 'logout';
  reachable: boolean;
  uri?: string;
  registration?: { contactUri: string; expiresAt: string };
  reservation?: ReservationView;
  /** ISO time the current after-call work ends by itself */
  acwEndsAt?: string;
  /** the agent's last call, for its wrap-up */
  lastCall?: { contactId: string; contactKind: QueuedContact['kind']; target: string; endedAt: string; wrappedUp: boolean };
  /** today's figures: calls, talk, after-call work, average handle time, dispositions */
  today: AgentDayView;
}

export interface ReservationView {
  reservationId: string;
  target: string;
  contactId: string;
  contactKind: QueuedContact['kind'];
  reservedAt: string;
  expiresAt: string;
  /** ISO time the agent answered; absent while RESERVED */
  connectedAt?: string;
}

export interface WaitingContactView {
  position: number;
  contactId: string;
  kind: QueuedContact['kind'];
  enqueuedAt: string;
  waitedSec: number;
  effectivePriority: number;
  /** a flow is waiting for an agent for it now (a live caller on hold, a callback customer on the line) */
  connecting: boolean;
  ewtSec: Record<EwtMethod, number>;
}

export interface TargetStats {
  waiting: number;
  agents: Record<AgentState, number>;
  /** logged in, reachable agents that take this target's contacts */
  staffed: number;
  meanTalkSec: number;
  measuredCalls: number;
  /** share (0..1) of contacts answered within serviceLevelSec over the stats window; null when none ended */
  serviceLevel: number | null;
  /** Erlang C forecast of the service level at the recent arrival rate with the staffed agents; null without arrivals */
  forecastServiceLevel: number | null;
  answered: number;
  abandoned: number;
  meanWaitSec: number | null;
  ewtSec: Record<EwtMethod, number>;
  /** how right the EWT was for live callers of the stats window; null until one reached an agent */
  ewtAccuracy: EwtAccuracy | null;
}

/**
 * The EWT each method gave a live caller when it joined the line (what the IVR reads) against the time it then
 * waited for an agent, over the live callers who reached one in the stats window (those who hung up have no
 * actual wait and are left out, as in the simulator). Error ÷ mean wait compares the methods on real traffic.
 */
export interface EwtAccuracy {
  callers: number;
  /** mean actual wait from joining the line to an agent, seconds */
  meanWaitSec: number;
  /** mean absolute error per method, seconds */
  maeSec: Record<EwtMethod, number>;
  /** mean (predicted − actual) per method, seconds: positive = too long */
  biasSec: Record<EwtMethod, number>;
}

/** the parts of a reservation an agent's view shows */
export interface ReservationOfView {
  id: string;
  target: string;
  contact: QueuedContact;
  reservedAt: number;
  expiresAt: number;
  confirmedAt?: number;
}

export function agentView(a: Agent, r: ReservationOfView | undefined, now: number): AgentView {
  const uri = a.uri(now);
  return {
    id: a.id,
    name: a.config.name,
    targets: [...a.config.targets],
    state: a.state,
    since: new Date(a.since).toISOString(),
    loggedIn: a.loggedIn,
    ...(a.notReadyReason && a.state === 'NOT_READY' ? { notReadyReason: a.notReadyReason } : {}),
    ...(a.afterCall ? { afterCall: a.afterCall } : {}),
    reachable: uri !== undefined,
    ...(uri ? { uri } : {}),
    ...(a.registration && a.registration.expiresAt > now
      ? { registration: { contactUri: a.registration.contactUri, expiresAt: new Date(a.registration.expiresAt).toISOString() } }
      : {}),
    ...(a.state === 'AFTER_CALL_WORK' && a.acwEndsAt !== undefined ? { acwEndsAt: new Date(a.acwEndsAt).toISOString() } : {}),
    today: a.today.view(now),
    ...(a.lastCall
      ? { lastCall: { contactId: a.lastCall.contactId, contactKind: a.lastCall.kind, target: a.lastCall.target, endedAt: new Date(a.lastCall.endedAt).toISOString(), wrappedUp: a.lastCall.wrappedUp } }
      : {}),
    ...(r
      ? {
          reservation: {
            reservationId: r.id,
            target: r.target,
            contactId: r.contact.contactId,
            contactKind: r.contact.kind,
            reservedAt: new Date(r.reservedAt).toISOString(),
            expiresAt: new Date(r.expiresAt).toISOString(),
            ...(r.confirmedAt !== undefined ? { connectedAt: new Date(r.confirmedAt).toISOString() } : {}),
          },
        }
      : {}),
  };
}

/**
 * the line of a target in order, each contact with its position and EWT by each method (QueueService.waitingContacts)
 */
export function waitingContactsView(t: Target, ewt: Pick<EwtEstimator, 'byPosition'>, now: number): WaitingContactView[] {
  const line = t.line.ordered(now);
  const byPosition = ewt.byPosition(t, line);
  return line.map((e, position) => ({
    position,
    contactId: e.contact.contactId,
    kind: e.contact.kind,
    enqueuedAt: new Date(e.contact.enqueuedAt).toISOString(),
    waitedSec: Math.max(0, (now - e.contact.enqueuedAt) / 1000),
    effectivePriority: t.line.effectivePriority(e.contact, now),
    connecting: e.waiter !== undefined,
    ewtSec: { simple: byPosition.simple[position]!, erlang: byPosition.erlang[position]!, 'erlang-a': byPosition['erlang-a'][position]! },
  }));
}

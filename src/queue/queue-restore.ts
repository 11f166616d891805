import type { Logger } from 'pino';
import type { QueueStateSnapshot, StoredAgentState, StoredQueueEntry, StoredRegistration } from '../ports/queue-state';
import type { Agent, NotReadyReason, SavedAgent } from './agent';
import type { AgentDesk } from './agent-desk';
import type { QueueState } from './queue-state';

/** what a restart found of the queue, and what it could not take back */
export interface RestoreReport {
  agents: number;
  /** contacts back in their line at their place */
  entries: number;
  registrations: number;
  /** live callers whose calls died with the process: removed from the line */
  droppedCallers: StoredQueueEntry[];
  /** callbacks no longer waiting QUEUED (their attempt died with the process: the scheduler takes them over) */
  droppedCallbacks: StoredQueueEntry[];
  /** reservations and calls that died with the process: the agent is free again (READY or NOT_READY) */
  endedReservations: { agentId: string; reservationId: string; contactId: string; was: 'RESERVED' | 'BUSY'; now: 'READY' | 'NOT_READY' }[];
  /** rows of agents or targets the configuration no longer has */
  unknown: number;
}

const NOT_READY_REASONS: readonly NotReadyReason[] = ['startup', 'requested', 'supervisor', 'logged-out', 'unreachable', 'no-answer'];
const reasonOf = (r: string | null): NotReadyReason | undefined => (NOT_READY_REASONS as readonly string[]).includes(r ?? '') ? (r as NotReadyReason) : undefined;

/**
 * Take back the queue's state kept by the store (QueuePersistence.restore): run inside `state.mutate`, on a
 * queue that has not run yet. The calls and flows of the process that wrote it are gone, so:
 *  - agents come back in their state, since the same moment, with their wishes (not ready after the call,
 *    log out) and their last call's wrap-up; a registration until its expiry; after-call work until it ends;
 *    a reservation or call (RESERVED, BUSY) ends: the agent goes where it would after a call without a fault
 *    (READY, or NOT_READY as it asked or when it cannot be reached);
 *  - an agent whose row another instance still running wrote (`liveOthers`) is taken as that instance has it
 *    (its reservation or call goes on there); the caller passes only the lines of this instance and of dead ones;
 *  - callbacks waiting QUEUED (`waitingCallbacks`) take their place in line again (same `enqueuedAt`, priority);
 *    other callbacks (their attempt died: the scheduler recovers it) and live callers (their SIP dialog died)
 *    leave the line; the report lists them.
 */
export function applySnapshot(
  state: QueueState,
  desk: AgentDesk,
  snap: QueueStateSnapshot,
  waitingCallbacks: ReadonlySet<string>,
  log: Logger | undefined,
  /** other instances still running on the store: their agents' rows are taken as theirs (`applyRemoteAgent`) */
  liveOthers: ReadonlySet<string> = new Set(),
): RestoreReport {
  const now = state.clock.now();
  const report: RestoreReport = { agents: 0, entries: 0, registrations: 0, droppedCallers: [], droppedCallbacks: [], endedReservations: [], unknown: 0 };
  const registrations = new Map(snap.registrations.map((r) => [r.agentId, r]));

  for (const saved of snap.agents) {
    const a = state.agents.get(saved.agentId);
    if (!a) {
      report.unknown++;
      continue;
    }
    const reg = registrations.get(a.id);
    if (liveOthers.has(saved.owner)) {
      // another instance's working copy wrote it last: its reservation or call goes on there
      applyRemoteAgent(state, desk, saved, reg);
      report.agents++;
      continue;
    }
    if (reg && reg.expiresAt > now) {
      desk.restoreRegistration(a, reg.contactUri, reg.expiresAt);
      report.registrations++;
    }
    restoreAgent(a, saved, desk, now, report);
    report.agents++;
  }

  for (const e of snap.entries) {
    const t = state.targets.get(e.target);
    if (!t) {
      report.unknown++;
      continue;
    }
    if (e.kind === 'caller') {
      report.droppedCallers.push(e);
      continue;
    }
    if (!waitingCallbacks.has(e.contactId)) {
      report.droppedCallbacks.push(e);
      continue;
    }
    t.line.upsert({ contactId: e.contactId, kind: e.kind, target: e.target, enqueuedAt: e.enqueuedAt, ...(e.priority !== null ? { priority: e.priority } : {}) });
    report.entries++;
  }

  for (const c of report.droppedCallers) {
    log?.warn({ event: 'caller_lost_in_restart', contactId: c.contactId, target: c.target, enqueuedAt: c.enqueuedAt, owner: c.owner }, 'queue: a caller waiting in line when the service stopped is gone (the call died with it)');
  }
  for (const r of report.endedReservations) {
    log?.warn({ event: 'reservation_lost_in_restart', ...r }, 'queue: a reservation or call that died with the service ended; the agent is free again');
  }
  return report;
}

const savedAgent = (saved: StoredAgentState): SavedAgent => {
  const d = saved.detail;
  return {
    state: saved.state,
    since: d.since,
    idleSince: d.idleSince,
    notReadyReason: reasonOf(d.notReadyReason),
    loggedIn: d.loggedIn,
    loginUri: d.loginUri ?? undefined,
    afterCall: d.afterCall ?? undefined,
    acwEndsAt: d.acwEndsAt ?? undefined,
    lastCall: d.lastCall ?? undefined,
  };
};

/**
 * Another instance on the database changed this agent (queue-sync): this instance takes its state and
 * registration as written — unless the agent is in a reservation or call of this instance's own, which this
 * instance's own write tells the others about. An agent RESERVED / BUSY elsewhere stays so here, without a
 * reservation of ours, so this instance's dispatch passes it by. Run inside `state.mutate`. False when not taken.
 */
export function applyRemoteAgent(state: QueueState, desk: AgentDesk, saved: StoredAgentState, registration: StoredRegistration | undefined): boolean {
  const a = state.agents.get(saved.agentId);
  if (!a || state.reservationOf(a)) return false;
  desk.adoptRemote(a, savedAgent(saved), registration);
  return true;
}

function restoreAgent(a: Agent, saved: StoredAgentState, desk: AgentDesk, now: number, report: RestoreReport): void {
  const d = saved.detail;
  a.restore(savedAgent(saved));
  switch (saved.state) {
    case 'NOT_READY':
      return;
    case 'READY':
      if (!a.reachable(now)) desk.setState(a, 'NOT_READY', 'unreachable');
      return;
    case 'AFTER_CALL_WORK':
      // after-call work that ran out while the service was down ends now (the timer fires at once)
      desk.restoreAfterCallWork(a, d.acwEndsAt ?? now);
      return;
    case 'RESERVED':
    case 'BUSY': {
      desk.becomeAvailable(a);
      const r = d.reservation;
      report.endedReservations.push({
        agentId: a.id,
        reservationId: r?.id ?? '',
        contactId: r?.contactId ?? '',
        was: saved.state,
        now: a.state === 'READY' ? 'READY' : 'NOT_READY',
      });
      return;
    }
  }
}

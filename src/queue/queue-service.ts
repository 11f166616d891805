import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EwtMethod, QueuedContact, QueuePort, ReservationHandle } from '../ports/queue';
import type { Agent } from './agent';
import { AgentDesk } from './agent-desk';
import { Dispatcher } from './dispatcher';
import { QueueError, unknownContact } from './errors';
import { EwtEstimator } from './ewt-estimator';
import { QueueState, type ActiveReservation, type Entry, type Target, type Waiter } from './queue-state';
import { QueuePersistence, type QueuePersistenceOptions } from './queue-persistence';
import { QueueStats } from './queue-stats';
import { reservationHandle } from './reservation-handle';
import { Pacing } from './pacing';
import { bucketCapacity, plannedAgents } from './staffing';
import { systemClock, systemTimers, type Clock, type TimerScheduler } from '../time';
import type { AgentConfig, QueueOptions, TargetConfig } from './types';
import { waitingContactsView, type AgentView, type EwtAccuracy, type TargetStats, type WaitingContactView } from './views';

export { EWT_METHODS } from './ewt-estimator';

export interface QueueServiceDeps {
  clock?: Clock;
  timers?: TimerScheduler;
  logger?: Logger;
  /** reservation ids; random UUIDs by default */
  newId?: () => string;
  /** service level and abandon figures cover this much recent time; default 1 hour */
  statsWindowMs?: number;
  /**
   * EWT of targets whose agents also serve other targets: 'joint' (default) simulates the targets that share
   * agents together (ewt-shared.ts); 'per-target' counts every agent fully in each of its targets, as before
   * (kept for the simulator's comparison).
   */
  multiSkillEwt?: 'joint' | 'per-target';
}

/**
 * The ACD: agents, one ordered line per target (live callers and callbacks together), reservations and EWT.
 *
 * Agents start NOT_READY (reason `startup`); a new SIP registration or REST makes them READY. Whenever an agent
 * is READY and a contact is *connecting* (a flow called `reserveAgentFor`), the longest-idle READY agent of the
 * target is reserved for the first connecting contact in line order. Everything runs on the injected clock and
 * timers, synchronously, so two flows asking at once are served one after the other in line order.
 *
 * This class holds the line's rules (enqueue, remove, reserve, confirm, release, call ended, dispatch);
 * the agents' side is `AgentDesk`, the callbacks' pacing `Pacing`, the estimates `EwtEstimator`, the statistics
 * `QueueStats`, all over one `QueueState`. Every operation that changes the queue runs in `state.mutate()`, which empties the EWT cache.
 */
export class QueueService implements QueuePort {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly newId: () => string;
  private readonly state: QueueState;
  private readonly ewt: EwtEstimator;
  private readonly stats: QueueStats;
  private readonly desk: AgentDesk;
  private readonly pacing: Pacing;
  private readonly dispatcher: Dispatcher;
  /** flows waiting for an agent, all targets (nothing to dispatch without one) */
  private connecting = 0;
  private closed = false;

  constructor(options: QueueOptions, deps: QueueServiceDeps = {}) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.logger?.child({ module: 'queue' });
    this.newId = deps.newId ?? randomUUID;
    this.state = new QueueState(options, this.clock, deps.timers ?? systemTimers);
    this.ewt = new EwtEstimator(this.state, deps.multiSkillEwt ?? 'joint');
    this.stats = new QueueStats(this.state, this.ewt, deps.statsWindowMs ?? 3_600_000);
    this.desk = new AgentDesk(this.state, () => this.dispatch(), this.log);
    this.pacing = new Pacing(this.state, this.ewt);
    this.dispatcher = new Dispatcher(this.state, {
      connecting: () => this.connecting,
      closed: () => this.closed,
      newId: this.newId,
      reserve: (agent, t, entry, id) => this.reserve(agent, t, entry, id),
      log: this.log,
    });
  }

  // ---------------------------------------------------------------- targets and the line

  hasTarget(target: string): boolean {
    return this.state.targets.has(target);
  }

  targetNames(): string[] {
    return [...this.state.targets.keys()];
  }

  targetConfig(target: string): TargetConfig {
    return this.state.target(target).config;
  }

  /**
   * Add a waiting contact, or update one already waiting (same contactId): e.g. a caller who accepts a
   * callback is enqueued again with kind 'callback' and keeps its place and its `enqueuedAt`.
   */
  enqueue(contact: QueuedContact): void {
    this.state.mutate(() => {
      this.assertOpen();
      const t = this.state.target(contact.target);
      for (const other of this.state.targets.values()) {
        if (other !== t && other.line.get(contact.contactId)) this.remove(contact.contactId);
      }
      this.pacing.stopDialing(t, contact.contactId);
      const existed = t.line.get(contact.contactId) !== undefined;
      // what a new live caller is told now, by every method, to be scored against its wait
      this.stats.joining(t, contact, !existed);
      t.line.upsert(contact);
      this.log?.debug({ event: existed ? 'contact_updated' : 'contact_enqueued', contactId: contact.contactId, kind: contact.kind, target: contact.target }, 'queue: contact waits');
      this.dispatch();
    });
  }

  /** the contact leaves the line without an agent (hang-up, cancel); a flow waiting for it gets null */
  remove(contactId: string): void {
    this.state.mutate(() => {
      for (const t of this.state.targets.values()) {
        this.pacing.stopDialing(t, contactId);
        const e = t.line.delete(contactId);
        if (!e) continue;
        this.stats.left(t, e.contact);
        this.finishWaiter(e, null);
        this.log?.debug({ event: 'contact_removed', contactId, target: t.config.name }, 'queue: contact left the line');
      }
    });
  }

  /**
   * Wait until this contact is the first connecting contact of its line and an agent is free, then reserve
   * the agent for it (the contact leaves the line). Resolves null on timeout, abort, removal or close().
   * Rejects when the contact is not in any line or a flow already waits for it. The flow owns the handle it
   * gets and ends it (`confirm`, then `release` / `callEnded`; `release()` in a `finally` is always safe).
   */
  reserveAgentFor(contactId: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReservationHandle | null> {
    this.assertOpen();
    const found = this.state.findEntry(contactId);
    if (!found) return Promise.reject(unknownContact(contactId));
    const { t, entry } = found;
    if (entry.waiter) return Promise.reject(new QueueError('CONFLICT', `a flow already waits for an agent for contact "${contactId}"`, 'contactId'));
    if (opts.signal?.aborted) return Promise.resolve(null);
    return new Promise<ReservationHandle | null>((resolve) => {
      this.state.mutate(() => {
        const onAbort = () => this.state.mutate(() => this.finishWaiter(entry, null));
        const waiter: Waiter = {
          resolve,
          detach: () => {
            waiter.timer?.cancel();
            opts.signal?.removeEventListener('abort', onAbort);
          },
        };
        entry.waiter = waiter;
        this.connecting++;
        this.pacing.stopDialing(t, contactId);
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        this.dispatch();
        if (entry.waiter !== waiter) return; // reserved at once
        if (opts.timeoutMs <= 0) return this.finishWaiter(entry, null);
        waiter.timer = this.state.schedule(opts.timeoutMs, () => {
          this.log?.debug({ event: 'reserve_timeout', contactId }, 'queue: no agent within the timeout');
          this.finishWaiter(entry, null);
        });
      });
    });
  }

  /**
   * Reserve this agent, now, for a contact that is not waiting in a line (a call being transferred to the
   * agent). The contact's target is the reservation's: its handle time is counted there, and a `release`
   * with `agentFault` puts the contact in that target's line. Throws CONFLICT when the agent is not READY and
   * reachable (busy, not ready, reserved for someone else).
   */
  reserveAgent(agentId: string, contact: QueuedContact): ReservationHandle {
    return this.state.mutate(() => {
      this.assertOpen();
      const agent = this.state.agent(agentId);
      const t = this.state.target(contact.target);
      if (agent.state !== 'READY' || !agent.reachable(this.clock.now())) {
        throw new QueueError('CONFLICT', `agent "${agentId}" is ${agent.state === 'READY' ? 'not reachable' : agent.state}, not free to take a call`, 'agentId');
      }
      this.remove(contact.contactId);
      const handle = this.reserveFor(agent, t, contact, this.newId());
      // several instances: the agent is claimed in the store too; a claim lost to another instance is reported
      this.state.claims?.claim(agent, handle.reservationId, t, contact, false).then(
        (r) => r === 'claimed' || this.log?.warn({ event: 'agent_claim_conflict', agentId, reservationId: handle.reservationId }, 'queue: an agent reserved for a transfer was claimed by another instance'),
        (err: unknown) => this.log?.error({ err, event: 'agent_claim_failed', agentId }, 'queue: could not claim an agent in the store'),
      );
      return handle;
    });
  }

  // ---------------------------------------------------------------- reservations

  /** the agent answered: RESERVED -> BUSY. Throws when the reservation is not RESERVED (lapsed, released, unknown). */
  confirm(reservationId: string): void {
    this.state.mutate(() => {
      const r = this.state.reservations.get(reservationId);
      if (!r) throw new QueueError('CONFLICT', `reservation "${reservationId}" is not waiting for confirmation (lapsed or released)`, 'reservationId');
      if (r.confirmedAt !== undefined) return; // confirmed twice (an agent who accepted a preview, then answered): no change
      r.timer?.cancel();
      r.confirmedAt = this.clock.now();
      this.desk.setState(r.agent, 'BUSY');
      this.log?.info({ event: 'reservation_confirmed', reservationId, agentId: r.agent.id, contactId: r.contact.contactId, target: r.target }, 'queue: agent connected');
    });
  }

  /**
   * The reservation ends without a call. With `agentFault` (the agent did not answer) the agent goes
   * NOT_READY and the contact goes back to its place in line (same `enqueuedAt`), so the flow can ask for
   * the next agent at once. Without it (the customer left, the flow gave up) the agent goes back to READY
   * and the contact does not return; a flow that still wants an agent enqueues it again (with its original
   * `enqueuedAt` to keep its place). Unknown or ended reservations are ignored; a confirmed one is ended
   * as by `callEnded`.
   */
  release(reservationId: string, opts: { agentFault?: boolean } = {}): void {
    this.state.mutate(() => {
      const r = this.state.reservations.get(reservationId);
      if (!r) return;
      if (r.confirmedAt !== undefined) return this.callEnded(reservationId);
      this.endReservation(r);
      this.log?.info({ event: 'reservation_released', reservationId, agentId: r.agent.id, contactId: r.contact.contactId, agentFault: !!opts.agentFault }, 'queue: reservation released');
      if (opts.agentFault) {
        this.putBack(r);
        this.desk.noAnswer(r.agent);
      } else {
        this.desk.becomeAvailable(r.agent);
      }
      this.dispatch();
    });
  }

  /**
   * the call with the agent ended: BUSY -> AFTER_CALL_WORK for `afterCallWorkSec` (the service's wrap-up time)
   * or the target's own (READY at once when 0), talk time recorded. Idempotent.
   */
  callEnded(reservationId: string, opts: { afterCallWorkSec?: number } = {}): void {
    this.state.mutate(() => {
      const r = this.state.reservations.get(reservationId);
      if (!r) return;
      if (r.confirmedAt === undefined) return this.release(reservationId);
      this.endReservation(r);
      const t = this.state.targets.get(r.target)!;
      const talkSec = (this.clock.now() - r.confirmedAt) / 1000;
      t.talk.record(talkSec);
      r.agent.today.callEnded(this.clock.now(), talkSec);
      this.log?.info({ event: 'call_ended', reservationId, agentId: r.agent.id, target: r.target, talkSec }, 'queue: call with agent ended');
      r.agent.lastCall = { contactId: r.contact.contactId, kind: r.contact.kind, target: r.target, endedAt: this.clock.now(), wrappedUp: false };
      this.desk.afterCall(r.agent, opts.afterCallWorkSec ?? t.config.afterCallWorkSec);
    });
  }

  // ---------------------------------------------------------------- agents (REST, registrar): AgentDesk

  /**
   * Log in; READY when reachable. `atUri`: the phone the agent logs in at (a desk phone, a softphone that
   * registers elsewhere), called for its contacts until logout; a live registration with this service's
   * registrar still comes first.
   */
  login(agentId: string, atUri?: string): AgentView {
    return this.state.mutate(() => this.desk.login(agentId, atUri));
  }

  /** log out now, or after the current call */
  logout(agentId: string): AgentView {
    return this.state.mutate(() => this.desk.logout(agentId));
  }

  /** READY now (ends after-call work early); in a call: READY after it. Throws 409 when the agent cannot be reached. */
  setReady(agentId: string): AgentView {
    return this.state.mutate(() => this.desk.setReady(agentId));
  }

  /** NOT_READY now, or after the current call; `by` a supervisor (REST /api/v1/agents) or the agent (default) */
  setNotReady(agentId: string, by: 'requested' | 'supervisor' = 'requested'): AgentView {
    return this.state.mutate(() => this.desk.setNotReady(agentId, by));
  }

  /** a SIP registration for the agent (from the registrar); see AgentDesk.setRegistration */
  setRegistration(agentId: string, contactUri: string, expiresAtMs: number): void {
    this.state.mutate(() => this.desk.setRegistration(agentId, contactUri, expiresAtMs));
  }

  /** the registration ended (un-REGISTER or lapse): a READY agent without static URI becomes NOT_READY */
  clearRegistration(agentId: string): void {
    this.state.mutate(() => this.desk.clearRegistration(agentId));
  }

  // ---------------------------------------------------------------- EWT and pacing

  /** contacts waiting in the target's line (on every instance sharing the store) */
  queueLength(target: string): number {
    const t = this.state.target(target);
    return t.line.size + t.elsewhere;
  }

  /**
   * EWT in seconds for a new contact entering the target now, behind every contact waiting (on every instance
   * sharing the store); at most, and when nobody is staffed, the target's `maxEwtSec`
   */
  estimatedWaitSeconds(target: string, method?: EwtMethod): number {
    const t = this.state.target(target);
    return this.ewt.waitAt(t, t.line.size + t.elsewhere, method ?? t.config.ewtMethod);
  }

  /** EWT for the contact at `position` (0 = first in line) */
  estimatedWaitAtPosition(target: string, position: number, method?: EwtMethod): number {
    const t = this.state.target(target);
    return this.ewt.waitAt(t, Math.max(0, Math.floor(position)), method ?? t.config.ewtMethod);
  }

  /** expected number of the target's agents free now or within `seconds` (a sum of probabilities) */
  expectedAgentsFreeWithin(target: string, seconds: number): number {
    return this.ewt.expectedFreeWithin(this.state.target(target), seconds);
  }

  /** Pacing rule for callbacks: may this callback be dialed now? See Pacing.canDispatchCallback and docs/queue.md. */
  canDispatchCallback(target: string, contactId?: string): boolean {
    return this.pacing.canDispatchCallback(this.state.target(target), contactId);
  }

  /**
   * Count a callback as being dialed (see canDispatchCallback) for `holdMs` (default the target's
   * `pacingHoldSec`), or until a flow asks an agent for it, it leaves the line or is enqueued again.
   */
  callbackDialing(target: string, contactId: string, holdMs?: number): void {
    this.pacing.callbackDialing(this.state.target(target), contactId, holdMs);
  }

  /** a READY agent is free for this target now beyond the contacts already connecting (for `_wait_for_agent`) */
  hasFreeAgent(target: string): boolean {
    return this.pacing.hasFreeAgent(this.state.target(target));
  }

  /** planned agents from the target's staffing at `atMs`; undefined when the target has no staffing */
  plannedAgents(target: string, atMs: number): number | undefined {
    const s = this.state.target(target).config.staffing;
    return s ? plannedAgents(s, atMs) : undefined;
  }

  /** contacts the planned agents can take in a time bucket (staffing × length ÷ mean handle time); undefined without staffing */
  bucketCapacity(target: string, startMs: number, minutes: number): number | undefined {
    const t = this.state.target(target);
    if (!t.config.staffing) return undefined;
    return bucketCapacity(t.config.staffing, startMs, minutes, t.talk.mean + t.config.afterCallWorkSec);
  }

  // ---------------------------------------------------------------- views

  listAgents(): AgentView[] {
    return [...this.state.agents.values()].map((a) => this.desk.view(a));
  }

  /** the agent recorded the wrap-up of its last call (agent page); false when it has none to wrap up */
  wrappedUp(agentId: string, disposition?: string): boolean {
    return this.state.mutate(() => {
      const a = this.state.agent(agentId);
      const last = a.lastCall;
      if (!last || last.wrappedUp) return false;
      last.wrappedUp = true;
      if (disposition) a.today.wrappedUp(this.clock.now(), disposition);
      return true;
    });
  }

  getAgent(agentId: string): AgentView {
    return this.desk.view(this.state.agent(agentId));
  }

  hasAgent(agentId: string): boolean {
    return this.state.agents.has(agentId);
  }

  agentConfigs(): AgentConfig[] {
    return [...this.state.agents.values()].map((a) => a.config);
  }

  /** the line of a target in order, each contact with its position and EWT by each method */
  waitingContacts(target: string): WaitingContactView[] {
    return waitingContactsView(this.state.target(target), this.ewt, this.clock.now());
  }

  targetStats(target: string): TargetStats {
    return this.stats.targetStats(this.state.target(target));
  }

  /** the EWT's error for the live callers of the stats window who reached an agent (see EwtAccuracy) */
  ewtAccuracy(target: string): EwtAccuracy | null {
    return this.stats.ewtAccuracy(this.state.target(target));
  }

  /**
   * Write the queue's state through to a store from now on, and take back what it kept (`restore()` on the
   * result, before the queue runs): see queue-persistence.ts.
   */
  persistTo(options: QueuePersistenceOptions): QueuePersistence {
    return new QueuePersistence(this.state, this.desk, options, () => this.dispatcher.heard());
  }

  /** stop every timer; flows still waiting get null. The service is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.state.targets.values()) {
      for (const e of t.line.ordered(this.clock.now())) this.finishWaiter(e, null);
    }
    this.pacing.close();
    this.dispatcher.close();
    for (const r of this.state.reservations.values()) r.timer?.cancel();
    this.desk.close();
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closed) throw new Error('queue service is closed');
  }

  private finishWaiter(entry: Entry, r: ReservationHandle | null): void {
    const w = entry.waiter;
    if (!w) return;
    entry.waiter = undefined;
    this.connecting--;
    w.detach();
    w.resolve(r);
  }

  private endReservation(r: ActiveReservation): void {
    r.timer?.cancel();
    this.state.reservations.delete(r.id);
    r.agent.reservationId = undefined;
    this.state.claims?.release(r.id);
  }

  /** a contact whose reservation did not lead to a call goes back to its place (same enqueuedAt) */
  private putBack(r: ActiveReservation): void {
    const t = this.state.targets.get(r.target)!;
    if (!t.line.get(r.contact.contactId)) t.line.upsert(r.contact);
  }

  private lapse(r: ActiveReservation): void {
    if (this.state.reservations.get(r.id) !== r || r.confirmedAt !== undefined) return;
    this.endReservation(r);
    this.log?.warn({ event: 'reservation_lapsed', reservationId: r.id, agentId: r.agent.id, contactId: r.contact.contactId }, 'queue: reservation lapsed unconfirmed');
    this.putBack(r);
    this.desk.noAnswer(r.agent);
    this.dispatch();
  }

  private dispatch(): void {
    this.dispatcher.run();
  }

  private reserve(agent: Agent, t: Target, entry: Entry, reservationId: string): void {
    t.line.connected(entry, (e) => e.waiter !== undefined);
    t.line.delete(entry.contact.contactId);
    this.stats.reached(t, entry.contact);
    this.finishWaiter(entry, this.reserveFor(agent, t, entry.contact, reservationId));
  }

  /** the agent is RESERVED for the contact (which is in no line now) until confirmed or it lapses */
  private reserveFor(agent: Agent, t: Target, contact: QueuedContact, reservationId: string): ReservationHandle {
    const now = this.clock.now();
    const r: ActiveReservation = {
      id: reservationId,
      agent,
      target: t.config.name,
      contact,
      reservedAt: now,
      expiresAt: now + t.config.reservationTimeoutSec * 1000,
    };
    this.state.reservations.set(r.id, r);
    agent.reservationId = r.id;
    this.desk.setState(agent, 'RESERVED');
    r.timer = this.state.schedule(r.expiresAt - now, () => this.lapse(r));
    this.log?.info(
      { event: 'agent_reserved', reservationId: r.id, agentId: agent.id, contactId: contact.contactId, kind: contact.kind, target: r.target },
      'queue: agent reserved',
    );
    return reservationHandle(
      {
        reservationId: r.id,
        target: r.target,
        agent: { agentId: agent.id, uri: agent.uri(now)! },
        expiresAt: r.expiresAt,
        contactId: contact.contactId,
      },
      this,
    );
  }
}

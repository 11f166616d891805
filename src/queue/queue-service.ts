import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EwtMethod, QueuedContact, QueuePort, Reservation } from '../ports/queue';
import { Agent, type AgentState, type NotReadyReason } from './agent';
import { ContactQueue, type QueueEntry } from './contact-queue';
import { QueueError, unknownAgent, unknownContact, unknownTarget } from './errors';
import { erlangServiceLevel, estimateWait, expectedFreeWithin, simpleWait, simulatedWaits, type AgentLoad, type EwtSnapshot } from './ewt';
import { sharedWaits, sharedWaitsAll, type SharedAgent, type SharedGroup } from './ewt-shared';
import { HandleTimeStats } from './handle-time';
import { AbandonmentStats } from './patience';
import { bucketCapacity, plannedAgents } from './staffing';
import { systemClock, systemTimers, type Clock, type TimerHandle, type TimerScheduler } from '../time';
import type { AgentConfig, QueueOptions, TargetConfig } from './types';
import { agentView, type AgentView, type EwtAccuracy, type TargetStats, type WaitingContactView } from './views';

export const EWT_METHODS: readonly EwtMethod[] = ['simple', 'erlang', 'erlang-a'];

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

interface Waiter {
  resolve(r: Reservation | null): void;
  timer?: TimerHandle;
  detach(): void;
}

interface ActiveReservation {
  id: string;
  agent: Agent;
  target: string;
  contact: QueuedContact;
  reservedAt: number;
  expiresAt: number;
  confirmedAt?: number;
  timer?: TimerHandle;
}

interface ScoredWait {
  at: number;
  waitSec: number;
  predictedSec: Record<EwtMethod, number>;
}

interface Outcome {
  at: number;
  waitedMs: number;
  answered: boolean;
}

interface Target {
  config: TargetConfig;
  line: ContactQueue<Waiter>;
  talk: HandleTimeStats;
  /** how fast live callers hang up while waiting ('erlang-a') */
  patience: AbandonmentStats;
  outcomes: Outcome[];
  /** what each method predicted for live callers in line, when they joined it (scored when an agent takes them) */
  predictions: Map<string, { at: number; sec: Record<EwtMethod, number> }>;
  /** live callers who reached an agent: predicted vs actual wait, over the stats window */
  scored: ScoredWait[];
  /** callbacks being dialed after the pacing rule let them go (counted ahead until they are back or gone) */
  dialing: Map<string, TimerHandle>;
}

/**
 * The ACD: agents, one ordered line per target (live callers and callbacks together), reservations and EWT.
 *
 * Agents start NOT_READY (reason `startup`); a new SIP registration or REST makes them READY. Whenever an agent
 * is READY and a contact is *connecting* (a flow called `reserveAgentFor`), the longest-idle READY agent of the
 * target is reserved for the first connecting contact in line order. Everything runs on the injected clock and
 * timers, synchronously, so two flows asking at once are served one after the other in line order.
 */
export class QueueService implements QueuePort {
  private readonly clock: Clock;
  private readonly timers: TimerScheduler;
  private readonly log: Logger | undefined;
  private readonly newId: () => string;
  private readonly windowMs: number;
  private readonly multiSkillEwt: 'joint' | 'per-target';
  /** bumped by every change that can move an EWT (see jointWaits) */
  private version = 0;
  private readonly jointCache = new Map<string, { at: number; version: number; waits: Map<string, Float64Array> }>();
  private readonly targets = new Map<string, Target>();
  private readonly agents = new Map<string, Agent>();
  private readonly reservations = new Map<string, ActiveReservation>();
  private readonly agentTimers = new Map<string, { registration?: TimerHandle; acw?: TimerHandle }>();
  private dispatching = false;
  /** flows waiting for an agent, all targets (nothing to dispatch without one) */
  private connecting = 0;
  private dispatchAgain = false;
  private closed = false;

  constructor(options: QueueOptions, deps: QueueServiceDeps = {}) {
    this.clock = deps.clock ?? systemClock;
    this.timers = deps.timers ?? systemTimers;
    this.log = deps.logger?.child({ module: 'queue' });
    this.newId = deps.newId ?? randomUUID;
    this.windowMs = deps.statsWindowMs ?? 3_600_000;
    this.multiSkillEwt = deps.multiSkillEwt ?? 'joint';
    const now = this.clock.now();
    for (const t of options.targets) {
      this.targets.set(t.name, {
        config: t,
        line: new ContactQueue<Waiter>(t),
        talk: new HandleTimeStats(t.initialHandleTimeSec, t.handleTimeSmoothing),
        patience: new AbandonmentStats(),
        outcomes: [],
        predictions: new Map(),
        scored: [],
        dialing: new Map(),
      });
    }
    for (const a of options.agents) {
      for (const t of a.targets) if (!this.targets.has(t)) throw new Error(`agent ${a.id} names unknown target "${t}"`);
      this.agents.set(a.id, new Agent(a, now));
      this.agentTimers.set(a.id, {});
    }
  }

  // ---------------------------------------------------------------- targets and the line

  hasTarget(target: string): boolean {
    return this.targets.has(target);
  }

  targetNames(): string[] {
    return [...this.targets.keys()];
  }

  targetConfig(target: string): TargetConfig {
    return this.target(target).config;
  }

  /**
   * Add a waiting contact, or update one already waiting (same contactId): e.g. a caller who accepts a
   * callback is enqueued again with kind 'callback' and keeps its place and its `enqueuedAt`.
   */
  enqueue(contact: QueuedContact): void {
    this.version++;
    this.assertOpen();
    const t = this.target(contact.target);
    for (const other of this.targets.values()) {
      if (other !== t && other.line.get(contact.contactId)) this.remove(contact.contactId);
    }
    this.stopDialing(t, contact.contactId);
    const existed = t.line.get(contact.contactId) !== undefined;
    if (!existed && contact.kind === 'caller') {
      // what a new contact is told now, by every method, to be scored against its wait
      t.predictions.set(contact.contactId, { at: this.clock.now(), sec: this.ewtByMethod(t, this.snapshot(t, t.line.ordered(this.clock.now())), t.line.size) });
    } else if (contact.kind !== 'caller') {
      t.predictions.delete(contact.contactId);
    }
    t.line.upsert(contact);
    this.version++; // the prediction above read the line before this contact
    this.log?.debug({ event: existed ? 'contact_updated' : 'contact_enqueued', contactId: contact.contactId, kind: contact.kind, target: contact.target }, 'queue: contact waits');
    this.dispatch();
  }

  /** the contact leaves the line without an agent (hang-up, cancel); a flow waiting for it gets null */
  remove(contactId: string): void {
    this.version++;
    for (const t of this.targets.values()) {
      this.stopDialing(t, contactId);
      const e = t.line.delete(contactId);
      if (!e) continue;
      t.predictions.delete(contactId);
      if (e.contact.kind === 'caller') {
        const waitedMs = this.clock.now() - e.contact.enqueuedAt;
        this.recordOutcome(t, { at: this.clock.now(), waitedMs, answered: false });
        t.patience.record(waitedMs / 1000, true);
      }
      this.finishWaiter(e, null);
      this.log?.debug({ event: 'contact_removed', contactId, target: t.config.name }, 'queue: contact left the line');
    }
  }

  /**
   * Wait until this contact is the first connecting contact of its line and an agent is free, then reserve
   * the agent for it (the contact leaves the line). Resolves null on timeout, abort, removal or close().
   * Rejects when the contact is not in any line or a flow already waits for it.
   */
  reserveAgentFor(contactId: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<Reservation | null> {
    this.assertOpen();
    const found = this.findEntry(contactId);
    if (!found) return Promise.reject(unknownContact(contactId));
    const { t, entry } = found;
    if (entry.waiter) return Promise.reject(new QueueError('CONFLICT', `a flow already waits for an agent for contact "${contactId}"`, 'contactId'));
    if (opts.signal?.aborted) return Promise.resolve(null);
    return new Promise<Reservation | null>((resolve) => {
      const onAbort = () => this.finishWaiter(entry, null);
      const waiter: Waiter = {
        resolve,
        detach: () => {
          waiter.timer?.cancel();
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      entry.waiter = waiter;
      this.connecting++;
      this.stopDialing(t, contactId);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch();
      if (entry.waiter !== waiter) return; // reserved at once
      if (opts.timeoutMs <= 0) return this.finishWaiter(entry, null);
      waiter.timer = this.timers.schedule(opts.timeoutMs, () => {
        this.log?.debug({ event: 'reserve_timeout', contactId }, 'queue: no agent within the timeout');
        this.finishWaiter(entry, null);
      });
    });
  }

  // ---------------------------------------------------------------- reservations

  /** the agent answered: RESERVED -> BUSY. Throws when the reservation is not RESERVED (lapsed, released, unknown). */
  confirm(reservationId: string): void {
    this.version++;
    const r = this.reservations.get(reservationId);
    if (!r) throw new QueueError('CONFLICT', `reservation "${reservationId}" is not waiting for confirmation (lapsed or released)`, 'reservationId');
    if (r.confirmedAt !== undefined) return; // confirmed twice (an agent who accepted a preview, then answered): no change
    r.timer?.cancel();
    r.confirmedAt = this.clock.now();
    this.setState(r.agent, 'BUSY');
    this.log?.info({ event: 'reservation_confirmed', reservationId, agentId: r.agent.id, contactId: r.contact.contactId, target: r.target }, 'queue: agent connected');
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
    this.version++;
    const r = this.reservations.get(reservationId);
    if (!r) return;
    if (r.confirmedAt !== undefined) return this.callEnded(reservationId);
    this.endReservation(r);
    this.log?.info({ event: 'reservation_released', reservationId, agentId: r.agent.id, contactId: r.contact.contactId, agentFault: !!opts.agentFault }, 'queue: reservation released');
    if (opts.agentFault) {
      this.putBack(r);
      this.noAnswer(r.agent);
    } else {
      this.becomeAvailable(r.agent);
    }
    this.dispatch();
  }

  /** the call with the agent ended: BUSY -> AFTER_CALL_WORK (or READY), talk time recorded. Idempotent. */
  callEnded(reservationId: string): void {
    this.version++;
    const r = this.reservations.get(reservationId);
    if (!r) return;
    if (r.confirmedAt === undefined) return this.release(reservationId);
    this.endReservation(r);
    const t = this.targets.get(r.target)!;
    const talkSec = (this.clock.now() - r.confirmedAt) / 1000;
    t.talk.record(talkSec);
    this.log?.info({ event: 'call_ended', reservationId, agentId: r.agent.id, target: r.target, talkSec }, 'queue: call with agent ended');
    const acwSec = t.config.afterCallWorkSec;
    if (acwSec > 0) {
      this.setState(r.agent, 'AFTER_CALL_WORK');
      r.agent.acwEndsAt = this.clock.now() + acwSec * 1000;
      this.agentTimers.get(r.agent.id)!.acw = this.timers.schedule(acwSec * 1000, () => this.acwOver(r.agent));
    } else {
      this.becomeAvailable(r.agent);
      this.dispatch();
    }
  }

  // ---------------------------------------------------------------- agents (REST, registrar)

  /** log in and become READY when reachable (else NOT_READY `unreachable` until a registration arrives) */
  /**
   * Log in; READY when reachable. `atUri`: the phone the agent logs in at (a desk phone, a softphone that
   * registers elsewhere), called for its contacts until logout; a live registration with this service's
   * registrar still comes first.
   */
  login(agentId: string, atUri?: string): AgentView {
    this.version++;
    const a = this.agent(agentId);
    a.loggedIn = true;
    if (atUri !== undefined) a.loginUri = atUri;
    if (a.afterCall === 'logout') a.afterCall = undefined;
    if (a.state === 'NOT_READY') this.becomeAvailable(a);
    this.dispatch();
    return this.agentView(a);
  }

  /** log out now, or after the current call */
  logout(agentId: string): AgentView {
    this.version++;
    const a = this.agent(agentId);
    if (a.state === 'READY' || a.state === 'AFTER_CALL_WORK') this.setState(a, 'NOT_READY', 'logged-out');
    if (a.state === 'NOT_READY') {
      a.notReadyReason = 'logged-out';
      a.loggedIn = false;
      a.loginUri = undefined;
    } else {
      a.afterCall = 'logout';
    }
    this.cancelAcw(a);
    return this.agentView(a);
  }

  /** READY now (ends after-call work early); in a call: READY after it. Throws 409 when the agent cannot be reached. */
  setReady(agentId: string): AgentView {
    this.version++;
    const a = this.agent(agentId);
    const now = this.clock.now();
    if (!a.reachable(now)) throw new QueueError('CONFLICT', `agent "${agentId}" has no SIP URI and no live registration`, 'agentId');
    a.loggedIn = true;
    a.afterCall = undefined;
    if (a.state === 'NOT_READY' || a.state === 'AFTER_CALL_WORK') {
      this.cancelAcw(a);
      this.setState(a, 'READY');
      this.dispatch();
    }
    return this.agentView(a);
  }

  /** NOT_READY now, or after the current call */
  setNotReady(agentId: string): AgentView {
    this.version++;
    const a = this.agent(agentId);
    if (a.state === 'READY' || a.state === 'AFTER_CALL_WORK') {
      this.cancelAcw(a);
      this.setState(a, 'NOT_READY', 'requested');
    } else if (a.state === 'NOT_READY') {
      a.notReadyReason = a.loggedIn ? 'requested' : a.notReadyReason;
    } else {
      a.afterCall = a.afterCall ?? 'not-ready';
    }
    return this.agentView(a);
  }

  /**
   * A SIP registration for the agent (from the registrar). A new registration of an agent that is NOT_READY
   * only because of startup or a lapsed registration logs it in and makes it READY; a refresh changes nothing
   * but the expiry. The registration lapses by itself at `expiresAtMs`.
   */
  setRegistration(agentId: string, contactUri: string, expiresAtMs: number): void {
    this.version++;
    const a = this.agent(agentId);
    const now = this.clock.now();
    if (expiresAtMs <= now) return this.clearRegistration(agentId);
    const isNew = !a.registration || a.registration.expiresAt <= now;
    a.registration = { contactUri, expiresAt: expiresAtMs };
    const timers = this.agentTimers.get(agentId)!;
    timers.registration?.cancel();
    timers.registration = this.timers.schedule(expiresAtMs - now, () => {
      this.log?.info({ event: 'registration_lapsed', agentId }, 'queue: agent registration lapsed');
      this.clearRegistration(agentId);
    });
    if (isNew) this.log?.info({ event: 'registration', agentId, contactUri }, 'queue: agent registered');
    if (isNew && a.state === 'NOT_READY' && (a.notReadyReason === 'startup' || a.notReadyReason === 'unreachable')) {
      a.loggedIn = true;
      this.setState(a, 'READY');
      this.dispatch();
    }
  }

  /** the registration ended (un-REGISTER or lapse): a READY agent without static URI becomes NOT_READY */
  clearRegistration(agentId: string): void {
    this.version++;
    const a = this.agent(agentId);
    this.agentTimers.get(agentId)!.registration?.cancel();
    if (!a.registration) return;
    a.registration = undefined;
    if (!a.reachable(this.clock.now()) && a.state === 'READY') this.setState(a, 'NOT_READY', 'unreachable');
  }

  // ---------------------------------------------------------------- EWT and pacing

  /** contacts waiting in the target's line */
  queueLength(target: string): number {
    return this.target(target).line.size;
  }

  /** EWT in seconds for a new contact entering the target now; at most, and when nobody is staffed, the target's `maxEwtSec` */
  estimatedWaitSeconds(target: string, method?: EwtMethod): number {
    const t = this.target(target);
    return this.waitAt(t, t.line.size, method ?? t.config.ewtMethod);
  }

  /** EWT for the contact at `position` (0 = first in line) */
  estimatedWaitAtPosition(target: string, position: number, method?: EwtMethod): number {
    const t = this.target(target);
    return this.waitAt(t, Math.max(0, Math.floor(position)), method ?? t.config.ewtMethod);
  }

  /** expected number of the target's agents free now or within `seconds` (a sum of probabilities) */
  expectedAgentsFreeWithin(target: string, seconds: number): number {
    return expectedFreeWithin(this.snapshot(this.target(target)), seconds);
  }

  /**
   * Pacing rule for callbacks: dial a callback only when the agents expected free within the target's
   * `pacingHorizonSec` cover every contact that will take an agent first, plus this one:
   *   expectedAgentsFreeWithin(target, pacingHorizonSec) ≥ ahead + 1
   * `ahead` counts the contacts a flow is connecting now (anywhere in line: they take the next free agent),
   * callbacks being dialed, and live callers before `contactId` in line order (the whole line without it).
   * Callbacks still in virtual hold are not counted: the same rule paces them, in line order.
   *
   * A `true` answer for a `contactId` counts that callback as being dialed until a flow asks an agent for it
   * (`reserveAgentFor`), it leaves the line or is enqueued again, or `pacingHoldSec` passes; so one
   * scheduler pass cannot dial more callbacks than agents are expected.
   */
  canDispatchCallback(target: string, contactId?: string): boolean {
    const t = this.target(target);
    const now = this.clock.now();
    let ahead = 0;
    let before = contactId !== undefined;
    for (const e of t.line.ordered(now)) {
      const id = e.contact.contactId;
      if (id === contactId) {
        before = false;
        continue;
      }
      if (e.waiter || t.dialing.has(id) || (e.contact.kind === 'caller' && (before || contactId === undefined))) ahead++;
    }
    for (const id of t.dialing.keys()) if (id !== contactId && !t.line.get(id)) ahead++;
    const ok = this.expectedAgentsFreeWithin(target, t.config.pacingHorizonSec) >= ahead + 1 && this.groupCanTakeOneMore(t, contactId, ahead);
    if (ok && contactId !== undefined && t.line.get(contactId) && !t.dialing.has(contactId)) this.callbackDialing(target, contactId);
    return ok;
  }

  /**
   * The pacing rule over the targets that share agents with `t` (none: true): the agents of the whole group
   * expected free within the horizon must also cover the contacts of the other lines that will take one first
   * (connecting, being dialed, live callers ranked before this callback), plus `ahead` and this callback.
   */
  private groupCanTakeOneMore(t: Target, contactId: string | undefined, ahead: number): boolean {
    const shared = this.sharedGroup(t);
    if (!shared) return true;
    const now = this.clock.now();
    const own = contactId !== undefined ? t.line.get(contactId) : undefined;
    const mine = own ? { p: t.line.effectivePriority(own.contact, now), at: own.contact.enqueuedAt } : undefined;
    let others = 0;
    for (const name of shared.names) {
      if (name === t.config.name) continue;
      const u = this.targets.get(name)!;
      for (const e of u.line.ordered(now)) {
        const p = u.line.effectivePriority(e.contact, now);
        const before = !mine || p > mine.p || (p === mine.p && e.contact.enqueuedAt <= mine.at);
        if (e.waiter || u.dialing.has(e.contact.contactId) || (e.contact.kind === 'caller' && before)) others++;
      }
      for (const id of u.dialing.keys()) if (!u.line.get(id)) others++;
    }
    const horizon = t.config.pacingHorizonSec;
    let free = 0;
    for (const a of shared.group.agents) {
      const u = shared.group.targets[a.callTarget]!;
      free += expectedFreeWithin({ agents: [a.load], talk: u.talk, talkMeanSec: u.talkMeanSec, acwSec: u.acwSec }, horizon);
    }
    return free >= ahead + others + 1;
  }

  /**
   * Count a callback as being dialed (see canDispatchCallback) for `holdMs` (default the target's
   * `pacingHoldSec`), or until a flow asks an agent for it, it leaves the line or is enqueued again.
   */
  callbackDialing(target: string, contactId: string, holdMs?: number): void {
    const t = this.target(target);
    this.stopDialing(t, contactId);
    const ms = holdMs ?? t.config.pacingHoldSec * 1000;
    t.dialing.set(
      contactId,
      this.timers.schedule(ms, () => t.dialing.delete(contactId)),
    );
  }

  /** a READY agent is free for this target now beyond the contacts already connecting (for `_wait_for_agent`) */
  hasFreeAgent(target: string): boolean {
    const t = this.target(target);
    const now = this.clock.now();
    const free = [...this.agents.values()].filter((a) => a.state === 'READY' && a.serves(target) && a.reachable(now)).length;
    const connecting = [...t.line.ordered(now)].filter((e) => e.waiter).length;
    return free > connecting + t.dialing.size;
  }

  /** planned agents from the target's staffing at `atMs`; undefined when the target has no staffing */
  plannedAgents(target: string, atMs: number): number | undefined {
    const s = this.target(target).config.staffing;
    return s ? plannedAgents(s, atMs) : undefined;
  }

  /** contacts the planned agents can take in a time bucket (staffing × length ÷ mean handle time); undefined without staffing */
  bucketCapacity(target: string, startMs: number, minutes: number): number | undefined {
    const t = this.target(target);
    if (!t.config.staffing) return undefined;
    return bucketCapacity(t.config.staffing, startMs, minutes, t.talk.mean + t.config.afterCallWorkSec);
  }

  // ---------------------------------------------------------------- views

  listAgents(): AgentView[] {
    return [...this.agents.values()].map((a) => this.agentView(a));
  }

  getAgent(agentId: string): AgentView {
    return this.agentView(this.agent(agentId));
  }

  hasAgent(agentId: string): boolean {
    return this.agents.has(agentId);
  }

  agentConfigs(): AgentConfig[] {
    return [...this.agents.values()].map((a) => a.config);
  }

  /** the line of a target in order, each contact with its position and EWT by each method */
  waitingContacts(target: string): WaitingContactView[] {
    const t = this.target(target);
    const now = this.clock.now();
    const line = t.line.ordered(now);
    const snap = this.snapshot(t, line);
    const byPosition = this.ewtByPosition(t, snap, line.length - 1);
    return line.map((e, position) => ({
      position,
      contactId: e.contact.contactId,
      kind: e.contact.kind,
      enqueuedAt: new Date(e.contact.enqueuedAt).toISOString(),
      waitedSec: Math.max(0, (now - e.contact.enqueuedAt) / 1000),
      effectivePriority: t.line.effectivePriority(e.contact, now),
      connecting: e.waiter !== undefined,
      ewtSec: byMethod(byPosition, position),
    }));
  }

  targetStats(target: string): TargetStats {
    const t = this.target(target);
    const now = this.clock.now();
    this.pruneOutcomes(t);
    const agents: Record<AgentState, number> = { READY: 0, NOT_READY: 0, RESERVED: 0, BUSY: 0, AFTER_CALL_WORK: 0 };
    for (const a of this.agents.values()) if (a.serves(target)) agents[a.state]++;
    const snap = this.snapshot(t);
    const answered = t.outcomes.filter((o) => o.answered);
    const slMs = t.config.serviceLevelSec * 1000;
    const abandoned = t.outcomes.filter((o) => !o.answered);
    const counted = answered.length + abandoned.filter((o) => o.waitedMs > slMs).length;
    const inSl = answered.filter((o) => o.waitedMs <= slMs).length;
    const handleSec = t.talk.mean + t.config.afterCallWorkSec;
    const spanSec = Math.min(this.windowMs, Math.max(1, now - (t.outcomes[0]?.at ?? now))) / 1000;
    const arrivals = t.outcomes.length;
    return {
      waiting: t.line.size,
      agents,
      staffed: snap.agents.length,
      meanTalkSec: round1(t.talk.mean),
      measuredCalls: t.talk.samples,
      serviceLevel: counted ? inSl / counted : null,
      forecastServiceLevel: arrivals >= 2 ? erlangServiceLevel(snap.agents.length, (arrivals / spanSec) * handleSec, handleSec, t.config.serviceLevelSec) : null,
      answered: answered.length,
      abandoned: abandoned.length,
      meanWaitSec: answered.length ? round1(answered.reduce((s, o) => s + o.waitedMs, 0) / answered.length / 1000) : null,
      ewtSec: this.ewtByMethod(t, this.snapshot(t, t.line.ordered(now)), t.line.size),
      ewtAccuracy: this.ewtAccuracy(target),
    };
  }

  /** stop every timer; flows still waiting get null. The service is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.targets.values()) {
      for (const e of t.line.ordered(this.clock.now())) this.finishWaiter(e, null);
      for (const h of t.dialing.values()) h.cancel();
      t.dialing.clear();
    }
    for (const r of this.reservations.values()) r.timer?.cancel();
    for (const timers of this.agentTimers.values()) {
      timers.registration?.cancel();
      timers.acw?.cancel();
    }
  }

  // ---------------------------------------------------------------- internals

  private target(name: string): Target {
    const t = this.targets.get(name);
    if (!t) throw unknownTarget(name);
    return t;
  }

  private agent(id: string): Agent {
    const a = this.agents.get(id);
    if (!a) throw unknownAgent(id);
    return a;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('queue service is closed');
  }

  private findEntry(contactId: string): { t: Target; entry: QueueEntry<Waiter> } | undefined {
    for (const t of this.targets.values()) {
      const entry = t.line.get(contactId);
      if (entry) return { t, entry };
    }
    return undefined;
  }

  private finishWaiter(entry: QueueEntry<Waiter>, r: Reservation | null): void {
    const w = entry.waiter;
    if (!w) return;
    entry.waiter = undefined;
    this.connecting--;
    w.detach();
    w.resolve(r);
  }

  private stopDialing(t: Target, contactId: string): void {
    const h = t.dialing.get(contactId);
    if (!h) return;
    h.cancel();
    t.dialing.delete(contactId);
  }

  private setState(a: Agent, next: AgentState, reason?: NotReadyReason): void {
    this.version++;
    const from = a.moveTo(next, this.clock.now(), reason);
    this.log?.info({ event: 'agent_state', agentId: a.id, from, to: next, ...(reason ? { reason } : {}) }, 'queue: agent state changed');
  }

  /** after a call, ACW or a release: READY unless the agent asked otherwise or cannot be reached */
  private becomeAvailable(a: Agent): void {
    const after = a.afterCall;
    a.afterCall = undefined;
    if (after === 'logout') {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', 'logged-out');
      a.loggedIn = false;
      a.loginUri = undefined;
      a.notReadyReason = 'logged-out';
    } else if (after === 'not-ready' || !a.loggedIn) {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', a.loggedIn ? 'requested' : 'logged-out');
    } else if (!a.reachable(this.clock.now())) {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', 'unreachable');
      else a.notReadyReason = 'unreachable';
    } else if (a.state !== 'READY') {
      this.setState(a, 'READY');
    }
  }

  private acwOver(a: Agent): void {
    this.agentTimers.get(a.id)!.acw = undefined;
    if (a.state !== 'AFTER_CALL_WORK') return;
    this.becomeAvailable(a);
    this.dispatch();
  }

  private cancelAcw(a: Agent): void {
    const timers = this.agentTimers.get(a.id)!;
    timers.acw?.cancel();
    timers.acw = undefined;
  }

  private endReservation(r: ActiveReservation): void {
    r.timer?.cancel();
    this.reservations.delete(r.id);
    r.agent.reservationId = undefined;
  }

  /** a contact whose reservation did not lead to a call goes back to its place (same enqueuedAt) */
  private putBack(r: ActiveReservation): void {
    const t = this.targets.get(r.target)!;
    if (!t.line.get(r.contact.contactId)) t.line.upsert(r.contact);
  }

  private lapse(r: ActiveReservation): void {
    if (this.reservations.get(r.id) !== r || r.confirmedAt !== undefined) return;
    this.endReservation(r);
    this.log?.warn({ event: 'reservation_lapsed', reservationId: r.id, agentId: r.agent.id, contactId: r.contact.contactId }, 'queue: reservation lapsed unconfirmed');
    this.putBack(r);
    this.noAnswer(r.agent);
    this.dispatch();
  }

  /** the agent did not answer an offered contact: NOT_READY (no-answer), or logged out if it asked to be */
  private noAnswer(a: Agent): void {
    const loggingOut = a.afterCall === 'logout';
    a.afterCall = undefined;
    this.setState(a, 'NOT_READY', loggingOut ? 'logged-out' : 'no-answer');
    if (loggingOut) a.loggedIn = false;
  }

  /**
   * Reserve agents for connecting contacts while both exist. Re-entrant calls (from a resolve or a state
   * change made while dispatching) only ask for one more round, so one pass never hands an agent out twice.
   */
  private dispatch(): void {
    if (this.closed) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        while (this.reserveOne()) {
          /* keep going */
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  /** one reservation: the longest-idle READY agent that has a connecting contact in one of its targets */
  private reserveOne(): boolean {
    if (this.connecting === 0) return false;
    const now = this.clock.now();
    const ready = [...this.agents.values()].filter((a) => a.state === 'READY' && a.reachable(now)).sort((x, y) => x.idleSince - y.idleSince);
    const connecting = (e: QueueEntry<Waiter>) => e.waiter !== undefined;
    for (const agent of ready) {
      let best: { t: Target; e: QueueEntry<Waiter>; p: number } | undefined;
      for (const name of agent.config.targets) {
        const t = this.targets.get(name)!;
        const e = t.line.next(now, connecting);
        if (!e) continue;
        const p = t.line.effectivePriority(e.contact, now);
        if (!best || p > best.p || (p === best.p && e.contact.enqueuedAt < best.e.contact.enqueuedAt)) best = { t, e, p };
      }
      if (!best) continue;
      this.reserve(agent, best.t, best.e);
      return true;
    }
    return false;
  }

  private reserve(agent: Agent, t: Target, entry: QueueEntry<Waiter>): void {
    this.version++;
    const now = this.clock.now();
    t.line.connected(entry, (e) => e.waiter !== undefined);
    t.line.delete(entry.contact.contactId);
    const r: ActiveReservation = {
      id: this.newId(),
      agent,
      target: t.config.name,
      contact: entry.contact,
      reservedAt: now,
      expiresAt: now + t.config.reservationTimeoutSec * 1000,
    };
    this.reservations.set(r.id, r);
    agent.reservationId = r.id;
    this.setState(agent, 'RESERVED');
    r.timer = this.timers.schedule(r.expiresAt - now, () => this.lapse(r));
    this.recordOutcome(t, { at: now, waitedMs: now - entry.contact.enqueuedAt, answered: true });
    if (entry.contact.kind === 'caller') t.patience.record((now - entry.contact.enqueuedAt) / 1000, false);
    const predicted = t.predictions.get(entry.contact.contactId);
    if (predicted) {
      t.predictions.delete(entry.contact.contactId);
      t.scored.push({ at: now, waitSec: (now - predicted.at) / 1000, predictedSec: predicted.sec });
      if (t.scored.length > 4096) this.pruneOutcomes(t);
    }
    this.log?.info(
      { event: 'agent_reserved', reservationId: r.id, agentId: agent.id, contactId: entry.contact.contactId, kind: entry.contact.kind, target: r.target },
      'queue: agent reserved',
    );
    this.finishWaiter(entry, {
      reservationId: r.id,
      target: r.target,
      agent: { agentId: agent.id, uri: agent.uri(now)! },
      expiresAt: r.expiresAt,
      contactId: entry.contact.contactId,
    });
  }

  private recordOutcome(t: Target, o: Outcome): void {
    t.outcomes.push(o);
    if (t.outcomes.length > 4096) this.pruneOutcomes(t);
  }

  private pruneOutcomes(t: Target): void {
    const from = this.clock.now() - this.windowMs;
    for (const list of [t.outcomes, t.scored]) {
      let i = 0;
      while (i < list.length && list[i]!.at < from) i++;
      if (i) list.splice(0, i);
    }
  }

  /** the EWT's error for the live callers of the stats window who reached an agent (see EwtAccuracy) */
  ewtAccuracy(target: string): EwtAccuracy | null {
    const t = this.target(target);
    this.pruneOutcomes(t);
    const n = t.scored.length;
    if (!n) return null;
    const per = (f: (w: ScoredWait, m: EwtMethod) => number) => Object.fromEntries(EWT_METHODS.map((m) => [m, round1(t.scored.reduce((sum, w) => sum + f(w, m), 0) / n)])) as Record<EwtMethod, number>;
    return {
      callers: n,
      meanWaitSec: round1(t.scored.reduce((sum, w) => sum + w.waitSec, 0) / n),
      maeSec: per((w, m) => Math.abs(w.predictedSec[m] - w.waitSec)),
      biasSec: per((w, m) => w.predictedSec[m] - w.waitSec),
    };
  }

  /**
   * What the agents of a target are doing now, for the EWT methods; with the line in order (`line`), also
   * which contacts ahead may hang up, for 'erlang-a'.
   */
  private snapshot(t: Target, line?: readonly QueueEntry<Waiter>[]): EwtSnapshot {
    const now = this.clock.now();
    const loads: AgentLoad[] = [];
    for (const a of this.agents.values()) {
      if (!a.serves(t.config.name) || !staffed(a, now)) continue;
      const load = this.loadOf(a);
      if (load) loads.push(load);
    }
    const snap: EwtSnapshot = { agents: loads, talk: t.talk.distribution(), talkMeanSec: t.talk.mean, acwSec: t.config.afterCallWorkSec };
    if (line) snap.abandonment = { ratePerSec: t.patience.ratePerSec, mayAbandon: line.map((e) => e.contact.kind === 'caller') };
    return snap;
  }

  /** what an agent is doing, for the EWT methods; undefined when NOT_READY */
  private loadOf(a: Agent): AgentLoad | undefined {
    const now = this.clock.now();
    switch (a.state) {
      case 'READY':
        return { kind: 'free' };
      case 'RESERVED':
        return { kind: 'reserved' };
      case 'BUSY': {
        const r = a.reservationId ? this.reservations.get(a.reservationId) : undefined;
        return { kind: 'busy', talkElapsedSec: r?.confirmedAt !== undefined ? (now - r.confirmedAt) / 1000 : 0 };
      }
      case 'AFTER_CALL_WORK':
        return { kind: 'acw', acwRemainingSec: Math.max(0, ((a.acwEndsAt ?? now) - now) / 1000) };
      case 'NOT_READY':
        return undefined;
    }
  }

  /** the targets linked to `t` by staffed agents that serve more than one target (followed transitively), `t` first */
  private groupNames(t: Target): string[] {
    if (this.multiSkillEwt === 'per-target') return [t.config.name];
    const now = this.clock.now();
    const staffedAgents = [...this.agents.values()].filter((a) => staffed(a, now) && a.state !== 'NOT_READY' && a.config.targets.length > 1);
    const names = [t.config.name];
    for (let i = 0; i < names.length; i++) {
      for (const a of staffedAgents) if (a.serves(names[i]!)) for (const n of a.config.targets) if (!names.includes(n)) names.push(n);
    }
    return names;
  }

  /**
   * The group of targets that share agents with `t`, with every staffed agent of the group, for the joint EWT
   * (ewt-shared.ts; `t` is index 0); undefined when `t`'s staffed agents serve `t` alone (or 'per-target').
   */
  private sharedGroup(t: Target): { group: SharedGroup; index: number; names: string[] } | undefined {
    const names = this.groupNames(t);
    return names.length > 1 ? { group: this.buildGroup(names), index: 0, names } : undefined;
  }

  private buildGroup(names: string[]): SharedGroup {
    const now = this.clock.now();
    const index = new Map(names.map((n, i) => [n, i]));
    const targets = names.map((n) => {
      const u = this.targets.get(n)!;
      return {
        talk: u.talk.distribution(),
        talkMeanSec: u.talk.mean,
        acwSec: u.config.afterCallWorkSec,
        abandonRatePerSec: u.patience.ratePerSec,
        line: u.line.ordered(now).map((e) => ({ priority: u.line.effectivePriority(e.contact, now), enqueuedAt: e.contact.enqueuedAt, mayAbandon: e.contact.kind === 'caller' })),
      };
    });
    const agents: SharedAgent[] = [];
    for (const a of this.agents.values()) {
      if (!staffed(a, now)) continue;
      const serves = a.config.targets.filter((n) => index.has(n)).map((n) => index.get(n)!);
      const load = this.loadOf(a);
      if (!serves.length || !load) continue;
      const r = a.reservationId ? this.reservations.get(a.reservationId) : undefined;
      agents.push({ load, callTarget: (r && index.get(r.target)) ?? serves[0]!, serves });
    }
    return { targets, agents };
  }

  /**
   * Joint EWT of every position of `t`'s line and, last, of a new contact, capped: one pass for the whole
   * group (sharedWaitsAll), kept for the group's other targets and later questions until the queue changes or
   * a second has passed (the supervisor's view asks for every target every second; each IVR call asks once).
   */
  private jointWaits(t: Target, names: string[], method: EwtMethod): Float64Array {
    const key = `${[...names].sort().join('\u0000')}#${method}`;
    const now = this.clock.now();
    const hit = this.jointCache.get(key);
    if (hit && hit.version === this.version && now >= hit.at && now - hit.at < JOINT_CACHE_MS) return hit.waits.get(t.config.name)!;
    const entering = names.map((n) => ({ priority: this.targets.get(n)!.config.priorities.caller, enqueuedAt: now }));
    const all = sharedWaitsAll(this.buildGroup(names), entering, method);
    const waits = new Map(names.map((n, i) => [n, all[i]!.map((x) => Math.min(x, this.targets.get(n)!.config.maxEwtSec))]));
    this.jointCache.set(key, { at: now, version: this.version, waits });
    return waits.get(t.config.name)!;
  }

  /** EWT of positions 0..maxAhead past the end of a shared target's line (estimatedWaitAtPosition beyond it), capped */
  private sharedWaitsBeyond(t: Target, names: string[], maxAhead: number, method: EwtMethod): Float64Array {
    const entering = { priority: t.config.priorities.caller, enqueuedAt: this.clock.now() };
    return sharedWaits(this.buildGroup(names), 0, maxAhead, entering, method).map((x) => Math.min(x, t.config.maxEwtSec));
  }

  private waitAt(t: Target, ahead: number, method: EwtMethod): number {
    const names = this.groupNames(t);
    if (names.length > 1) return ahead <= t.line.size ? this.jointWaits(t, names, method)[ahead]! : this.sharedWaitsBeyond(t, names, ahead, method)[ahead]!;
    // only 'erlang-a' reads the line (ordering it costs a sort)
    const snap = this.snapshot(t, method === 'erlang-a' ? t.line.ordered(this.clock.now()) : undefined);
    return Math.min(estimateWait(snap, ahead, method) ?? t.config.maxEwtSec, t.config.maxEwtSec);
  }

  private ewtByMethod(t: Target, snap: EwtSnapshot, ahead: number): Record<EwtMethod, number> {
    const out = {} as Record<EwtMethod, number>;
    for (const m of EWT_METHODS) out[m] = round1(this.groupNames(t).length > 1 ? this.waitAt(t, ahead, m) : Math.min(estimateWait(snap, ahead, m) ?? t.config.maxEwtSec, t.config.maxEwtSec));
    return out;
  }

  /** EWT of every position 0..maxAhead by each method, in one pass per method */
  private ewtByPosition(t: Target, snap: EwtSnapshot, maxAhead: number): Record<EwtMethod, number[]> {
    const cap = (x: number) => round1(Math.min(x, t.config.maxEwtSec));
    const positions = Array.from({ length: Math.max(0, maxAhead + 1) }, (_, k) => k);
    const names = this.groupNames(t);
    if (names.length > 1 && maxAhead < t.line.size) {
      const of = (m: EwtMethod) => [...this.jointWaits(t, names, m).subarray(0, maxAhead + 1)].map(round1);
      return { simple: of('simple'), erlang: of('erlang'), 'erlang-a': of('erlang-a') };
    }
    if (snap.agents.length === 0) return { simple: positions.map(() => t.config.maxEwtSec), erlang: positions.map(() => t.config.maxEwtSec), 'erlang-a': positions.map(() => t.config.maxEwtSec) };
    const free = snap.agents.filter((a) => a.kind === 'free').length;
    const simulated = maxAhead >= 0 ? simulatedWaits(snap, maxAhead) : new Float64Array(0);
    const withAbandonment = maxAhead >= 0 ? simulatedWaits(snap, maxAhead, true) : new Float64Array(0);
    return {
      simple: positions.map((k) => cap(k < free ? 0 : simpleWait(snap, k))),
      erlang: positions.map((k) => cap(k < free ? 0 : simulated[k]!)),
      'erlang-a': positions.map((k) => cap(k < free ? 0 : withAbandonment[k]!)),
    };
  }

  private agentView(a: Agent): AgentView {
    return agentView(a, a.reservationId ? this.reservations.get(a.reservationId) : undefined, this.clock.now());
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** how long a joint EWT pass answers for its group while nothing changes (elapsed talk times move it slowly) */
const JOINT_CACHE_MS = 1000;

/** an agent who takes contacts of its targets: logged in, reachable, not leaving after its call */
const staffed = (a: Agent, now: number): boolean => a.loggedIn && !a.afterCall && a.reachable(now);

const byMethod = (byPosition: Record<EwtMethod, number[]>, position: number): Record<EwtMethod, number> => ({
  simple: byPosition.simple[position]!,
  erlang: byPosition.erlang[position]!,
  'erlang-a': byPosition['erlang-a'][position]!,
});

import { AsyncLocalStorage } from 'node:async_hooks';
import os from 'node:os';
import { newId } from './ids';
import type { Logger } from 'pino';
import type { ApprovalSteps, AttemptOutcome, AttemptResult, Dialer, DialStage } from '../ports/dialer';
import type { CommittedEvent, NewEvent, Store } from '../store/store';
import type { CallbackService, SchedulerHooks } from './callback-service';
import { systemTimers, type Clock, type TimerHandle, type TimerScheduler } from '../time';
import { nextStep } from './retry-policy';
import type { ServiceSettings } from './service-options';
import type { AttemptRecord, CallbackRecord } from '../ports/callback-records';
import { messageOf } from '../errors';

/** Lets the queue hold back callbacks that no agent could take yet (pacing, `_wait_for_agent`). */
export interface DispatchGate {
  /** a callback became QUEUED (it waits in its target's queue) */
  queued(callback: CallbackRecord): void;
  /** the callback left the queue (completed, or waiting for a retry or a rescheduled time) */
  left(callbackId: string): void;
  /** may this QUEUED callback be dialed now? */
  canDispatch(callback: CallbackRecord, settings: ServiceSettings): boolean;
}

export interface SchedulerMetrics {
  dispatchLag(seconds: number): void;
  attemptEnded(outcome: AttemptOutcome): void;
  completed(reason: string): void;
}

export interface SchedulerOptions {
  store: Store;
  callbacks: CallbackService;
  dialer: Dialer;
  clock: Clock;
  /** the scheduler's own timers (next pass, lease renewal, shutdown deadline); default real time */
  timers?: TimerScheduler;
  logger: Logger;
  gate?: DispatchGate;
  metrics?: SchedulerMetrics;
  /** at most this many attempts at once */
  maxConcurrentAttempts?: number;
  /** rows read per pass (at most) */
  batchSize?: number;
  /** when held (dialer not ready, gate closed), look again after this long */
  holdRetryMs?: number;
  /** longest sleep between passes when nothing is due */
  idlePollMs?: number;
  /** this instance's name on its leases (default: the host name) */
  instanceName?: string;
}

/** a lease held by a process of this instance's name, on this host, that no longer exists (killed) can be taken at once */
const ownerIsDeadFor = (name: string) => (owner: string): boolean => {
  const [host, pid] = owner.split(':');
  if (host !== name || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

/**
 * the instance dialing a callback holds its lease this long unless renewed, every LEASE_RENEW_MS while the call
 * runs. An instance killed mid-callback: another takes the callback over once the lease expired (its leases'
 * keeper looks every LEASE_RENEW_MS), so within LEASE_MS + LEASE_RENEW_MS = 8 s. An instance that could not renew for
 * LEASE_MS - LEASE_MARGIN_MS stops its attempts itself, before another may take them over.
 */
export const LEASE_MS = 6_000;
const LEASE_RENEW_MS = 2_000;
const LEASE_MARGIN_MS = 1_500;
/** abandoned in-flight callbacks taken over per round of the leases' keeper */
const SWEEP_BATCH = 100;

interface Claim {
  callback: CallbackRecord;
  settings: ServiceSettings;
  attempt: AttemptRecord;
}

interface Running {
  controller: AbortController;
  /** the lease on the callback was lost (cancelled or taken over elsewhere): the attempt's end is not this instance's to record */
  leaseLost: boolean;
  done: Promise<void>;
  /** the progress being recorded (the CONNECTED stage) */
  progress: Promise<void>;
  cancelled: boolean;
}

/**
 * Dispatches due callbacks to the dialer and applies the retry policy to each attempt's outcome.
 * The store is the only source of truth: every step is committed before the next one starts, so a
 * process killed at any moment loses nothing; on start, attempts left running by a dead process are
 * closed as FAILED and retried per policy. A callback is claimed with a guarded state change, so it is
 * never dialed twice at the same time.
 */
export class Scheduler implements SchedulerHooks {
  private readonly running = new Map<string, Running>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private passing = false;
  /** the pass running now, if any (close waits for it: its claims are then dialed and aborted like any attempt) */
  private currentPass: Promise<void> = Promise.resolve();
  /** a pass asked for while one was under way: it runs right after */
  private followUp: Promise<void> | undefined;
  private closed = false;
  private active = false;
  private leaseTimer: TimerHandle | undefined;
  /** the leases of this instance's attempts are known held until then (the last renewal that answered) */
  private leasesHeldUntil = 0;
  private stopWatchingAccepted: (() => void) | undefined;
  private readonly stopListening: () => void;
  private readonly owner: string;
  private readonly ownerIsDead: (owner: string) => boolean;
  private readonly maxConcurrent: number;
  private readonly batchSize: number;
  private readonly holdRetryMs: number;
  private readonly idlePollMs: number;
  private readonly timers: TimerScheduler;
  /**
   * runs the scheduler's own work in the context it was made in: a pass armed by a caller inside a store
   * transaction (an accepted callback fell due) must not run inside that caller's transaction
   */
  private readonly detached = AsyncLocalStorage.snapshot();

  constructor(private readonly o: SchedulerOptions) {
    this.timers = o.timers ?? systemTimers;
    this.maxConcurrent = o.maxConcurrentAttempts ?? 200;
    this.batchSize = o.batchSize ?? 500;
    this.holdRetryMs = o.holdRetryMs ?? 1000;
    this.idlePollMs = o.idlePollMs ?? 1000;
    const name = o.instanceName ?? os.hostname();
    this.owner = `${name}:${process.pid}:${newId()}`;
    this.ownerIsDead = ownerIsDeadFor(name);
    this.stopListening = o.callbacks.notices.listen(this);
  }

  /**
   * Recover what dead instances left in flight (their leases expired, or their process is gone), then dispatch.
   * Every instance on a database dispatches: each claims what it dials with a lease on the callback.
   */
  async start(): Promise<void> {
    if (this.closed) return;
    await this.sweep(this.o.clock.now());
    if (this.closed) return;
    if (this.o.gate) {
      for (const c of await this.o.store.searchCallbacks({ states: ['QUEUED'], limit: 1_000_000 })) this.o.gate.queued(c);
      // a callback accepted QUEUED (immediate) takes its place in the target's line once its commit is done
      this.stopWatchingAccepted = this.o.store.onCommitted((events) => this.enqueueAccepted(events));
    }
    this.active = true;
    this.renewLeasesEvery(LEASE_RENEW_MS);
    this.arm(0);
  }

  private enqueueAccepted(events: CommittedEvent[]): void {
    for (const e of events) {
      if (e.type !== 'CREATED' || e.state !== 'QUEUED') continue;
      this.o.store.getCallback(e.callbackId).then(
        (c) => {
          if (c?.state === 'QUEUED') this.o.gate?.queued(c);
        },
        (err: unknown) => this.o.logger.error({ err, callbackId: e.callbackId }, 'could not read an accepted callback for its queue'),
      );
    }
  }

  /** true once started (dispatching) until closed */
  get isActive(): boolean {
    return this.active;
  }

  /** this instance's name on the leases it takes (host:pid:random) */
  get leaseOwner(): string {
    return this.owner;
  }

  /** the leases' keeper: renew this instance's, then take over what dead instances left */
  private renewLeasesEvery(ms: number): void {
    this.leaseTimer = this.timers.schedule(ms, () =>
      this.detached(() => {
        void this.keepLeases().finally(() => {
          if (!this.closed) this.renewLeasesEvery(ms);
        });
      }),
    );
  }

  private async keepLeases(): Promise<void> {
    await this.renewLeases();
    if (this.closed) return;
    try {
      await this.sweep(this.o.clock.now());
    } catch (err) {
      this.o.logger.error({ err }, 'could not look for attempts left by stopped instances; looking again soon');
    }
  }

  /**
   * extend the leases of the attempts running here; an attempt whose lease is gone (its callback cancelled on
   * another instance, or taken over after this one stalled) is stopped, and so is every attempt when the leases
   * could not be renewed for nearly their whole length (another instance may take them over soon)
   */
  private async renewLeases(): Promise<void> {
    const now = this.o.clock.now();
    const entries = [...this.running.entries()];
    if (!entries.length) return;
    let held: Set<string>;
    try {
      held = new Set(await this.o.store.renewLeases(this.owner, entries.map(([id]) => id), now + LEASE_MS));
      this.leasesHeldUntil = now + LEASE_MS;
    } catch (err) {
      this.o.logger.error({ err }, 'could not renew the leases of running attempts');
      if (this.o.clock.now() < this.leasesHeldUntil - LEASE_MARGIN_MS) return;
      held = new Set();
    }
    for (const [id, entry] of entries) {
      if (held.has(id) || this.running.get(id) !== entry || entry.leaseLost) continue;
      entry.leaseLost = true;
      this.o.logger.warn({ callbackId: id }, 'lease on the callback lost (cancelled or taken over elsewhere); stopping its attempt');
      entry.controller.abort(new Error('lease on the callback lost'));
    }
  }

  /** resolves once no pass is under way (what its claims started runs on) */
  async idle(): Promise<void> {
    while (this.passing || this.followUp) await (this.followUp ?? this.currentPass);
  }

  get activeAttempts(): number {
    return this.running.size;
  }

  // --- SchedulerHooks -------------------------------------------------------------------------------

  due(at: number): void {
    if (this.closed) return;
    this.arm(Math.max(0, at - this.o.clock.now()));
  }

  left(callback: CallbackRecord): void {
    this.o.gate?.left(callback.id);
  }

  async cancelRunning(callbackId: string): Promise<boolean> {
    const r = this.running.get(callbackId);
    if (!r) return false;
    r.cancelled = true;
    r.controller.abort(new Error('callback cancelled'));
    await Promise.race([r.done, this.after(5000)]);
    return true;
  }

  // --- the loop --------------------------------------------------------------------------------------

  private arm(delayMs: number): void {
    if (this.closed) return;
    const at = this.o.clock.now() + delayMs;
    if (this.timer && at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.timers.schedule(delayMs, () =>
      this.detached(() => {
        this.timer = undefined;
        this.timerAt = Infinity;
        void this.pass();
      }),
    );
  }

  private after(ms: number): Promise<void> {
    return new Promise((res) => this.timers.schedule(ms, res));
  }

  /** one pass over what is due now; resolves when it is done (its failures are logged, and the loop goes on) */
  pass(): Promise<void> {
    if (this.passing) {
      // the pass under way read the time before this call: one more follows it
      this.followUp ??= this.currentPass.then(() => {
        this.followUp = undefined;
        return this.pass();
      });
      return this.followUp;
    }
    if (this.closed || !this.active) return Promise.resolve();
    const room = this.maxConcurrent - this.running.size;
    if (room <= 0) return Promise.resolve(); // an attempt that ends re-arms the loop
    this.passing = true;
    this.currentPass = this.passWith(room);
    return this.currentPass;
  }

  private async passWith(room: number): Promise<void> {
    let more = false;
    const ready = this.o.dialer.isReady?.() ?? true;
    let claimed: Claim[] = [];
    try {
      const now = this.o.clock.now();
      // while the dialer is down, only USERORIGINATED callbacks move (they need no dialer); the others
      // keep waiting untouched, so a long outage costs no writes however many callbacks wait
      const limit = Math.min(this.batchSize, room);
      // every decision of the pass is committed in one transaction; dials start only after the commit
      claimed = await this.o.store.transaction(async () => {
        const due = await this.o.store.dueCallbacks(now, limit, ready ? undefined : 'USERORIGINATED');
        more = due.length === limit;
        // one read for the whole pass: the number of each claimed callback's next attempt
        const attemptCounts = due.length ? await this.o.store.countAttemptsOf(due.map((c) => c.id)) : new Map<string, number>();
        const out: Claim[] = [];
        for (const c of due) {
          const claim = await this.consider(c, now, attemptCounts.get(c.id) ?? 0);
          if (claim) out.push(claim);
        }
        return out;
      });
    } catch (err) {
      claimed = [];
      this.o.logger.error({ err }, 'scheduler pass failed; retrying');
    } finally {
      this.passing = false;
    }
    for (const claim of claimed) this.startAttempt(claim);
    if (!ready) {
      this.arm(this.holdRetryMs);
      return;
    }
    if (more) {
      this.arm(0);
      return;
    }
    let next: number | null;
    try {
      next = await this.o.store.nextDueTime();
    } catch (err) {
      this.o.logger.error({ err }, 'could not read the next due time; looking again soon');
      next = null;
    }
    const delay = next === null ? this.idlePollMs : Math.min(Math.max(0, next - this.o.clock.now()), this.idlePollMs);
    this.arm(delay);
  }

  /** decide what a due callback does now; returns a claim when it is to be dialed */
  private async consider(c: CallbackRecord, now: number, attemptsSoFar: number): Promise<Claim | undefined> {
    if (this.running.has(c.id)) return undefined;
    const settings = this.o.callbacks.settingsFor(c);
    if (!settings) {
      await this.finishWithoutAttempt(c, 'CANCELLED', now, { detail: `service "${c.serviceName}" no longer exists` });
      return undefined;
    }
    if (c.expirationTime <= now) {
      await this.finishWithoutAttempt(c, 'EXPIRED', now, {});
      return undefined;
    }
    if (c.direction === 'USERORIGINATED') {
      // the customer calls in: the callback waits QUEUED (for the inbound match) until it expires
      await this.moveTo(c, { ...c, state: 'QUEUED', nextAttemptAt: c.expirationTime, updatedAt: now }, now);
      return undefined;
    }
    if (this.o.gate) {
      if (c.state === 'SCHEDULED') {
        // due now: it joins its target's queue, where the gate decides when it may be dialed
        const queued = await this.moveTo(c, { ...c, state: 'QUEUED', updatedAt: now }, now);
        if (!queued) return undefined;
        c = queued;
      }
      if (!this.o.gate.canDispatch(c, settings)) {
        await this.o.store.applyChange({ callback: { ...c, nextAttemptAt: now + this.holdRetryMs, updatedAt: now }, expectStates: ['QUEUED'], events: [] });
        return undefined;
      }
    }
    return this.claim(c, settings, now, attemptsSoFar);
  }

  private async moveTo(c: CallbackRecord, next: CallbackRecord, now: number, expectLease?: { owner: string }): Promise<CallbackRecord | undefined> {
    const ok = await this.o.store.applyChange({
      callback: next,
      expectStates: [c.state],
      ...(expectLease ? { expectLease } : {}),
      events: next.state !== c.state ? [{ type: 'STATE_CHANGED', at: now, data: { from: c.state } }] : [],
    });
    if (!ok) return undefined;
    if (next.state === 'QUEUED' && c.state !== 'QUEUED') this.o.gate?.queued(next);
    return next;
  }

  /** SCHEDULED/QUEUED -> ROUTING with a new open attempt, guarded so that only one claimant wins */
  private async claim(c: CallbackRecord, settings: ServiceSettings, now: number, attemptsSoFar: number): Promise<Claim | undefined> {
    const attempt = await this.newAttempt(c.id, now, now, attemptsSoFar);
    const events: NewEvent[] = [];
    if (c.state === 'SCHEDULED') events.push({ type: 'STATE_CHANGED', at: now, data: { from: 'SCHEDULED', to: 'QUEUED' } });
    events.push({ type: 'STATE_CHANGED', at: now, data: { from: 'QUEUED', to: 'ROUTING' } });
    events.push({ type: 'ATTEMPT_STARTED', at: now, data: { attempt: attempt.number, attemptId: attempt.id } });
    const ok = await this.o.store.applyChange({
      callback: { ...c, state: 'ROUTING', nextAttemptAt: null, updatedAt: now },
      attempt,
      expectStates: ['SCHEDULED', 'QUEUED'],
      lease: { owner: this.owner, expiresAt: now + LEASE_MS },
      events,
    });
    if (!ok) return undefined; // cancelled, rescheduled or claimed meanwhile
    this.o.metrics?.dispatchLag(Math.max(0, now - (c.nextAttemptAt ?? now)) / 1000);
    return { callback: c, settings, attempt };
  }

  private startAttempt({ callback: c, settings, attempt }: Claim): void {
    // the callback stays in its target's queue while it is dialed: the dialer reserves an agent for it
    const log = this.o.logger.child({ callbackId: c.id, attemptId: attempt.id, service: c.serviceName });
    log.info({ attempt: attempt.number, customerNumber: c.customerNumber }, 'attempt started');

    const controller = new AbortController();
    const entry: Running = { controller, cancelled: false, leaseLost: false, done: Promise.resolve(), progress: Promise.resolve() };
    const onProgress = (stage: DialStage): void => {
      if (stage === 'CONNECTED') {
        // recorded before the attempt's end (finishAttempt waits for it)
        entry.progress = entry.progress
          .then(async () => {
            const current = await this.o.store.getCallback(c.id);
            if (current?.state === 'ROUTING') await this.moveTo(current, { ...current, state: 'PROCESSING', updatedAt: this.o.clock.now() }, this.o.clock.now(), { owner: this.owner });
          })
          .catch((err: unknown) => log.error({ err }, 'could not record the connected stage'));
      }
      log.info({ stage }, 'attempt progress');
    };
    this.running.set(c.id, entry);
    let dialing: Promise<AttemptResult>;
    try {
      dialing = this.o.dialer.dial(
          {
            callbackId: c.id,
            attemptId: attempt.id,
            attemptNumber: attempt.number,
            serviceName: c.serviceName,
            customerNumber: c.customerNumber,
            target: c.target,
            queuedSince: c.acceptedAt,
            waitForAgent: settings.waitForAgent,
            ...(settings.connectMode ? { connectMode: settings.connectMode } : {}),
            callerId: settings.callerId || undefined,
            ringTimeoutSec: settings.ringTimeoutSec,
            ...(settings.wrapUpTimeSec !== undefined ? { afterCallWorkSec: settings.wrapUpTimeSec } : {}),
            userData: c.userData,
            amd: settings.amd,
            approval: approvalSteps(settings),
            onProgress,
          },
          controller.signal,
        );
    } catch (err) {
      dialing = Promise.reject(err);
    }
    entry.done = dialing
      .catch((err: unknown): AttemptResult => {
        log.error({ err }, 'dialer failed');
        return { outcome: 'FAILED', detail: messageOf(err) };
      })
      .then(async (result) => {
        await entry.progress;
        await this.finishAttempt(c.id, attempt, result, entry);
      })
      .catch((err: unknown) => log.error({ err }, 'could not record the end of the attempt; it is recovered at next start'))
      .finally(() => {
        this.running.delete(c.id);
        this.arm(0);
      });
  }

  private async finishAttempt(callbackId: string, attempt: AttemptRecord, result: AttemptResult, entry: Running): Promise<void> {
    const now = this.o.clock.now();
    const ended: AttemptRecord = {
      ...attempt,
      endedAt: result.endedAt ?? now,
      outcome: result.outcome,
      sipStatus: result.sipStatus ?? null,
      amdDecision: result.amd?.decision ?? null,
      amdDecisionMs: result.amd?.decisionMs ?? null,
      agentId: result.agentId ?? null,
      answeredAt: result.answeredAt ?? null,
      connectedAt: result.connectedAt ?? null,
      callId: result.callId ?? null,
      detail: result.detail ?? null,
    };
    this.o.metrics?.attemptEnded(result.outcome);
    // read and write in one transaction: a cancel landing in between cannot be overwritten
    await this.o.store.transaction(async () => {
      const c = await this.o.store.getCallback(callbackId);
      if (!c || c.state === 'COMPLETED') {
        // cancelled meanwhile (here or on another instance): the attempt's end is recorded, unless another
        // instance already closed it (a takeover after this one lost the lease)
        if ((await this.o.store.openAttemptOf(callbackId))?.id === attempt.id) await this.o.store.saveAttempt(ended);
        return;
      }
      const applied = await this.applyOutcome(c, ended, result, entry.cancelled, now, { owner: this.owner });
      if (!applied) this.o.logger.warn({ callbackId, attemptId: attempt.id, leaseLost: entry.leaseLost }, 'attempt ended after its callback was taken over by another instance; not recorded here');
    });
  }

  /** apply the retry policy to a finished attempt and commit callback + attempt + events together */
  private async applyOutcome(c: CallbackRecord, ended: AttemptRecord, result: AttemptResult, cancelled: boolean, now: number, expectLease: { owner: string | null; expiredBy?: number }, notBefore = 0): Promise<boolean> {
    const settings = this.o.callbacks.settingsFor(c);
    const countsAsAttempt = result.outcome !== 'AGENT_UNAVAILABLE';
    const counted = c.attempts + (countsAsAttempt ? 1 : 0);
    const step = cancelled
      ? ({ kind: 'complete', reason: 'CANCELLED' } as const)
      : settings
        ? nextStep(result.outcome, counted, settings, now, c.expirationTime, notBefore)
        : ({ kind: 'complete', reason: 'CANCELLED' } as const);
    const next: CallbackRecord =
      step.kind === 'complete'
        ? { ...c, attempts: counted, state: 'COMPLETED', reason: step.reason, nextAttemptAt: null, updatedAt: now }
        : { ...c, attempts: counted, state: 'SCHEDULED', nextAttemptAt: step.at, updatedAt: now };
    const amd = result.amd ? { amd: result.amd.decision, amdMs: result.amd.decisionMs, beepMs: result.amd.beepMs } : {};
    const applied = await this.o.store.applyChange({
      callback: next,
      attempt: ended,
      expectStates: ['ROUTING', 'PROCESSING'],
      expectLease,
      events: [
        {
          type: 'ATTEMPT_ENDED',
          at: now,
          reason: result.outcome,
          data: {
            attempt: ended.number,
            attemptId: ended.id,
            outcome: result.outcome,
            sipStatus: result.sipStatus,
            agentId: result.agentId,
            ...amd,
            ringMs: ended.answeredAt ? ended.answeredAt - ended.startedAt : undefined,
            talkMs: ended.connectedAt && ended.endedAt ? ended.endedAt - ended.connectedAt : undefined,
            durationMs: (ended.endedAt ?? now) - ended.startedAt,
            detail: result.detail,
            transfers: result.transfers,
          },
        },
        {
          type: 'STATE_CHANGED',
          at: now,
          reason: step.kind === 'complete' ? step.reason : null,
          data: { from: c.state, nextAttemptAt: step.kind === 'retry' ? step.at : undefined },
        },
      ],
    });
    if (!applied) return false;
    this.o.logger.info(
      { callbackId: c.id, attemptId: ended.id, service: c.serviceName, callId: result.callId, outcome: result.outcome, next: step },
      'attempt ended',
    );
    // completed, or waiting for its next attempt: either way it leaves the target's queue until due again
    this.o.gate?.left(c.id);
    if (step.kind === 'complete') this.o.metrics?.completed(step.reason);
    else this.arm(Math.max(0, step.at - now));
    return true;
  }

  private async finishWithoutAttempt(c: CallbackRecord, reason: 'EXPIRED' | 'CANCELLED', now: number, data: Record<string, unknown>): Promise<void> {
    const ok = await this.o.store.applyChange({
      callback: { ...c, state: 'COMPLETED', reason, nextAttemptAt: null, updatedAt: now },
      expectStates: [c.state],
      events: [{ type: 'STATE_CHANGED', at: now, reason, data: { from: c.state, ...data } }],
    });
    if (ok) {
      this.o.gate?.left(c.id);
      this.o.metrics?.completed(reason);
      this.o.logger.info({ callbackId: c.id, service: c.serviceName, reason }, 'callback completed without an attempt');
    }
  }

  /** a new open attempt, numbered after the callback's earlier ones */
  private async newAttempt(callbackId: string, startedAt: number, now: number, attemptsSoFar?: number): Promise<AttemptRecord> {
    return {
      id: newId(now),
      callbackId,
      number: (attemptsSoFar ?? (await this.o.store.countAttempts(callbackId))) + 1,
      startedAt,
      endedAt: null,
      outcome: null,
      sipStatus: null,
      amdDecision: null,
      amdDecisionMs: null,
      agentId: null,
      answeredAt: null,
      connectedAt: null,
      callId: null,
      detail: null,
    };
  }

  /**
   * attempts nobody runs any more — their instance died (lease expired, or its process is gone from this host),
   * or they were left by a version before leases: each closed as FAILED ("interrupted"), then the retry policy
   * decides; one whose customer was already talking to an agent (PROCESSING) as CONNECTED_TO_AGENT, not dialed again. The guard on the lease (still the dead holder's, still expired) lets one instance take each over,
   * and never one whose holder renewed meanwhile.
   */
  private async sweep(now: number): Promise<void> {
    for (;;) {
      const abandoned = (await this.o.store.abandonedInFlight(now, SWEEP_BATCH, this.ownerIsDead)).filter((a) => !this.running.has(a.callback.id));
      let recovered = 0;
      for (const { callback: c, leaseOwner, leaseExpiresAt } of abandoned) {
        const open = await this.o.store.openAttemptOf(c.id);
        const attempt = open ?? (await this.newAttempt(c.id, c.updatedAt, now));
        // PROCESSING: the customer was already talking to an agent. The callback was served; dialing the
        // customer again after that talk would be wrong, so it completes as connected (the cut is recorded).
        const talking = c.state === 'PROCESSING';
        const outcome: AttemptOutcome = talking ? 'CONNECTED_TO_AGENT' : 'FAILED';
        const detail = talking
          ? 'interrupted during the talk with the agent: the instance running this attempt stopped'
          : 'interrupted: the instance running this attempt stopped';
        const ended: AttemptRecord = { ...attempt, endedAt: now, outcome, detail };
        // a dead holder (its process gone) cannot renew: no need to wait for the expiry
        const expiredBy = leaseOwner !== null && leaseExpiresAt !== null && leaseExpiresAt > now ? Number.MAX_SAFE_INTEGER : now;
        // the dead instance's call may still ring at the customer (nobody is left to cancel it): the retry waits it out
        const notBefore = talking ? 0 : now + (this.o.dialer.orphanedCallMs ?? 0);
        const applied = await this.o.store.transaction(() => this.applyOutcome(c, ended, { outcome, detail }, false, now, { owner: leaseOwner, expiredBy }, notBefore));
        if (!applied) continue; // renewed, finished or taken over by another instance meanwhile
        recovered++;
        this.o.logger.warn({ callbackId: c.id, attemptId: attempt.id, service: c.serviceName, leaseOwner, leaseExpiresAt, outcome }, 'took over an attempt its instance left running (recorded as interrupted)');
      }
      if (abandoned.length < SWEEP_BATCH || recovered === 0) return;
    }
  }

  /** stop dispatching; abort running attempts and wait (bounded) for them to be recorded */
  async close(timeoutMs = 5000): Promise<void> {
    this.stopWatchingAccepted?.();
    this.stopListening();
    this.closed = true;
    this.timer?.cancel();
    this.leaseTimer?.cancel();
    this.timer = undefined;
    await this.currentPass;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort(new Error('service shutting down'));
    await Promise.race([Promise.all(all.map((r) => r.done)), this.after(timeoutMs)]);
    this.active = false;
  }
}

/** the person-in-the-loop steps a service asks for before the dial (none: undefined) */
function approvalSteps(s: ServiceSettings): ApprovalSteps | undefined {
  if (!s.waitForAgent || (!s.agentPreview && !s.waitForUserConfirm)) return undefined;
  return {
    ...(s.agentPreview
      ? { agentPreview: { timeoutSec: s.agentPreviewTimeoutSec, allowReject: s.agentPreviewAllowReject, timeoutSetsNotReady: s.agentPreviewTimeoutSetNotReady } }
      : {}),
    ...(s.waitForUserConfirm ? { userConfirm: { timeoutSec: s.userConfirmTimeoutSec } } : {}),
  };
}

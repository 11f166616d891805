import type { Logger } from 'pino';
import type { QueuedContact } from '../ports/queue';
import type { QueueStateChange, QueueStateSnapshot, QueueStateStore, StoredAgentState, StoredQueueEntry, StoredRegistration } from '../ports/queue-state';
import type { Agent } from './agent';
import type { AgentDesk } from './agent-desk';
import { applyRemoteAgent, applySnapshot, type RestoreReport } from './queue-restore';
import type { AgentClaims, QueueState, Target } from './queue-state';

export interface QueuePersistenceOptions {
  store: Pick<QueueStateStore, 'saveQueueState' | 'loadQueueState' | 'watchQueueState'> & Partial<Pick<QueueStateStore, 'claimAgent' | 'renewQueueLease' | 'agentClaims' | 'liveQueueInstances'>>;
  /** this instance's name on the rows it writes */
  owner: string;
  logger?: Logger;
  /** after a failed write, try again this much later (ms); default 1000 */
  retryMs?: number;
  /** several instances: an instance that stops renewing for this long (ms) is taken for dead; default 10 000 */
  leaseMs?: number;
}

/** the lease is renewed every LEASE_MS / RENEWALS_PER_LEASE */
const RENEWALS_PER_LEASE = 5;

/**
 * The queue's write-through to the store, so that a restart finds its state again (see `restore`).
 *
 * The queue stays synchronous and in memory: it is the working copy, and no queue operation waits for the
 * database. After a change (every `QueueState.mutate`), a flush is queued for the end of the current turn of
 * the event loop (a microtask): it compares the state with what was last written and saves the difference in
 * one transaction. So the changes of one turn (a dispatch that reserves five agents) make one write, and at
 * most one write runs at a time, in order: a later state never lands before an earlier one. A failed write is
 * logged and tried again (`retryMs`, or at the next change) with whatever differs then; what the process held
 * in memory and had not written when it died is lost — at most the last turn's changes and the write in flight.
 * The comparison costs O(agents + contacts waiting) per turn that changed the queue.
 */
export class QueuePersistence {
  private readonly log: Logger | undefined;
  private written: Rows = { entries: new Map(), agents: new Map(), registrations: new Map() };
  private queued = false;
  private running: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private failures = 0;

  /** reservations that ended, whose claims go with the next write */
  private readonly releases = new Set<string>();
  private renewal: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly state: QueueState,
    private readonly desk: AgentDesk,
    private readonly o: QueuePersistenceOptions,
    /** another instance's change was heard (the queue's dispatch tries its refused agents again) */
    private readonly onRemote: () => void = () => undefined,
  ) {
    this.log = o.logger?.child({ module: 'queue-persistence' });
    state.onChange(() => this.changed());
  }

  /**
   * Load what the store kept and take it back (queue-restore.ts), before the queue runs. `waitingCallbacks`:
   * which of the callbacks in the kept lines still wait QUEUED (the others' attempts died with the process).
   * What the restore changed (a caller gone, an agent freed) is written back at once.
   */
  async restore(waitingCallbacks: (ids: string[]) => Promise<Set<string>>): Promise<RestoreReport> {
    const loaded = await this.o.store.loadQueueState();
    // several instances: the lines of the others still running are theirs (only a dead one's are taken over)
    const others = new Set((await this.o.store.liveQueueInstances?.(this.state.clock.now())) ?? []);
    others.delete(this.o.owner);
    const snap = { ...loaded, entries: loaded.entries.filter((e) => !others.has(e.owner)) };
    const waiting = await waitingCallbacks(snap.entries.filter((e) => e.kind === 'callback').map((e) => e.contactId));
    this.written = rowsOf(snap);
    const report = this.state.mutate(() => applySnapshot(this.state, this.desk, snap, waiting, this.log, others));
    this.log?.info(
      {
        event: 'queue_restored',
        agents: report.agents,
        entries: report.entries,
        registrations: report.registrations,
        callersGone: report.droppedCallers.length,
        callbacksNotWaiting: report.droppedCallbacks.length,
        reservationsEnded: report.endedReservations.length,
        unknown: report.unknown,
      },
      'queue: state taken back from the store',
    );
    await this.flushed();
    return report;
  }

  /**
   * Follow the other instances on the database (a store that has `watchQueueState`: PostgreSQL): each change
   * of an agent another instance saves — its state, its registration — is read and taken into this working
   * copy (`applyRemoteAgent`), so every instance's pages and dispatch see it. Resolves once listening.
   */
  async follow(): Promise<void> {
    const watch = this.o.store.watchQueueState;
    if (!watch || this.unwatch) return;
    this.unwatch = await watch.call(this.o.store, (n) => {
      if (n.owner === this.o.owner || this.closed) return;
      this.pulls = this.pulls
        .then(() => this.pull(n.agents))
        .catch((err: unknown) => this.log?.error({ err, event: 'queue_sync_failed' }, 'queue: could not read a change another instance made'))
        .then(() => this.onRemote());
    });
    await this.shareAgents();
    const snap = await this.o.store.loadQueueState();
    this.state.mutate(() => this.countElsewhere(snap));
  }

  /** the contacts waiting on the other instances, per target (their EWT and the queue's length count them) */
  private countElsewhere(snap: QueueStateSnapshot): void {
    for (const t of this.state.targets.values()) t.elsewhere = 0;
    for (const e of snap.entries) {
      const t = this.state.targets.get(e.target);
      if (t && e.owner !== this.o.owner) t.elsewhere++;
    }
  }

  /**
   * One queue across instances: from now on an agent is claimed in the store before this instance reserves it
   * (Dispatcher), the instance keeps its lease (its connecting contacts count for the others' order, its claims
   * live on) and connecting contacts are marked in their rows. Claims an earlier run under this name left go.
   */
  private async shareAgents(): Promise<void> {
    const { claimAgent, renewQueueLease, agentClaims } = this.o.store;
    if (!claimAgent || !renewQueueLease || !agentClaims) return;
    const leaseMs = this.o.leaseMs ?? 10_000;
    const now = this.state.clock.now();
    for (const c of await agentClaims.call(this.o.store, now)) {
      if (c.owner === this.o.owner && !this.state.reservations.has(c.reservationId)) this.releases.add(c.reservationId);
    }
    await this.renew(leaseMs);
    this.renewal = setInterval(() => void this.renew(leaseMs), leaseMs / RENEWALS_PER_LEASE);
    this.renewal.unref?.();
    const claims: AgentClaims = {
      claim: async (agent, reservationId, t, contact, ordered) => {
        // this instance's ended claims go first (an agent freed here and reserved again at once)
        if (this.releases.size) {
          this.changed();
          await this.flushed();
        }
        const at = this.state.clock.now();
        const claim = { agentId: agent.id, owner: this.o.owner, reservationId, contactId: contact.contactId, expiresAt: at + leaseMs };
        return claimAgent.call(this.o.store, claim, at, ordered ? claimOrder(t, contact) : undefined);
      },
      release: (reservationId) => {
        this.releases.add(reservationId);
        this.changed();
      },
    };
    this.state.mutate(() => (this.state.claims = claims));
  }

  /** keep this instance's lease and claims; a reservation whose claim was lost meanwhile is reported */
  private async renew(leaseMs: number): Promise<void> {
    if (this.closed) return;
    try {
      const held = new Set(await this.o.store.renewQueueLease!(this.o.owner, this.state.clock.now() + leaseMs));
      for (const r of this.state.reservations.values()) {
        if (!held.has(r.id) && !this.releases.has(r.id)) this.log?.error({ event: 'agent_claim_lost', reservationId: r.id, agentId: r.agent.id }, 'queue: the claim of a live reservation was lost (lease expired)');
      }
    } catch (err) {
      this.log?.error({ err, event: 'queue_lease_failed' }, 'queue: could not renew the lease');
    }
  }

  /** resolves once the other instances' changes heard so far are taken in */
  async pulled(): Promise<void> {
    await this.pulls;
  }

  private unwatch: (() => Promise<void>) | undefined;
  private pulls: Promise<void> = Promise.resolve();

  private async pull(agentIds: string[] | null): Promise<void> {
    const snap = await this.o.store.loadQueueState();
    if (this.closed) return;
    const wanted = agentIds ? new Set(agentIds) : undefined;
    const registrations = new Map(snap.registrations.map((r) => [r.agentId, r]));
    const theirs = rowsOf({ entries: [], agents: snap.agents, registrations: snap.registrations });
    const taken: string[] = [];
    this.state.mutate(() => {
      this.countElsewhere(snap);
      for (const row of snap.agents) {
        if (wanted && !wanted.has(row.agentId)) continue;
        if (row.owner === this.o.owner) continue; // our own row: our working copy is newer or equal
        if (applyRemoteAgent(this.state, this.desk, row, registrations.get(row.agentId))) taken.push(row.agentId);
      }
    });
    // what was taken is what the store has: not written back
    for (const id of taken) {
      const agent = theirs.agents.get(id);
      if (agent) this.written.agents.set(id, agent);
      const reg = theirs.registrations.get(id);
      if (reg) this.written.registrations.set(id, reg);
      else this.written.registrations.delete(id);
    }
    if (taken.length) this.log?.debug({ event: 'queue_synced', agents: taken }, 'queue: agents changed by another instance taken in');
  }

  /** resolves once every change made so far is written (or its write failed) */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  /** write what is left, then stop writing */
  async close(): Promise<void> {
    await this.unwatch?.();
    if (this.renewal) {
      clearInterval(this.renewal);
      this.renewal = undefined;
      // the lease ends now: this instance's contacts stop counting, its claims are free to take
      await this.o.store.renewQueueLease?.(this.o.owner, this.state.clock.now()).catch((err: unknown) => this.log?.error({ err, event: 'queue_lease_failed' }, 'queue: could not end the lease'));
    }
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    if (this.failures > 0) this.changed();
    await this.flushed();
    this.closed = true;
  }

  private changed(): void {
    if (this.closed) return;
    this.queued = true;
    if (!this.running) this.running = this.drain();
  }

  /** write the differences until there are none; one write at a time */
  private async drain(): Promise<void> {
    try {
      await Promise.resolve(); // the end of this turn: its changes go together
      while (this.queued) {
        this.queued = false;
        const now = rowsOf(this.snapshot());
        const releasing = [...this.releases];
        const change = { owner: this.o.owner, ...diff(this.written, now), ...(releasing.length ? { releaseClaims: releasing } : {}) };
        if (isEmpty(change)) continue;
        try {
          await this.o.store.saveQueueState(change);
          // only the rows written: another instance's rows taken in meanwhile (pull) stay as taken
          record(this.written, now, change);
          for (const id of releasing) this.releases.delete(id);
          if (this.failures > 0) this.log?.info({ event: 'queue_state_saved', afterFailures: this.failures }, 'queue: state written again after failures');
          this.failures = 0;
        } catch (err) {
          this.failures++;
          this.log?.error({ err, event: 'queue_state_write_failed', failures: this.failures }, 'queue: could not write the queue state; trying again');
          // the next try (the retry, or the next change) writes whatever differs then
          if (!this.closed && !this.retry) {
            this.retry = setTimeout(() => {
              this.retry = undefined;
              this.changed();
            }, this.o.retryMs ?? 1000);
            this.retry.unref?.();
          }
          return;
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  /** the queue's state now, as rows */
  private snapshot(): QueueStateSnapshot {
    const now = this.state.clock.now();
    const shared = this.state.claims !== undefined;
    const entries: StoredQueueEntry[] = [];
    for (const t of this.state.targets.values()) {
      for (const e of t.line.ordered(now)) {
        const c = e.contact;
        const connecting = shared && e.waiter !== undefined ? { connecting: true } : {};
        entries.push({ contactId: c.contactId, kind: c.kind, target: c.target, enqueuedAt: c.enqueuedAt, priority: c.priority ?? null, owner: this.o.owner, ...connecting });
      }
    }
    const agents: StoredAgentState[] = [];
    const registrations: StoredRegistration[] = [];
    for (const a of this.state.agents.values()) {
      // RESERVED / BUSY without a reservation of ours: another instance's call (follow()), its row is theirs
      if ((a.state === 'RESERVED' || a.state === 'BUSY') && !this.state.reservationOf(a)) continue;
      agents.push(this.agentRow(a, now));
      if (a.registration) registrations.push({ agentId: a.id, contactUri: a.registration.contactUri, expiresAt: a.registration.expiresAt });
    }
    return { entries, agents, registrations };
  }

  private agentRow(a: Agent, now: number): StoredAgentState {
    const r = this.state.reservationOf(a);
    return {
      agentId: a.id,
      state: a.state,
      detail: {
        notReadyReason: a.notReadyReason ?? null,
        since: a.since,
        idleSince: a.idleSince,
        loggedIn: a.loggedIn,
        loginUri: a.loginUri ?? null,
        afterCall: a.afterCall ?? null,
        acwEndsAt: a.acwEndsAt ?? null,
        reservation: r
          ? { id: r.id, contactId: r.contact.contactId, kind: r.contact.kind, target: r.target, reservedAt: r.reservedAt, expiresAt: r.expiresAt, confirmedAt: r.confirmedAt ?? null }
          : null,
        lastCall: a.lastCall ? { ...a.lastCall } : null,
      },
      owner: this.o.owner,
      updatedAt: now,
    };
  }
}

/** rows by key, each with its JSON (without the write time) to compare */
interface Rows {
  entries: Map<string, { json: string; row: StoredQueueEntry }>;
  agents: Map<string, { json: string; row: StoredAgentState }>;
  registrations: Map<string, { json: string; row: StoredRegistration }>;
}

function rowsOf(s: QueueStateSnapshot): Rows {
  const keyed = <R>(rows: R[], key: (r: R) => string, json: (r: R) => string) => new Map(rows.map((r) => [key(r), { json: json(r), row: r }]));
  return {
    entries: keyed(s.entries, (e) => e.contactId, (e) => canonical([e.kind, e.target, e.enqueuedAt, e.priority, e.connecting === true, e.owner])),
    agents: keyed(s.agents, (a) => a.agentId, (a) => canonical([a.state, a.detail])),
    registrations: keyed(s.registrations, (r) => r.agentId, (r) => canonical([r.contactUri, r.expiresAt])),
  };
}

/** JSON with every object's keys in order: a row read back (PostgreSQL's jsonb orders keys its own way) compares equal */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

function diff(before: Rows, after: Rows): QueueStateChange {
  const changed = <R>(b: Map<string, { json: string }>, a: Map<string, { json: string; row: R }>): R[] => [...a.entries()].filter(([k, v]) => b.get(k)?.json !== v.json).map(([, v]) => v.row);
  const gone = (b: Map<string, unknown>, a: Map<string, unknown>): string[] => [...b.keys()].filter((k) => !a.has(k));
  return {
    putEntries: changed(before.entries, after.entries),
    removeEntries: gone(before.entries, after.entries),
    putAgents: changed(before.agents, after.agents),
    putRegistrations: changed(before.registrations, after.registrations),
    removeRegistrations: gone(before.registrations, after.registrations),
  };
}

const isEmpty = (c: QueueStateChange): boolean =>
  c.putEntries.length + c.removeEntries.length + c.putAgents.length + c.putRegistrations.length + c.removeRegistrations.length + (c.releaseClaims?.length ?? 0) === 0;

/** the place of a contact of `t` for the order of claims across instances (the target's own order rules) */
const claimOrder = (t: Target, c: QueuedContact) => ({
  target: t.config.name,
  kind: c.kind,
  enqueuedAt: c.enqueuedAt,
  priority: c.priority ?? null,
  priorities: t.config.priorities,
  ageingPerMinute: t.config.ageingPerMinute,
});

/** after a write: `written` holds, for the rows of `change`, what `now` had */
function record(written: Rows, now: Rows, change: QueueStateChange): void {
  for (const e of change.putEntries) written.entries.set(e.contactId, now.entries.get(e.contactId)!);
  for (const id of change.removeEntries) written.entries.delete(id);
  for (const a of change.putAgents) written.agents.set(a.agentId, now.agents.get(a.agentId)!);
  for (const r of change.putRegistrations) written.registrations.set(r.agentId, now.registrations.get(r.agentId)!);
  for (const id of change.removeRegistrations) written.registrations.delete(id);
}

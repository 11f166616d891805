import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttemptRecord, CallDirection, CallbackEvent, CallbackRecord, Disposition } from '../ports/callback-records';
import type { InteractionRecord } from '../ports/callbacks';
import type { AgentClaim, ClaimOrder, ClaimResult, QueueStateChange, QueueStateSnapshot, StoredApproval, StoredApprovalKind } from '../ports/queue-state';
import { SqliteEngine, type SqliteStoreOptions } from './sqlite-engine';
import type {
  AttemptReportRow,
  AuditSearch,
  CallbackChange,
  CallbackSearch,
  CommittedEvent,
  EventSearch,
  InFlightCallback,
  InteractionAttachment,
  NewEvent,
  QueueSample,
  ServiceFigureRow,
  Store,
  StoredApiKey,
  StoredAuditEntry,
  StoredInteraction,
  StoredService,
} from './store';

export type { SqliteStoreOptions } from './sqlite-engine';

/** the open outermost transaction */
interface OpenTransaction {
  /** settles when it has committed or rolled back */
  done: Promise<void>;
}

/**
 * The embedded default store: one SQLite file in WAL mode (`SqliteEngine`), behind the asynchronous
 * `Store` contract. SQLite has one writer, and this process has one connection: while a `transaction`
 * is open (its `fn` awaiting between store calls), calls made from outside it wait for it to end, so no
 * other work slips into it or sees it half done. Calls made from within it (its async context) join it.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly concurrentTransactions = 1;
  private readonly engine: SqliteEngine;
  private readonly context = new AsyncLocalStorage<OpenTransaction>();
  private open: OpenTransaction | undefined;
  private savepoints = 0;
  private readonly listeners = new Set<(events: CommittedEvent[]) => void>();

  constructor(opts: SqliteStoreOptions) {
    this.engine = new SqliteEngine(opts);
    this.engine.publish = (events) => {
      for (const l of this.listeners) {
        try {
          l(events);
        } catch {
          /* a listener's failure is its own */
        }
      }
    };
  }

  /** copy the whole WAL into the database file and truncate it (maintenance; blocks writers meanwhile) */
  checkpoint(): void {
    this.engine.checkpoint();
  }

  onCommitted(listener: (events: CommittedEvent[]) => void): () => void {
    this.listeners.add(listener);
    this.engine.collecting = true;
    return () => {
      this.listeners.delete(listener);
      this.engine.collecting = this.listeners.size > 0;
    };
  }

  private inside(): boolean {
    return this.open !== undefined && this.context.getStore() === this.open;
  }

  /** run one synchronous step of the engine once no other transaction is open (at once when none is) */
  private async run<T>(step: () => T): Promise<T> {
    while (this.open && !this.inside()) await this.open.done;
    return step();
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside()) {
      const name = `sp${++this.savepoints}`;
      const mark = this.engine.savepoint(name);
      try {
        const result = await fn();
        this.engine.releaseSavepoint(name);
        return result;
      } catch (err) {
        this.engine.rollbackSavepoint(name, mark);
        throw err;
      }
    }
    while (this.open) await this.open.done;
    let settle = (): void => undefined;
    const tx: OpenTransaction = { done: new Promise<void>((resolve) => (settle = resolve)) };
    this.open = tx;
    try {
      const mark = this.engine.begin();
      try {
        const result = await this.context.run(tx, fn);
        this.engine.commit();
        return result;
      } catch (err) {
        this.engine.rollback(mark);
        throw err;
      }
    } finally {
      this.open = undefined;
      settle();
    }
  }

  /** a transaction holds the one writer: nothing else to lock */
  async lockKeys(): Promise<void> {}

  ping(): Promise<boolean> {
    return this.run(() => this.engine.ping());
  }

  listServices(): Promise<StoredService[]> {
    return this.run(() => this.engine.listServices());
  }

  getService(name: string): Promise<StoredService | undefined> {
    return this.run(() => this.engine.getService(name));
  }

  putService(service: StoredService): Promise<void> {
    return this.run(() => this.engine.putService(service));
  }

  deleteService(name: string): Promise<boolean> {
    return this.run(() => this.engine.deleteService(name));
  }

  insertCallback(callback: CallbackRecord, events: NewEvent[], attach?: InteractionAttachment): Promise<void> {
    return this.run(() => this.engine.insertCallback(callback, events, attach));
  }

  applyChange(change: CallbackChange): Promise<boolean> {
    return this.run(() => this.engine.applyChange(change));
  }

  getCallback(id: string): Promise<CallbackRecord | undefined> {
    return this.run(() => this.engine.getCallback(id));
  }

  findActiveCallback(serviceName: string, customerNumber: string): Promise<CallbackRecord | undefined> {
    return this.run(() => this.engine.findActiveCallback(serviceName, customerNumber));
  }

  searchCallbacks(search: CallbackSearch): Promise<CallbackRecord[]> {
    return this.run(() => this.engine.searchCallbacks(search));
  }

  dueCallbacks(now: number, limit: number, direction?: CallDirection): Promise<CallbackRecord[]> {
    return this.run(() => this.engine.dueCallbacks(now, limit, direction));
  }

  nextDueTime(): Promise<number | null> {
    return this.run(() => this.engine.nextDueTime());
  }

  callbacksInFlight(): Promise<CallbackRecord[]> {
    return this.run(() => this.engine.callbacksInFlight());
  }

  bucketCounts(serviceName: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>> {
    return this.run(() => this.engine.bucketCounts(serviceName, bucketMs, from, to));
  }

  bucketCountsByTarget(target: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>> {
    return this.run(() => this.engine.bucketCountsByTarget(target, bucketMs, from, to));
  }

  countCallbacksSince(customerNumber: string, since: number): Promise<number> {
    return this.run(() => this.engine.countCallbacksSince(customerNumber, since));
  }

  numberStatus(serviceName: string, customerNumber: string, since: number): Promise<{ active: CallbackRecord | undefined; requestsSince: number }> {
    return this.run(() => ({ active: this.engine.findActiveCallback(serviceName, customerNumber), requestsSince: this.engine.countCallbacksSince(customerNumber, since) }));
  }

  serviceFigures(from: number, to: number): Promise<ServiceFigureRow[]> {
    return this.run(() => this.engine.serviceFigures(from, to));
  }

  attemptsOf(callbackId: string): Promise<AttemptRecord[]> {
    return this.run(() => this.engine.attemptsOf(callbackId));
  }

  countAttemptsOf(callbackIds: string[]): Promise<Map<string, number>> {
    return this.run(() => this.engine.countAttemptsOf(callbackIds));
  }

  countAttempts(callbackId: string): Promise<number> {
    return this.run(() => this.engine.countAttempts(callbackId));
  }

  saveAttempt(attempt: AttemptRecord): Promise<void> {
    return this.run(() => this.engine.saveAttempt(attempt));
  }

  openAttemptOf(callbackId: string): Promise<AttemptRecord | undefined> {
    return this.run(() => this.engine.openAttemptOf(callbackId));
  }

  events(search: EventSearch): Promise<CallbackEvent[]> {
    return this.run(() => this.engine.events(search));
  }

  recordInteraction(interaction: InteractionRecord): Promise<void> {
    return this.run(() => this.engine.recordInteraction(interaction));
  }

  openInteraction(interaction: { interactionId: string; startedAt: number; ani?: string; dnis?: string; serviceName?: string; attached?: Record<string, string | number> }): Promise<void> {
    return this.run(() => this.engine.openInteraction(interaction));
  }

  attachToInteraction(attachment: InteractionAttachment): Promise<void> {
    return this.run(() => this.engine.attachToInteraction(attachment));
  }

  updateCallbackInteractions(callbackId: string, attached: Record<string, string | number>): Promise<number> {
    return this.run(() => this.engine.updateCallbackInteractions(callbackId, attached));
  }

  getInteraction(id: string): Promise<StoredInteraction | undefined> {
    return this.run(() => this.engine.getInteraction(id));
  }

  searchInteractions(search: { from?: number; to?: number; limit: number }): Promise<StoredInteraction[]> {
    return this.run(() => this.engine.searchInteractions(search));
  }

  addQueueSamples(samples: QueueSample[]): Promise<void> {
    return this.run(() => this.engine.addQueueSamples(samples));
  }

  queueSamples(search: { target?: string; from: number; to: number; limit: number }): Promise<QueueSample[]> {
    return this.run(() => this.engine.queueSamples(search));
  }

  pruneQueueSamples(before: number): Promise<number> {
    return this.run(() => this.engine.pruneQueueSamples(before));
  }

  insertApiKey(key: StoredApiKey): Promise<void> {
    return this.run(() => this.engine.insertApiKey(key));
  }

  getApiKey(id: string): Promise<StoredApiKey | undefined> {
    return this.run(() => this.engine.getApiKey(id));
  }

  listApiKeys(): Promise<StoredApiKey[]> {
    return this.run(() => this.engine.listApiKeys());
  }

  revokeApiKey(id: string, at: number, by: string, replacedBy: string | null): Promise<boolean> {
    return this.run(() => this.engine.revokeApiKey(id, at, by, replacedBy));
  }

  anonymiseBefore(before: number): Promise<{ callbacks: number; interactions: number }> {
    return this.run(() => this.engine.anonymiseBefore(before));
  }

  purgeBefore(before: number): Promise<{ callbacks: number; interactions: number }> {
    return this.run(() => this.engine.purgeBefore(before));
  }

  eraseCustomerNumber(e164: string): Promise<{ callbacks: number; interactions: number; active: number }> {
    return this.run(() => this.engine.eraseCustomerNumber(e164));
  }

  appendAudit(entry: Omit<StoredAuditEntry, 'seq'>): Promise<void> {
    return this.run(() => this.engine.appendAudit(entry));
  }

  auditEntries(search: AuditSearch): Promise<StoredAuditEntry[]> {
    return this.run(() => this.engine.auditEntries(search));
  }

  setAttemptDisposition(attemptId: string, disposition: Disposition): Promise<boolean> {
    return this.run(() => this.engine.setAttemptDisposition(attemptId, disposition));
  }

  setInteractionDisposition(interactionId: string, agentId: string, disposition: Disposition): Promise<void> {
    return this.run(() => this.engine.setInteractionDisposition(interactionId, agentId, disposition));
  }

  searchAttempts(search: { serviceName?: string; from?: number; to?: number; limit: number }): Promise<AttemptReportRow[]> {
    return this.run(() => this.engine.searchAttempts(search));
  }

  interactionsOfCallers(anis: string[], limit: number): Promise<StoredInteraction[]> {
    return this.run(() => this.engine.interactionsOfCallers(anis, limit));
  }

  renewLeases(owner: string, callbackIds: string[], expiresAt: number): Promise<string[]> {
    return this.run(() => this.engine.renewLeases(owner, callbackIds, expiresAt));
  }

  abandonedInFlight(now: number, limit: number, holderIsDead?: (owner: string) => boolean): Promise<InFlightCallback[]> {
    return this.run(() => this.engine.abandonedInFlight(now, limit, holderIsDead));
  }

  insertAgentSession(session: { tokenHash: string; agentId: string; expiresAt: number }, now: number): Promise<void> {
    return this.run(() => this.engine.insertAgentSession(session, now));
  }

  agentOfSession(tokenHash: string, now: number): Promise<string | undefined> {
    return this.run(() => this.engine.agentOfSession(tokenHash, now));
  }

  deleteAgentSession(tokenHash: string): Promise<void> {
    return this.run(() => this.engine.deleteAgentSession(tokenHash));
  }

  deleteAgentSessions(agentId: string, now: number): Promise<number> {
    return this.run(() => this.engine.deleteAgentSessions(agentId, now));
  }

  saveQueueState(change: QueueStateChange): Promise<void> {
    return this.run(() => this.engine.saveQueueState(change));
  }

  loadQueueState(): Promise<QueueStateSnapshot> {
    return this.run(() => this.engine.loadQueueState());
  }

  claimAgent(claim: AgentClaim, now: number, order?: ClaimOrder): Promise<ClaimResult> {
    return this.run(() => this.engine.claimAgent(claim, now, order));
  }

  renewQueueLease(owner: string, expiresAt: number): Promise<string[]> {
    return this.run(() => this.engine.renewQueueLease(owner, expiresAt));
  }

  agentClaims(now: number): Promise<AgentClaim[]> {
    return this.run(() => this.engine.agentClaims(now));
  }

  liveQueueInstances(now: number): Promise<string[]> {
    return this.run(() => this.engine.liveQueueInstances(now));
  }

  putPendingApproval(approval: StoredApproval): Promise<void> {
    return this.run(() => this.engine.putPendingApproval(approval));
  }

  deletePendingApproval(callbackId: string, kind: StoredApprovalKind): Promise<void> {
    return this.run(() => this.engine.deletePendingApproval(callbackId, kind));
  }

  pendingApprovals(): Promise<StoredApproval[]> {
    return this.run(() => this.engine.pendingApprovals());
  }

  async close(): Promise<void> {
    while (this.open) await this.open.done;
    this.engine.close();
  }
}

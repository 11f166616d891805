import type { AttemptRecord, CallDirection, Disposition, CallbackEvent, CallbackEventType, CallbackRecord, CallbackState } from '../ports/callback-records';
import type { InteractionOutcome, InteractionRecord } from '../ports/callbacks';
import type { QueueStateStore } from '../ports/queue-state';
import type { ApiScope } from '../security/scopes';

/** A configured service as stored: its template and the GMS-named options set on it. */
export interface StoredService {
  name: string;
  template: string;
  options: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface CallbackSearch {
  serviceName?: string;
  customerNumber?: string;
  states?: CallbackState[];
  /** inclusive bounds on the service start time (epoch ms) */
  from?: number;
  to?: number;
  limit: number;
  offset?: number;
}

export interface EventSearch {
  callbackId?: string;
  serviceName?: string;
  from?: number;
  to?: number;
  types?: CallbackEventType[];
  limit: number;
}

/** An event as published once its transaction has committed. */
export interface CommittedEvent {
  callbackId: string;
  serviceName: string;
  at: number;
  type: CallbackEventType;
  state: CallbackState;
  reason: string | null;
  data: Record<string, unknown>;
}

/** The reporting keys of a callback, attached to an originating interaction (linked to the callback). */
export interface InteractionAttachment {
  interactionId: string;
  callbackId: string;
  attached: Record<string, string | number>;
  /**
   * the interaction is not a call of this service's own IVR (an outside IVR's): it ends here with outcome
   * CALLBACK (started at its recorded start, else `at`), never to be reported abandoned
   */
  endAsCallback?: { at: number; serviceName: string; target: string };
}

/** An originating interaction as stored: open (no outcome yet) or ended. */
export interface StoredInteraction extends Omit<InteractionRecord, 'endedAt' | 'outcome'> {
  endedAt: number | null;
  outcome: InteractionOutcome | null;
  /** the callback whose keys it carries, if any */
  callbackId?: string;
  /** the agent who wrapped the call up, with the disposition and note they recorded (agent page) */
  agentId?: string;
  disposition?: string;
  dispositionNote?: string;
  dispositionAt?: number;
}

/** an attempt with its callback's service and customer, one row of the attempts report */
export interface AttemptReportRow extends AttemptRecord {
  serviceName: string;
  customerNumber: string;
}

export interface NewEvent {
  type: CallbackEventType;
  at: number;
  reason?: string | null;
  data?: Record<string, unknown>;
}

/** A change applied atomically: the callback row, an optional attempt row, and its events. */
export interface CallbackChange {
  callback: CallbackRecord;
  attempt?: AttemptRecord;
  events: NewEvent[];
  /** apply only if the stored row is still in one of these states (optimistic guard) */
  expectStates?: CallbackState[];
  /**
   * the instance that dials the callback takes its lease (a claim): held until `expiresAt` unless renewed
   * (`renewLeases`). A change that leaves ROUTING/PROCESSING clears the lease; one that stays keeps it.
   */
  lease?: { owner: string; expiresAt: number };
  /**
   * apply only if the stored lease is `owner`'s (null: no lease) and, with `expiredBy`, has expired by then: an
   * attempt's end by its instance, or the takeover of a dead instance's attempt, never both
   */
  expectLease?: { owner: string | null; expiredBy?: number };
}

/** a callback in ROUTING/PROCESSING, with the lease of the instance dialing it */
export interface InFlightCallback {
  callback: CallbackRecord;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/**
 * Everything the core persists. Implementations: SQLite (embedded default). Every method that
 * resolves has made its change durable (committed), unless it runs inside `transaction`, whose commit
 * makes the whole of it durable at once.
 *
 * Each method is atomic on its own. Work that reads and then writes on what it read (a check, then an
 * insert) must run inside one `transaction`: the store calls made from within `fn` (its async context) join
 * it, while others wait for it (SQLite) or run beside it on another connection.
 */
export interface Store extends QueueStateStore {
  readonly kind: string;
  ping(): Promise<boolean>;
  /** listen to callback events, delivered after their transaction committed (never for rolled-back work) */
  onCommitted(listener: (events: CommittedEvent[]) => void): () => void;
  /** run `fn` atomically; nested calls are savepoints (an inner error rolls back the inner part only) */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * how many transactions are worth running side by side (SQLite: 1, its one writer; PostgreSQL: most of its
   * pool), e.g. batches of a group commit
   */
  readonly concurrentTransactions: number;
  /**
   * inside a transaction: hold these named locks until it ends, so that transactions (of this process or another
   * on the same database) that lock one of them run one after the other. Taken in a fixed order, so two callers
   * cannot deadlock on them. SQLite: nothing to take (a transaction already excludes every other writer).
   */
  lockKeys(keys: string[]): Promise<void>;

  // services
  listServices(): Promise<StoredService[]>;
  getService(name: string): Promise<StoredService | undefined>;
  putService(service: StoredService): Promise<void>;
  deleteService(name: string): Promise<boolean>;

  // callbacks
  /**
   * insert a new callback with its CREATED event and, in the same transaction, attach the reporting keys
   * to the originating interaction when there is one
   */
  insertCallback(callback: CallbackRecord, events: NewEvent[], attach?: InteractionAttachment): Promise<void>;
  /** apply a change; false if the guard failed (the row moved on meanwhile) */
  applyChange(change: CallbackChange): Promise<boolean>;
  getCallback(id: string): Promise<CallbackRecord | undefined>;
  /** an active (not COMPLETED) callback for the number on the service, if any */
  findActiveCallback(serviceName: string, customerNumber: string): Promise<CallbackRecord | undefined>;
  searchCallbacks(search: CallbackSearch): Promise<CallbackRecord[]>;
  /**
   * callbacks due at `now`: SCHEDULED/QUEUED with nextAttemptAt <= now, oldest first; optionally of one direction.
   * Inside a transaction, PostgreSQL locks the rows it returns and skips those another transaction has locked
   * (FOR UPDATE SKIP LOCKED), so instances passing at once share out what is due instead of racing for it.
   */
  dueCallbacks(now: number, limit: number, direction?: CallDirection): Promise<CallbackRecord[]>;
  /** earliest nextAttemptAt among waiting callbacks, or null */
  nextDueTime(): Promise<number | null>;
  /** callbacks in ROUTING/PROCESSING (an attempt was running when the process stopped) */
  callbacksInFlight(): Promise<CallbackRecord[]>;
  /** count of scheduled callbacks per bucket start (epoch ms) for the service in [from, to) */
  bucketCounts(serviceName: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>>;
  /** the same, over every service of a target (for the capacity its staffing gives) */
  bucketCountsByTarget(target: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>>;
  countCallbacksSince(customerNumber: string, since: number): Promise<number>;
  /** both of the above at once (one read where the store is remote): what a new request's checks need */
  numberStatus(serviceName: string, customerNumber: string, since: number): Promise<{ active: CallbackRecord | undefined; requestsSince: number }>;
  /**
   * per service, for callbacks whose service start is in [from, to): how many are in each state / completed
   * with each reason, and the answering-machine decisions of attempts that ended in [from, to)
   */
  serviceFigures(from: number, to: number): Promise<ServiceFigureRow[]>;

  // attempts and events
  attemptsOf(callbackId: string): Promise<AttemptRecord[]>;
  countAttempts(callbackId: string): Promise<number>;
  /** the number of attempts of each of these callbacks that has any (one read for a scheduler's pass) */
  countAttemptsOf(callbackIds: string[]): Promise<Map<string, number>>;
  /** write an attempt row alone (its callback moved on without it, e.g. cancelled meanwhile) */
  saveAttempt(attempt: AttemptRecord): Promise<void>;
  openAttemptOf(callbackId: string): Promise<AttemptRecord | undefined>;
  events(search: EventSearch): Promise<CallbackEvent[]>;

  // originating interactions (IVR), with attached data
  recordInteraction(interaction: InteractionRecord): Promise<void>;
  /** an interaction an outside IVR announces before it ends (its start time); attached data merges */
  openInteraction(interaction: { interactionId: string; startedAt: number; ani?: string; dnis?: string; serviceName?: string; attached?: Record<string, string | number> }): Promise<void>;
  attachToInteraction(attachment: InteractionAttachment): Promise<void>;
  /** merge `attached` into every interaction linked to the callback (e.g. a new _CB_T_SERVICE_START); how many */
  updateCallbackInteractions(callbackId: string, attached: Record<string, string | number>): Promise<number>;
  getInteraction(id: string): Promise<StoredInteraction | undefined>;
  searchInteractions(search: { from?: number; to?: number; limit: number }): Promise<StoredInteraction[]>;

  /** queue history for the supervisor's chart: one row per target per sample */
  addQueueSamples(samples: QueueSample[]): Promise<void>;
  queueSamples(search: { target?: string; from: number; to: number; limit: number }): Promise<QueueSample[]>;
  /** drop samples older than `before`; returns how many went */
  pruneQueueSamples(before: number): Promise<number>;

  // API keys (src/security/api-keys.ts)
  insertApiKey(key: StoredApiKey): Promise<void>;
  getApiKey(id: string): Promise<StoredApiKey | undefined>;
  listApiKeys(): Promise<StoredApiKey[]>;
  /** set when the key stops working (now, or later after a rotation's grace); false if unknown */
  revokeApiKey(id: string, at: number, by: string, replacedBy: string | null): Promise<boolean>;

  // customer data (src/privacy/customer-data.ts): rows stay for reporting, the customer's number and data go
  /** completed callbacks last changed before `before`, and interactions started before it: number and user data removed */
  anonymiseBefore(before: number): Promise<{ callbacks: number; interactions: number }>;
  /** the same rows deleted (callbacks with their attempts and events) */
  purgeBefore(before: number): Promise<{ callbacks: number; interactions: number }>;
  /** every completed callback and interaction of the number anonymised; nothing changes while it has active callbacks */
  eraseCustomerNumber(e164: string): Promise<{ callbacks: number; interactions: number; active: number }>;

  // audit log (src/audit/audit-log.ts)
  appendAudit(entry: Omit<StoredAuditEntry, 'seq'>): Promise<void>;
  /** newest first */
  auditEntries(search: AuditSearch): Promise<StoredAuditEntry[]>;

  // the agent's wrap-up and the customer's history (agent page)
  /** the agent's disposition and note on an attempt; false when there is no such attempt */
  setAttemptDisposition(attemptId: string, disposition: Disposition): Promise<boolean>;
  /**
   * the same on an originating interaction (an IVR caller the agent talked to), with the agent; the interaction's
   * own row may be written later (the IVR records it when its call ends)
   */
  setInteractionDisposition(interactionId: string, agentId: string, disposition: Disposition): Promise<void>;
  /** attempts started in [from, to] with their callback's service and number, oldest first */
  searchAttempts(search: { serviceName?: string; from?: number; to?: number; limit: number }): Promise<AttemptReportRow[]>;
  /** the interactions whose caller (ani) is one of `anis`, newest first */
  interactionsOfCallers(anis: string[], limit: number): Promise<StoredInteraction[]>;

  /**
   * extend `owner`'s leases on these callbacks to `expiresAt`; returns the ids it still holds (the others were
   * completed, e.g. cancelled, or taken over meanwhile: their attempts must stop)
   */
  renewLeases(owner: string, callbackIds: string[], expiresAt: number): Promise<string[]>;
  /**
   * in-flight callbacks nobody is dialing any more: their lease expired by `now`, they have none (left by a
   * version before leases), or `holderIsDead` says its instance is gone; oldest first
   */
  abandonedInFlight(now: number, limit: number, holderIsDead?: (owner: string) => boolean): Promise<InFlightCallback[]>;

  // agent page sessions (src/http/agent-sessions.ts): kept by the SHA-256 of the token, never the token
  /** a new session; the agent's sessions expired by `now` go */
  insertAgentSession(session: { tokenHash: string; agentId: string; expiresAt: number }, now: number): Promise<void>;
  /** the session's agent while it has not expired at `now` (an expired one is deleted) */
  agentOfSession(tokenHash: string, now: number): Promise<string | undefined>;
  deleteAgentSession(tokenHash: string): Promise<void>;
  /** delete every session of the agent; how many had not expired at `now` */
  deleteAgentSessions(agentId: string, now: number): Promise<number>;

  close(): Promise<void>;
}

/** one count of `serviceFigures`: callbacks by state (and completion reason), or attempts by AMD decision */
export type ServiceFigureRow =
  | { kind: 'callbacks'; service: string; state: CallbackState; reason: string | null; n: number }
  | { kind: 'amd'; service: string; decision: string; n: number };

/** a target's queue at one moment (src/reporting/queue-sampler.ts) */
export interface QueueSample {
  /** epoch ms */
  at: number;
  target: string;
  waiting: number;
  /** EWT of a new contact, in the target's method */
  ewtSec: number;
  agentsReady: number;
  agentsBusy: number;
  /** logged-in, reachable agents of the target */
  staffed: number;
}

/** an API key as stored: the SHA-256 of its secret, never the secret */
export interface StoredApiKey {
  id: string;
  name: string;
  secretHash: string;
  scopes: ApiScope[];
  allowedNetworks: string[];
  rateLimitPerMinute: number | null;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
  replacedBy: string | null;
}

/** one admin or supervisor action; `detail` is JSON ({ before, after }) */
export interface StoredAuditEntry {
  seq: number;
  at: number;
  actor: string;
  source: string;
  action: string;
  subject: string;
  detail: string;
}

export interface AuditSearch {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  /** exact (`callback:<id>`), or a kind with a trailing colon (`service:`) */
  subject?: string;
  /** entries with seq below this (paging back) */
  beforeSeq?: number;
  limit: number;
}

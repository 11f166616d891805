import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { AttemptRecord, CallbackEvent, CallbackRecord, CallbackState, Disposition } from '../ports/callback-records';
import type { InteractionRecord } from '../ports/callbacks';
import type { AgentClaim, ClaimOrder, ClaimResult, QueueStateChange, QueueStateSnapshot, StoredApproval, StoredApprovalKind } from '../ports/queue-state';
import { sqliteMigrations } from './migrations';
import { SqliteQueueState } from './sqlite-queue-state';
import { attemptParams, callbackParams, CALLBACK_COLUMNS, CALLBACK_VALUES, ERASED, toApiKey, toAttempt, toCallback, toInteraction, toService, type ApiKeyRow, type AttemptRow, type CallbackRow, type EventRow, type InteractionRow, type ServiceRow } from './rows';
import type { AttemptReportRow, AuditSearch, CallbackChange, InFlightCallback, CallbackSearch, CommittedEvent, EventSearch, InteractionAttachment, NewEvent, QueueSample, ServiceFigureRow, StoredApiKey, StoredAuditEntry, StoredInteraction, StoredService } from './store';

export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  path: string;
  /**
   * NORMAL (default): a committed change survives a crash of this process (WAL);
   * FULL: also survives a power loss of the machine, at a cost in throughput.
   */
  synchronous?: 'NORMAL' | 'FULL';
}


/**
 * The SQLite store's synchronous core: one SQLite file in WAL mode, every method atomic on its own.
 * `SqliteStore` (sqlite-store.ts) is the asynchronous `Store` over it.
 */
export class SqliteEngine {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly queue: SqliteQueueState;

  constructor(opts: SqliteStoreOptions) {
    if (opts.path !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(opts.path)), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const db = this.db;
    this.queue = new SqliteQueueState(db);
    this.stmt = {
      listServices: db.prepare('SELECT * FROM services ORDER BY name'),
      getService: db.prepare('SELECT * FROM services WHERE name = ?'),
      putService: db.prepare(
        `INSERT INTO services (name, template, options, created_at, updated_at) VALUES (@name, @template, @options, @created_at, @updated_at)
         ON CONFLICT (name) DO UPDATE SET template = excluded.template, options = excluded.options, updated_at = excluded.updated_at`,
      ),
      deleteService: db.prepare('DELETE FROM services WHERE name = ?'),
      insertCallback: db.prepare(`INSERT INTO callbacks (${CALLBACK_COLUMNS}) VALUES (${CALLBACK_VALUES})`),
      updateCallback: db.prepare(
        `UPDATE callbacks SET state = @state, reason = @reason, target = @target, desired_time = @desired_time,
           service_start = @service_start, expiration_time = @expiration_time, next_attempt_at = @next_attempt_at,
           attempts = @attempts, user_data = @user_data, overrides = @overrides, updated_at = @updated_at,
           lease_owner = CASE WHEN @state IN ('ROUTING', 'PROCESSING') THEN COALESCE(@lease_owner, lease_owner) END,
           lease_expires_at = CASE WHEN @state IN ('ROUTING', 'PROCESSING') THEN COALESCE(@lease_expires_at, lease_expires_at) END
         WHERE id = @id`,
      ),
      stateOf: db.prepare('SELECT state FROM callbacks WHERE id = ?').pluck(),
      guardOf: db.prepare('SELECT state, lease_owner, lease_expires_at FROM callbacks WHERE id = ?'),
      renewLease: db.prepare(
        `UPDATE callbacks SET lease_expires_at = @expires_at WHERE id = @id AND lease_owner = @owner AND state IN ('ROUTING', 'PROCESSING')`,
      ),
      inFlightLeases: db.prepare(
        `SELECT ${CALLBACK_COLUMNS}, lease_owner, lease_expires_at FROM callbacks WHERE state IN ('ROUTING', 'PROCESSING') ORDER BY updated_at`,
      ),
      getCallback: db.prepare(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE id = ?`),
      findActive: db.prepare(
        // uses callbacks_number_time: a number has few rows
        `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE customer_number = @number AND service_name = @service AND state <> 'COMPLETED' ORDER BY accepted_at LIMIT 1`,
      ),
      due: db.prepare(
        `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
      ),
      dueOfDirection: db.prepare(
        `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ? AND direction = ? ORDER BY next_attempt_at LIMIT ?`,
      ),
      nextDue: db.prepare('SELECT MIN(next_attempt_at) FROM callbacks WHERE next_attempt_at IS NOT NULL').pluck(),
      inFlight: db.prepare(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE state IN ('ROUTING', 'PROCESSING')`),
      bucketCounts: db.prepare(
        `SELECT (desired_time / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS bucket, COUNT(*) AS n FROM callbacks
         WHERE service_name = @service AND desired_time IS NOT NULL AND desired_time >= @from AND desired_time < @to
           AND (reason IS NULL OR reason <> 'CANCELLED')
         GROUP BY bucket`,
      ),
      bucketCountsByTarget: db.prepare(
        `SELECT (desired_time / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS bucket, COUNT(*) AS n FROM callbacks
         WHERE target = @target AND desired_time IS NOT NULL AND desired_time >= @from AND desired_time < @to
           AND (reason IS NULL OR reason <> 'CANCELLED')
         GROUP BY bucket`,
      ),
      countSince: db.prepare('SELECT COUNT(*) FROM callbacks WHERE customer_number = ? AND accepted_at >= ?').pluck(),
      insertAttempt: db.prepare(
        `INSERT INTO attempts (id, callback_id, number, started_at, ended_at, outcome, sip_status, amd_decision, amd_decision_ms, agent_id, answered_at, connected_at, call_id, detail)
         VALUES (@id, @callback_id, @number, @started_at, @ended_at, @outcome, @sip_status, @amd_decision, @amd_decision_ms, @agent_id, @answered_at, @connected_at, @call_id, @detail)
         ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome, sip_status = excluded.sip_status,
           amd_decision = excluded.amd_decision, amd_decision_ms = excluded.amd_decision_ms, agent_id = excluded.agent_id,
           answered_at = excluded.answered_at, connected_at = excluded.connected_at, call_id = excluded.call_id, detail = excluded.detail`,
      ),
      countAttempts: db.prepare('SELECT COUNT(*) FROM attempts WHERE callback_id = ?').pluck(),
      countAttemptsOf: db.prepare('SELECT callback_id AS id, COUNT(*) AS n FROM attempts WHERE callback_id IN (SELECT value FROM json_each(?)) GROUP BY callback_id'),
      attemptsOf: db.prepare('SELECT * FROM attempts WHERE callback_id = ? ORDER BY number'),
      openAttempt: db.prepare('SELECT * FROM attempts WHERE callback_id = ? AND ended_at IS NULL ORDER BY number DESC LIMIT 1'),
      insertEvent: db.prepare(
        'INSERT INTO events (callback_id, service_name, at, type, state, reason, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      getInteraction: db.prepare('SELECT * FROM interactions WHERE id = ?'),
      upsertInteraction: db.prepare(
        `INSERT INTO interactions (id, call_id, ani, dnis, service_name, target, started_at, ended_at, outcome, attached, callback_id)
         VALUES (@id, @call_id, @ani, @dnis, @service_name, @target, @started_at, @ended_at, @outcome, @attached, @callback_id)
         ON CONFLICT (id) DO UPDATE SET call_id = COALESCE(excluded.call_id, call_id), ani = COALESCE(excluded.ani, ani),
           dnis = COALESCE(excluded.dnis, dnis), service_name = COALESCE(excluded.service_name, service_name),
           target = COALESCE(excluded.target, target), started_at = COALESCE(excluded.started_at, started_at),
           ended_at = COALESCE(excluded.ended_at, ended_at), outcome = COALESCE(excluded.outcome, outcome),
           attached = excluded.attached, callback_id = COALESCE(excluded.callback_id, callback_id)`,
      ),
      interactionsOfCallback: db.prepare('SELECT * FROM interactions WHERE callback_id = ?'),
      setInteractionAttached: db.prepare('UPDATE interactions SET attached = ? WHERE id = ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const apply = this.db.transaction(() => {
      for (let i = version; i < sqliteMigrations.length; i++) {
        this.db.exec(sqliteMigrations[i]);
        this.db.pragma(`user_version = ${i + 1}`);
      }
    });
    apply.immediate();
  }

  /** copy the whole WAL into the database file and truncate it (maintenance; blocks writers meanwhile) */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** events written by the open transaction, handed to `publish` when the outermost one commits */
  private pendingEvents: CommittedEvent[] = [];
  private depth = 0;
  /** receives the events of each committed outermost transaction */
  publish: (events: CommittedEvent[]) => void = () => undefined;
  /** true while someone listens: events are collected for `publish` only then */
  collecting = false;

  /** a synchronous transaction; nested calls (and calls inside `begin`) are savepoints */
  transaction<T>(fn: () => T): T {
    // IMMEDIATE: take the write lock up front, so waiting for it (busy_timeout) works; nested calls are savepoints
    return this.tracked(() => this.db.transaction(fn).immediate());
  }

  /** open the outermost transaction of work that spans awaits; returns the mark of its events */
  begin(): number {
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    return this.pendingEvents.length;
  }

  commit(): void {
    this.db.exec('COMMIT');
    this.depth--;
    this.flushEvents();
  }

  rollback(mark: number): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.depth--;
    this.pendingEvents.length = mark;
  }

  /** a savepoint within `begin`'s transaction; returns the mark of its events */
  savepoint(name: string): number {
    this.db.exec(`SAVEPOINT ${name}`);
    return this.pendingEvents.length;
  }

  releaseSavepoint(name: string): void {
    this.db.exec(`RELEASE ${name}`);
  }

  rollbackSavepoint(name: string, mark: number): void {
    this.db.exec(`ROLLBACK TO ${name}`);
    this.db.exec(`RELEASE ${name}`);
    this.pendingEvents.length = mark;
  }

  /** run a (possibly nested) transaction; publish its events after the outermost commit, drop them on rollback */
  private tracked<T>(run: () => T): T {
    const mark = this.pendingEvents.length;
    this.depth++;
    let result: T;
    try {
      result = run();
    } catch (err) {
      this.pendingEvents.length = mark;
      throw err;
    } finally {
      this.depth--;
    }
    this.flushEvents();
    return result;
  }

  private flushEvents(): void {
    if (this.depth !== 0 || this.pendingEvents.length === 0) return;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    this.publish(events);
  }

  ping(): boolean {
    return this.db.prepare('SELECT 1').pluck().get() === 1;
  }

  listServices(): StoredService[] {
    return (this.stmt.listServices.all() as ServiceRow[]).map(toService);
  }

  getService(name: string): StoredService | undefined {
    const row = this.stmt.getService.get(name) as ServiceRow | undefined;
    return row && toService(row);
  }

  putService(s: StoredService): void {
    this.stmt.putService.run({
      name: s.name,
      template: s.template,
      options: JSON.stringify(s.options),
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    });
  }

  deleteService(name: string): boolean {
    return this.stmt.deleteService.run(name).changes > 0;
  }

  private writeEvents(c: CallbackRecord, events: NewEvent[]): void {
    for (const e of events) {
      const data = e.data ?? {};
      this.stmt.insertEvent.run(c.id, c.serviceName, e.at, e.type, c.state, e.reason ?? null, JSON.stringify(data));
      if (this.collecting) {
        this.pendingEvents.push({ callbackId: c.id, serviceName: c.serviceName, at: e.at, type: e.type, state: c.state, reason: e.reason ?? c.reason, data });
      }
    }
  }

  insertCallback(callback: CallbackRecord, events: NewEvent[], attach?: InteractionAttachment): void {
    this.transaction(() => {
      this.stmt.insertCallback.run(callbackParams(callback));
      this.writeEvents(callback, events);
      if (attach) this.attach(attach);
    });
  }

  applyChange(change: CallbackChange): boolean {
    return this.transaction(() => {
      const ch = change;
      if (ch.expectStates || ch.expectLease) {
        const current = this.stmt.guardOf.get(ch.callback.id) as { state: CallbackState; lease_owner: string | null; lease_expires_at: number | null } | undefined;
        if (!current) return false;
        if (ch.expectStates && !ch.expectStates.includes(current.state)) return false;
        const lease = ch.expectLease;
        if (lease && (current.lease_owner !== lease.owner || (lease.expiredBy !== undefined && current.lease_expires_at !== null && current.lease_expires_at > lease.expiredBy))) return false;
      }
      this.stmt.updateCallback.run({ ...callbackParams(ch.callback), lease_owner: ch.lease?.owner ?? null, lease_expires_at: ch.lease?.expiresAt ?? null });
      if (ch.attempt) this.stmt.insertAttempt.run(attemptParams(ch.attempt));
      this.writeEvents(ch.callback, ch.events);
      return true;
    });
  }

  getCallback(id: string): CallbackRecord | undefined {
    const row = this.stmt.getCallback.get(id) as CallbackRow | undefined;
    return row && toCallback(row);
  }

  findActiveCallback(serviceName: string, customerNumber: string): CallbackRecord | undefined {
    const row = this.stmt.findActive.get({ number: customerNumber, service: serviceName }) as CallbackRow | undefined;
    return row && toCallback(row);
  }

  searchCallbacks(s: CallbackSearch): CallbackRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: s.limit, offset: s.offset ?? 0 };
    if (s.serviceName !== undefined) (where.push('service_name = @service'), (params.service = s.serviceName));
    if (s.customerNumber !== undefined) (where.push('customer_number = @number'), (params.number = s.customerNumber));
    if (s.states?.length) {
      where.push(`state IN (${s.states.map((_, i) => `@state${i}`).join(', ')})`);
      s.states.forEach((st, i) => (params[`state${i}`] = st));
    }
    if (s.from !== undefined) (where.push('service_start >= @from'), (params.from = s.from));
    if (s.to !== undefined) (where.push('service_start <= @to'), (params.to = s.to));
    const sql = `SELECT ${CALLBACK_COLUMNS} FROM callbacks ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY service_start, id LIMIT @limit OFFSET @offset`;
    return (this.db.prepare(sql).all(params) as CallbackRow[]).map(toCallback);
  }

  dueCallbacks(now: number, limit: number, direction?: CallbackRecord['direction']): CallbackRecord[] {
    const rows = direction ? this.stmt.dueOfDirection.all(now, direction, limit) : this.stmt.due.all(now, limit);
    return (rows as CallbackRow[]).map(toCallback);
  }

  nextDueTime(): number | null {
    return (this.stmt.nextDue.get() as number | null) ?? null;
  }

  callbacksInFlight(): CallbackRecord[] {
    return (this.stmt.inFlight.all() as CallbackRow[]).map(toCallback);
  }

  bucketCounts(serviceName: string, bucketMs: number, from: number, to: number): Map<number, number> {
    const rows = this.stmt.bucketCounts.all({ bucket: bucketMs, service: serviceName, from, to }) as { bucket: number; n: number }[];
    return new Map(rows.map((r) => [r.bucket, r.n]));
  }

  bucketCountsByTarget(target: string, bucketMs: number, from: number, to: number): Map<number, number> {
    const rows = this.stmt.bucketCountsByTarget.all({ bucket: bucketMs, target, from, to }) as { bucket: number; n: number }[];
    return new Map(rows.map((r) => [r.bucket, r.n]));
  }

  countCallbacksSince(customerNumber: string, since: number): number {
    return this.stmt.countSince.get(customerNumber, since) as number;
  }

  attemptsOf(callbackId: string): AttemptRecord[] {
    return (this.stmt.attemptsOf.all(callbackId) as AttemptRow[]).map(toAttempt);
  }

  countAttempts(callbackId: string): number {
    return this.stmt.countAttempts.get(callbackId) as number;
  }

  countAttemptsOf(callbackIds: string[]): Map<string, number> {
    if (!callbackIds.length) return new Map();
    const rows = this.stmt.countAttemptsOf.all(JSON.stringify(callbackIds)) as { id: string; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  saveAttempt(attempt: AttemptRecord): void {
    this.stmt.insertAttempt.run(attemptParams(attempt));
  }

  openAttemptOf(callbackId: string): AttemptRecord | undefined {
    const row = this.stmt.openAttempt.get(callbackId) as AttemptRow | undefined;
    return row && toAttempt(row);
  }

  events(s: EventSearch): CallbackEvent[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: s.limit };
    if (s.callbackId !== undefined) (where.push('callback_id = @cb'), (params.cb = s.callbackId));
    if (s.serviceName !== undefined) (where.push('service_name = @service'), (params.service = s.serviceName));
    if (s.from !== undefined) (where.push('at >= @from'), (params.from = s.from));
    if (s.to !== undefined) (where.push('at <= @to'), (params.to = s.to));
    if (s.types?.length) {
      where.push(`type IN (${s.types.map((_, i) => `@type${i}`).join(', ')})`);
      s.types.forEach((t, i) => (params[`type${i}`] = t));
    }
    const sql = `SELECT seq, callback_id, at, type, state, reason, data FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as EventRow[]).map((r) => ({
      seq: r.seq,
      callbackId: r.callback_id,
      at: r.at,
      type: r.type,
      state: r.state,
      reason: r.reason,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  recordInteraction(i: InteractionRecord): void {
    this.transaction(() =>
      this.upsertInteraction(i.interactionId, i.attached, {
        call_id: i.callId ?? null,
        ani: i.ani ?? null,
        dnis: i.dnis ?? null,
        service_name: i.serviceName ?? null,
        target: i.target ?? null,
        started_at: i.startedAt,
        ended_at: i.endedAt,
        outcome: i.outcome,
      }),
    );
  }

  openInteraction(i: { interactionId: string; startedAt: number; ani?: string; dnis?: string; serviceName?: string; attached?: Record<string, string | number> }): void {
    this.transaction(() =>
      this.upsertInteraction(i.interactionId, i.attached ?? {}, { ani: i.ani ?? null, dnis: i.dnis ?? null, service_name: i.serviceName ?? null, started_at: i.startedAt }),
    );
  }

  attachToInteraction(a: InteractionAttachment): void {
    this.transaction(() => this.attach(a));
  }

  updateCallbackInteractions(callbackId: string, attached: Record<string, string | number>): number {
    return this.transaction(() => {
      const rows = this.stmt.interactionsOfCallback.all(callbackId) as InteractionRow[];
      for (const r of rows) this.stmt.setInteractionAttached.run(JSON.stringify({ ...(JSON.parse(r.attached) as Record<string, unknown>), ...attached }), r.id);
      return rows.length;
    });
  }

  /** the keys onto the interaction, linked to the callback; an outside IVR's interaction ends here as CALLBACK */
  private attach(a: InteractionAttachment): void {
    const existing = this.stmt.getInteraction.get(a.interactionId) as InteractionRow | undefined;
    const end = a.endAsCallback;
    this.upsertInteraction(
      a.interactionId,
      a.attached,
      end
        ? {
            service_name: end.serviceName,
            target: end.target,
            started_at: existing?.started_at ?? end.at,
            ended_at: existing?.ended_at ?? end.at,
            outcome: 'CALLBACK',
            callback_id: a.callbackId,
          }
        : { callback_id: a.callbackId },
      existing,
    );
  }

  /** insert or complete an interaction: the columns given replace, the others stay; attached data merges with what is there */
  private upsertInteraction(id: string, attached: Record<string, string | number>, cols: Partial<Omit<InteractionRow, 'id' | 'attached'>>, existing?: InteractionRow): void {
    const before = existing ?? (this.stmt.getInteraction.get(id) as InteractionRow | undefined);
    const merged = { ...(before ? (JSON.parse(before.attached) as Record<string, unknown>) : {}), ...attached };
    this.stmt.upsertInteraction.run({
      id,
      call_id: null,
      ani: null,
      dnis: null,
      service_name: null,
      target: null,
      started_at: null,
      ended_at: null,
      outcome: null,
      callback_id: null,
      ...cols,
      attached: JSON.stringify(merged),
    });
  }

  getInteraction(id: string): StoredInteraction | undefined {
    const row = this.stmt.getInteraction.get(id) as InteractionRow | undefined;
    return row && toInteraction(row);
  }

  searchInteractions(s: { from?: number; to?: number; limit: number }): StoredInteraction[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM interactions WHERE (@from IS NULL OR started_at >= @from) AND (@to IS NULL OR started_at <= @to)
         ORDER BY started_at LIMIT @limit`,
      )
      .all({ from: s.from ?? null, to: s.to ?? null, limit: s.limit }) as InteractionRow[];
    return rows.map(toInteraction);
  }

  serviceFigures(from: number, to: number): ServiceFigureRow[] {
    const callbacks = this.db
      .prepare(
        `SELECT service_name AS service, state, CASE WHEN state = 'COMPLETED' THEN reason END AS reason, COUNT(*) AS n FROM callbacks
         WHERE service_start >= ? AND service_start < ? GROUP BY 1, 2, 3`,
      )
      .all(from, to) as { service: string; state: CallbackState; reason: string | null; n: number }[];
    const amd = this.db
      .prepare(
        `SELECT service_name AS service, json_extract(data, '$.amd') AS decision, COUNT(*) AS n FROM events
         WHERE type = 'ATTEMPT_ENDED' AND at >= ? AND at < ? AND json_extract(data, '$.amd') IS NOT NULL GROUP BY 1, 2`,
      )
      .all(from, to) as { service: string; decision: string; n: number }[];
    return [...callbacks.map((r) => ({ kind: 'callbacks' as const, ...r })), ...amd.map((r) => ({ kind: 'amd' as const, ...r }))];
  }

  addQueueSamples(samples: QueueSample[]): void {
    if (samples.length === 0) return;
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO queue_samples (at, target, waiting, ewt_sec, agents_ready, agents_busy, staffed) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const q of samples) insert.run(q.at, q.target, q.waiting, q.ewtSec, q.agentsReady, q.agentsBusy, q.staffed);
    })();
  }

  queueSamples(search: { target?: string; from: number; to: number; limit: number }): QueueSample[] {
    const where = ['at >= ?', 'at < ?'];
    const args: (string | number)[] = [search.from, search.to];
    if (search.target) {
      where.push('target = ?');
      args.push(search.target);
    }
    const rows = this.db
      .prepare(`SELECT at, target, waiting, ewt_sec, agents_ready, agents_busy, staffed FROM queue_samples WHERE ${where.join(' AND ')} ORDER BY at, target LIMIT ?`)
      .all(...args, search.limit) as { at: number; target: string; waiting: number; ewt_sec: number; agents_ready: number; agents_busy: number; staffed: number }[];
    return rows.map((r) => ({ at: r.at, target: r.target, waiting: r.waiting, ewtSec: r.ewt_sec, agentsReady: r.agents_ready, agentsBusy: r.agents_busy, staffed: r.staffed }));
  }

  pruneQueueSamples(before: number): number {
    return this.db.prepare('DELETE FROM queue_samples WHERE at < ?').run(before).changes;
  }

  insertApiKey(k: StoredApiKey): void {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, name, secret_hash, scopes, allowed_networks, rate_limit_per_minute, created_at, created_by, revoked_at, revoked_by, replaced_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(k.id, k.name, k.secretHash, JSON.stringify(k.scopes), JSON.stringify(k.allowedNetworks), k.rateLimitPerMinute, k.createdAt, k.createdBy, k.revokedAt, k.revokedBy, k.replacedBy);
  }

  getApiKey(id: string): StoredApiKey | undefined {
    const row = this.apiKeyById.get(id) as ApiKeyRow | undefined;
    return row && toApiKey(row);
  }

  listApiKeys(): StoredApiKey[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as ApiKeyRow[]).map(toApiKey);
  }

  revokeApiKey(id: string, at: number, by: string, replacedBy: string | null): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ?, revoked_by = ?, replaced_by = COALESCE(?, replaced_by) WHERE id = ?').run(at, by, replacedBy, id).changes > 0;
  }

  anonymiseBefore(before: number): { callbacks: number; interactions: number } {
    return this.transaction(() => ({
      callbacks: this.db
        .prepare(`UPDATE callbacks SET customer_number = '${ERASED}', user_data = '{}' WHERE state = 'COMPLETED' AND updated_at < ? AND customer_number <> '${ERASED}'`)
        .run(before).changes,
      interactions: this.db.prepare('UPDATE interactions SET ani = NULL WHERE started_at < ? AND ani IS NOT NULL').run(before).changes,
    }));
  }

  purgeBefore(before: number): { callbacks: number; interactions: number } {
    return this.transaction(() => {
      const old = "SELECT id FROM callbacks WHERE state = 'COMPLETED' AND updated_at < @before";
      this.db.prepare(`DELETE FROM events WHERE callback_id IN (${old})`).run({ before });
      this.db.prepare(`DELETE FROM attempts WHERE callback_id IN (${old})`).run({ before });
      const callbacks = this.db.prepare(`DELETE FROM callbacks WHERE id IN (${old})`).run({ before }).changes;
      const interactions = this.db
        .prepare("DELETE FROM interactions WHERE started_at < ? AND (callback_id IS NULL OR callback_id NOT IN (SELECT id FROM callbacks WHERE state <> 'COMPLETED'))")
        .run(before).changes;
      return { callbacks, interactions };
    });
  }

  eraseCustomerNumber(e164: string): { callbacks: number; interactions: number; active: number } {
    return this.transaction(() => {
      const active = this.db.prepare("SELECT COUNT(*) FROM callbacks WHERE customer_number = ? AND state <> 'COMPLETED'").pluck().get(e164) as number;
      if (active) return { callbacks: 0, interactions: 0, active };
      const callbacks = this.db.prepare(`UPDATE callbacks SET customer_number = '${ERASED}', user_data = '{}' WHERE customer_number = ?`).run(e164).changes;
      // the network may have sent the caller's number with or without its +
      const interactions = this.db.prepare('UPDATE interactions SET ani = NULL WHERE ani IN (?, ?)').run(e164, e164.replace(/^\+/, '')).changes;
      return { callbacks, interactions, active: 0 };
    });
  }

  appendAudit(e: Omit<StoredAuditEntry, 'seq'>): void {
    this.db.prepare('INSERT INTO audit_log (at, actor, source, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)').run(e.at, e.actor, e.source, e.action, e.subject, e.detail);
  }

  auditEntries(q: AuditSearch): StoredAuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, v: string | number | undefined) => {
      if (v === undefined) return;
      where.push(sql);
      args.push(v);
    };
    add('at >= ?', q.from);
    add('at <= ?', q.to);
    add('actor = ?', q.actor);
    add('action = ?', q.action);
    add('seq < ?', q.beforeSeq);
    if (q.subject?.endsWith(':')) add("subject >= ? AND subject < ? || char(0x10FFFF)", q.subject), args.push(q.subject);
    else add('subject = ?', q.subject);
    return this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, q.limit) as StoredAuditEntry[];
  }

  /** read on every request that presents a data key: prepared once */
  private get apiKeyById(): Database.Statement {
    this.apiKeyStmt ??= this.db.prepare('SELECT * FROM api_keys WHERE id = ?');
    return this.apiKeyStmt;
  }
  private apiKeyStmt: Database.Statement | undefined;

  setAttemptDisposition(attemptId: string, d: Disposition): boolean {
    return this.db.prepare('UPDATE attempts SET disposition = ?, disposition_note = ?, disposition_at = ? WHERE id = ?').run(d.code, d.note, d.at, attemptId).changes === 1;
  }

  setInteractionDisposition(interactionId: string, agentId: string, d: Disposition): void {
    // the IVR records its call when the call ends, which may be just after the agent's wrap-up: the row may come later
    this.db
      .prepare(
        `INSERT INTO interactions (id, attached, agent_id, disposition, disposition_note, disposition_at) VALUES (?, '{}', ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET agent_id = excluded.agent_id, disposition = excluded.disposition, disposition_note = excluded.disposition_note, disposition_at = excluded.disposition_at`,
      )
      .run(interactionId, agentId, d.code, d.note, d.at);
  }

  searchAttempts(s: { serviceName?: string; from?: number; to?: number; limit: number }): AttemptReportRow[] {
    const rows = this.db
      .prepare(
        `SELECT a.*, c.service_name AS service_name, c.customer_number AS customer_number FROM attempts a JOIN callbacks c ON c.id = a.callback_id
         WHERE (@service IS NULL OR c.service_name = @service) AND (@from IS NULL OR a.started_at >= @from) AND (@to IS NULL OR a.started_at <= @to)
         ORDER BY a.started_at LIMIT @limit`,
      )
      .all({ service: s.serviceName ?? null, from: s.from ?? null, to: s.to ?? null, limit: s.limit }) as (AttemptRow & { service_name: string; customer_number: string })[];
    return rows.map((r) => ({ ...toAttempt(r), serviceName: r.service_name, customerNumber: r.customer_number }));
  }

  interactionsOfCallers(anis: string[], limit: number): StoredInteraction[] {
    if (!anis.length) return [];
    const rows = this.db
      .prepare(`SELECT * FROM interactions WHERE ani IN (${anis.map(() => '?').join(', ')}) ORDER BY started_at DESC LIMIT ?`)
      .all(...anis, limit) as InteractionRow[];
    return rows.map(toInteraction);
  }

  renewLeases(owner: string, callbackIds: string[], expiresAt: number): string[] {
    return this.transaction(() => callbackIds.filter((id) => this.stmt.renewLease.run({ id, owner, expires_at: expiresAt }).changes === 1));
  }

  abandonedInFlight(now: number, limit: number, holderIsDead?: (owner: string) => boolean): InFlightCallback[] {
    const out: InFlightCallback[] = [];
    for (const row of this.stmt.inFlightLeases.iterate() as IterableIterator<CallbackRow & { lease_owner: string | null; lease_expires_at: number | null }>) {
      if (out.length >= limit) break;
      const { lease_owner: owner, lease_expires_at: expires } = row;
      if (owner === null || expires === null || expires <= now || holderIsDead?.(owner)) out.push({ callback: toCallback(row), leaseOwner: owner, leaseExpiresAt: expires });
    }
    return out;
  }

  insertAgentSession(session: { tokenHash: string; agentId: string; expiresAt: number }, now: number): void {
    this.transaction(() => {
      this.db.prepare('DELETE FROM agent_sessions WHERE agent_id = ? AND expires_at <= ?').run(session.agentId, now);
      this.db.prepare('INSERT INTO agent_sessions (token_hash, agent_id, expires_at) VALUES (?, ?, ?)').run(session.tokenHash, session.agentId, session.expiresAt);
    });
  }

  agentOfSession(tokenHash: string, now: number): string | undefined {
    const row = this.db.prepare('SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = ?').get(tokenHash) as { agent_id: string; expires_at: number } | undefined;
    if (!row) return undefined;
    if (row.expires_at > now) return row.agent_id;
    this.deleteAgentSession(tokenHash);
    return undefined;
  }

  deleteAgentSession(tokenHash: string): void {
    this.db.prepare('DELETE FROM agent_sessions WHERE token_hash = ?').run(tokenHash);
  }

  deleteAgentSessions(agentId: string, now: number): number {
    return this.transaction(() => {
      const live = this.db.prepare('SELECT COUNT(*) FROM agent_sessions WHERE agent_id = ? AND expires_at > ?').pluck().get(agentId, now) as number;
      this.db.prepare('DELETE FROM agent_sessions WHERE agent_id = ?').run(agentId);
      return live;
    });
  }

  saveQueueState(change: QueueStateChange): void {
    this.transaction(() => this.queue.save(change));
  }

  loadQueueState(): QueueStateSnapshot {
    return this.transaction(() => this.queue.load());
  }

  claimAgent(claim: AgentClaim, now: number, order?: ClaimOrder): ClaimResult {
    return this.transaction(() => this.queue.claimAgent(claim, now, order));
  }

  renewQueueLease(owner: string, expiresAt: number): string[] {
    return this.transaction(() => this.queue.renewQueueLease(owner, expiresAt));
  }

  agentClaims(now: number): AgentClaim[] {
    return this.queue.agentClaims(now);
  }

  liveQueueInstances(now: number): string[] {
    return this.queue.liveQueueInstances(now);
  }

  putPendingApproval(approval: StoredApproval): void {
    this.queue.putApproval(approval);
  }

  deletePendingApproval(callbackId: string, kind: StoredApprovalKind): void {
    this.queue.deleteApproval(callbackId, kind);
  }

  pendingApprovals(): StoredApproval[] {
    return this.queue.approvals();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}


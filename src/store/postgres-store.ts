import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { AttemptRecord, CallDirection, CallbackEvent, CallbackRecord, CallbackState, Disposition } from '../ports/callback-records';
import type { InteractionRecord } from '../ports/callbacks';
import type { AgentClaim, ClaimOrder, ClaimResult, QueueStateChange, QueueStateNotice, QueueStateSnapshot, StoredApproval, StoredApprovalKind } from '../ports/queue-state';
import { postgresMigrations } from './migrations/postgres';
import { postgresQueueState } from './postgres-queue-state';
import { attemptParams, callbackParams, ERASED, toApiKey, toAttempt, toCallback, toInteraction, toService, type ApiKeyRow, type AttemptRow, type CallbackRow, type EventRow, type InteractionRow, type ServiceRow } from './rows';
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

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (DATABASE_URL) */
  connectionString: string;
  /** a schema of its own (created if absent) instead of the user's default search path (tests) */
  schema?: string;
  /** connections in the pool (default 10) */
  poolSize?: number;
}

/** the advisory lock key under which one instance migrates while the others wait ('cbsv') */
const MIGRATION_LOCK = 0x63627376;

/** BIGINT (epoch ms, counts) as numbers: every value the store keeps is below 2^53 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

const CALLBACK_COLUMNS =
  'id, service_name, customer_number, state, reason, request_reason, direction, target, desired_time, accepted_at, service_start, expiration_time, next_attempt_at, attempts, originating_interaction_id, client_id, user_data, overrides, updated_at';
const CALLBACK_KEYS = CALLBACK_COLUMNS.split(', ') as (keyof ReturnType<typeof callbackParams>)[];
const ATTEMPT_KEYS = ['id', 'callback_id', 'number', 'started_at', 'ended_at', 'outcome', 'sip_status', 'amd_decision', 'amd_decision_ms', 'agent_id', 'answered_at', 'connected_at', 'call_id', 'detail'] as const;
/** the attempts columns that are not TEXT (a statement's parameters there are cast) */
const ATTEMPT_TYPES: Partial<Record<(typeof ATTEMPT_KEYS)[number], string>> = {
  number: 'integer', started_at: 'bigint', ended_at: 'bigint', sip_status: 'integer', amd_decision_ms: 'integer', answered_at: 'bigint', connected_at: 'bigint',
};
const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

const INSERT_ATTEMPT = `INSERT INTO attempts (${ATTEMPT_KEYS.join(', ')}) VALUES (${placeholders(ATTEMPT_KEYS.length)})
  ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome, sip_status = excluded.sip_status,
    amd_decision = excluded.amd_decision, amd_decision_ms = excluded.amd_decision_ms, agent_id = excluded.agent_id,
    answered_at = excluded.answered_at, connected_at = excluded.connected_at, call_id = excluded.call_id, detail = excluded.detail`;

/** a statement's parameter; arrays go as PostgreSQL arrays (node-postgres quotes their elements) */
type Param = string | number | null | string[] | number[] | (string | null)[];

/**
 * Create the schema if asked and apply the migrations not yet applied, on a connection of its own under an
 * advisory lock: of several instances starting at once, one migrates and the others wait, then find it done.
 */
async function migrate(connectionString: string, schema: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      if (schema !== undefined) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
      }
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations');
      for (let i = rows[0]!.version; i < postgresMigrations.length; i++) {
        await client.query('BEGIN');
        try {
          await client.query(postgresMigrations[i]!);
          await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

/** the open transaction of an async context: its connection, and the events it wrote (published on commit) */
interface Transaction {
  client: pg.PoolClient;
  events: CommittedEvent[];
  savepoints: number;
  ended: boolean;
}

/**
 * The PostgreSQL store (`store.kind: postgres`): the same tables and semantics as the SQLite store, over a
 * pool of connections (node-postgres). A `transaction` holds one connection for its async context: the store
 * calls made from within it run on that connection (nested ones in savepoints); others run beside it on the
 * pool, and see its work once it commits. Guards are single statements (`UPDATE ... WHERE state = ANY(...)`),
 * so two instances on one database cannot both move a callback on.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly concurrentTransactions: number;
  private readonly context = new AsyncLocalStorage<Transaction>();
  private readonly listeners = new Set<(events: CommittedEvent[]) => void>();

  private constructor(
    private readonly pool: pg.Pool,
    poolSize: number,
    /** how to open the connection that LISTENs (watchQueueState), and its channel (one per schema) */
    private readonly listen: { connectionString: string; channel: string },
  ) {
    // a few connections stay for the scheduler and the reads beside them; more batches side by side only make
    // them smaller (more statements per request) once the database is busy
    this.concurrentTransactions = Math.max(1, Math.min(4, poolSize - 2));
  }

  /** connect, and bring the schema up to date (once, under an advisory lock, whoever starts first) */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = opts.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`store schema "${schema}": lower-case letters, digits and _ only`);
    await migrate(opts.connectionString, schema);
    const pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 10,
      // a database that does not answer is reported (health: store down) rather than waited for
      connectionTimeoutMillis: 10_000,
      types,
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    // an idle connection's error (the server restarted) is the pool's to handle: the next query reconnects
    pool.on('error', () => undefined);
    return new PostgresStore(pool, opts.poolSize ?? 10, { connectionString: opts.connectionString, channel: `cbsvc_queue_${schema ?? 'public'}` });
  }

  onCommitted(listener: (events: CommittedEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private current(): Transaction | undefined {
    const tx = this.context.getStore();
    return tx && !tx.ended ? tx : undefined;
  }

  /** run one statement: on the transaction's connection when called from within one, else on the pool */
  private async q<R extends pg.QueryResultRow = Record<string, never>>(sql: string, params: Param[] = [], name?: string): Promise<pg.QueryResult<R>> {
    // a named statement is parsed and planned once per connection (the hot ones: a request's, a claim's)
    const query: pg.QueryConfig<Param[]> = name ? { name, text: sql, values: params } : { text: sql, values: params };
    const tx = this.current();
    return tx ? tx.client.query<R, Param[]>(query) : this.pool.query<R, Param[]>(query);
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: Param[] = [], name?: string): Promise<R[]> {
    return (await this.q<R>(sql, params, name)).rows;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const tx = this.current();
    if (tx) {
      const name = `sp${++tx.savepoints}`;
      const mark = tx.events.length;
      await tx.client.query(`SAVEPOINT ${name}`);
      try {
        // not released: the commit releases it, and one round trip less per nested call (a group commit's item)
        return await fn();
      } catch (err) {
        await tx.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await tx.client.query(`RELEASE SAVEPOINT ${name}`);
        tx.events.length = mark;
        throw err;
      }
    }
    const client = await this.pool.connect();
    const root: Transaction = { client, events: [], savepoints: 0, ended: false };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      let result: T;
      try {
        result = await this.context.run(root, fn);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
        throw err;
      } finally {
        root.ended = true;
      }
      if (root.events.length) this.publish(root.events);
      return result;
    } finally {
      client.release(broken);
    }
  }

  /** transaction-scoped advisory locks, one per key (its 64-bit hash), taken in the keys' sorted order */
  async lockKeys(keys: string[]): Promise<void> {
    if (!this.current()) throw new Error('lockKeys: only inside a transaction');
    const sorted = [...new Set(keys)].sort();
    if (!sorted.length) return;
    await this.q('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, i) ORDER BY i', [sorted], 'lock_keys');
  }

  private publish(events: CommittedEvent[]): void {
    for (const l of this.listeners) {
      try {
        l(events);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** a single method's statements, atomically (within the caller's transaction when there is one) */
  private atomic<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(fn);
  }

  async ping(): Promise<boolean> {
    const [row] = await this.rows<{ one: number }>('SELECT 1 AS one');
    return row?.one === 1;
  }

  // --- services -------------------------------------------------------------------------------------

  async listServices(): Promise<StoredService[]> {
    return (await this.rows<ServiceRow>('SELECT * FROM services ORDER BY name COLLATE "C"')).map(toService);
  }

  async getService(name: string): Promise<StoredService | undefined> {
    const [row] = await this.rows<ServiceRow>('SELECT * FROM services WHERE name = $1', [name]);
    return row && toService(row);
  }

  async putService(s: StoredService): Promise<void> {
    await this.q(
      `INSERT INTO services (name, template, options, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET template = excluded.template, options = excluded.options, updated_at = excluded.updated_at`,
      [s.name, s.template, JSON.stringify(s.options), s.createdAt, s.updatedAt],
    );
  }

  async deleteService(name: string): Promise<boolean> {
    return ((await this.q('DELETE FROM services WHERE name = $1', [name])).rowCount ?? 0) > 0;
  }

  // --- callbacks ------------------------------------------------------------------------------------

  async insertCallback(callback: CallbackRecord, events: NewEvent[], attach?: InteractionAttachment): Promise<void> {
    if (attach) {
      return this.atomic(async () => {
        await this.insertWithEvents(callback, events);
        await this.attach(attach);
      });
    }
    // one statement, atomic by itself: no savepoint (and its round trips) inside the caller's transaction
    await this.insertWithEvents(callback, events);
  }

  /** the callback's row and its events in one statement */
  private async insertWithEvents(c: CallbackRecord, events: NewEvent[]): Promise<void> {
    const p = callbackParams(c);
    const n = CALLBACK_KEYS.length;
    await this.q(
      `WITH c AS (INSERT INTO callbacks (${CALLBACK_COLUMNS}) VALUES (${placeholders(n)}) RETURNING id, service_name, state)
       INSERT INTO events (callback_id, service_name, at, type, state, reason, data)
       SELECT c.id, c.service_name, e.at, e.type, c.state, e.reason, e.data
       FROM c, unnest($${n + 1}::bigint[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[]) WITH ORDINALITY AS e(at, type, reason, data, i)
       ORDER BY e.i`,
      [...CALLBACK_KEYS.map((k) => p[k]), events.map((e) => e.at), events.map((e) => e.type), events.map((e) => e.reason ?? null), events.map((e) => JSON.stringify(e.data ?? {}))],
      'insert_callback',
    );
    this.collect(c, events);
  }

  /** the events of a write, published once its transaction commits (when anyone listens) */
  private collect(c: CallbackRecord, events: NewEvent[]): void {
    if (!this.listeners.size) return;
    const list = events.map((e) => ({ callbackId: c.id, serviceName: c.serviceName, at: e.at, type: e.type, state: c.state, reason: e.reason ?? c.reason, data: e.data ?? {} }));
    const tx = this.current();
    if (tx) tx.events.push(...list);
    else this.publish(list);
  }

  /**
   * The guarded update, the attempt's upsert and the events in one statement (data-modifying CTEs): atomic by
   * itself, so no savepoint inside the caller's transaction, and one round trip (a scheduler's claim, an
   * attempt's end). The attempt and events are written when the update applied, or when the change is unguarded.
   */
  async applyChange(ch: CallbackChange): Promise<boolean> {
    const p = callbackParams(ch.callback);
    const guarded = ch.expectStates !== undefined || ch.expectLease !== undefined;
    const lease = ch.expectLease;
    const a = ch.attempt ? attemptParams(ch.attempt) : undefined;
    const events = ch.events;
    // $1-$14 the row and the lease taken; $15 the states expected (null: any); $16/$17 the lease expected (owner,
    // null: none) unless $16 is false, expired by $18 (null: whenever); $19 guarded; $20 an attempt to write,
    // $21-$34 its columns; $35-$38 the events (at, type, reason, data) in order
    const attemptCols = ATTEMPT_KEYS.map((k, i) => `$${i + 21}::${ATTEMPT_TYPES[k] ?? 'text'}`).join(', ');
    const { rows } = await this.q<{ n: number }>(
      `WITH u AS (
         UPDATE callbacks SET state = $1, reason = $2, target = $3, desired_time = $4, service_start = $5, expiration_time = $6,
           next_attempt_at = $7, attempts = $8, user_data = $9, overrides = $10, updated_at = $11,
           lease_owner = CASE WHEN $1 IN ('ROUTING', 'PROCESSING') THEN COALESCE($13, lease_owner) END,
           lease_expires_at = CASE WHEN $1 IN ('ROUTING', 'PROCESSING') THEN COALESCE($14::bigint, lease_expires_at) END
         WHERE id = $12
           AND ($15::text[] IS NULL OR state = ANY($15::text[]))
           AND (NOT $16::boolean OR (lease_owner IS NOT DISTINCT FROM $17 AND ($18::bigint IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= $18)))
         RETURNING id),
       go AS (SELECT EXISTS (SELECT 1 FROM u) OR NOT $19::boolean AS ok),
       a AS (
         INSERT INTO attempts (${ATTEMPT_KEYS.join(', ')})
         SELECT ${attemptCols} FROM go WHERE go.ok AND $20::boolean
         ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, outcome = excluded.outcome, sip_status = excluded.sip_status,
           amd_decision = excluded.amd_decision, amd_decision_ms = excluded.amd_decision_ms, agent_id = excluded.agent_id,
           answered_at = excluded.answered_at, connected_at = excluded.connected_at, call_id = excluded.call_id, detail = excluded.detail
         RETURNING 1),
       e AS (
         INSERT INTO events (callback_id, service_name, at, type, state, reason, data)
         SELECT $12, $39::text, ev.at, ev.type, $1, ev.reason, ev.data
         FROM go, unnest($35::bigint[], $36::text[], $37::text[], $38::text[]) WITH ORDINALITY AS ev(at, type, reason, data, i)
         WHERE go.ok
         ORDER BY ev.i
         RETURNING 1)
       SELECT (SELECT COUNT(*) FROM u) AS n, (SELECT COUNT(*) FROM a) AS na, (SELECT COUNT(*) FROM e) AS ne`,
      [
        p.state, p.reason, p.target, p.desired_time, p.service_start, p.expiration_time, p.next_attempt_at, p.attempts, p.user_data, p.overrides, p.updated_at, p.id,
        ch.lease?.owner ?? null, ch.lease?.expiresAt ?? null,
        ch.expectStates ?? null,
        lease ? 'true' : 'false', lease?.owner ?? null, lease?.expiredBy ?? null,
        guarded ? 'true' : 'false', a ? 'true' : 'false',
        ...ATTEMPT_KEYS.map((k) => a?.[k] ?? null),
        events.map((e) => e.at), events.map((e) => e.type), events.map((e) => e.reason ?? null), events.map((e) => JSON.stringify(e.data ?? {})),
        p.service_name,
      ],
      'apply_change',
    );
    if (!rows[0]?.n && guarded) return false;
    this.collect(ch.callback, events);
    return true;
  }

  async getCallback(id: string): Promise<CallbackRecord | undefined> {
    const [row] = await this.rows<CallbackRow>(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE id = $1`, [id], 'get_callback');
    return row && toCallback(row);
  }

  async findActiveCallback(serviceName: string, customerNumber: string): Promise<CallbackRecord | undefined> {
    const [row] = await this.rows<CallbackRow>(
      `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE customer_number = $1 AND service_name = $2 AND state <> 'COMPLETED' ORDER BY accepted_at LIMIT 1`,
      [customerNumber, serviceName],
    );
    return row && toCallback(row);
  }

  async searchCallbacks(s: CallbackSearch): Promise<CallbackRecord[]> {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (sql: (n: string) => string, v: Param) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (s.serviceName !== undefined) add((n) => `service_name = ${n}`, s.serviceName);
    if (s.customerNumber !== undefined) add((n) => `customer_number = ${n}`, s.customerNumber);
    if (s.states?.length) add((n) => `state = ANY(${n}::text[])`, `{${s.states.join(',')}}`);
    if (s.from !== undefined) add((n) => `service_start >= ${n}`, s.from);
    if (s.to !== undefined) add((n) => `service_start <= ${n}`, s.to);
    params.push(s.limit, s.offset ?? 0);
    const sql = `SELECT ${CALLBACK_COLUMNS} FROM callbacks ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY service_start, id COLLATE "C" LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.rows<CallbackRow>(sql, params)).map(toCallback);
  }

  async dueCallbacks(now: number, limit: number, direction?: CallDirection): Promise<CallbackRecord[]> {
    // in a transaction (a scheduler's pass): lock what is returned, skip what another pass has locked
    const skipLocked = this.current() ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = direction
      ? await this.rows<CallbackRow>(
          `SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $1 AND direction = $2 ORDER BY next_attempt_at LIMIT $3${skipLocked}`,
          [now, direction, limit],
        )
      : await this.rows<CallbackRow>(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2${skipLocked}`, [now, limit]);
    return rows.map(toCallback);
  }

  async nextDueTime(): Promise<number | null> {
    const [row] = await this.rows<{ t: number | null }>('SELECT MIN(next_attempt_at) AS t FROM callbacks WHERE next_attempt_at IS NOT NULL');
    return row?.t ?? null;
  }

  async callbacksInFlight(): Promise<CallbackRecord[]> {
    return (await this.rows<CallbackRow>(`SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE state IN ('ROUTING', 'PROCESSING')`)).map(toCallback);
  }

  private async buckets(column: 'service_name' | 'target', value: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>> {
    const rows = await this.rows<{ bucket: number; n: number }>(
      `SELECT (desired_time / $1::bigint) * $1::bigint AS bucket, COUNT(*) AS n FROM callbacks
       WHERE ${column} = $2 AND desired_time IS NOT NULL AND desired_time >= $3 AND desired_time < $4
         AND (reason IS NULL OR reason <> 'CANCELLED')
       GROUP BY 1`,
      [bucketMs, value, from, to],
    );
    return new Map(rows.map((r) => [r.bucket, r.n]));
  }

  bucketCounts(serviceName: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>> {
    return this.buckets('service_name', serviceName, bucketMs, from, to);
  }

  bucketCountsByTarget(target: string, bucketMs: number, from: number, to: number): Promise<Map<number, number>> {
    return this.buckets('target', target, bucketMs, from, to);
  }

  async countCallbacksSince(customerNumber: string, since: number): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT COUNT(*) AS n FROM callbacks WHERE customer_number = $1 AND accepted_at >= $2', [customerNumber, since]);
    return row?.n ?? 0;
  }

  async numberStatus(serviceName: string, customerNumber: string, since: number): Promise<{ active: CallbackRecord | undefined; requestsSince: number }> {
    const [row] = await this.rows<Partial<CallbackRow> & { requests_since: number }>(
      `SELECT (SELECT COUNT(*) FROM callbacks WHERE customer_number = $1 AND accepted_at >= $3) AS requests_since, a.*
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT ${CALLBACK_COLUMNS} FROM callbacks WHERE customer_number = $1 AND service_name = $2 AND state <> 'COMPLETED' ORDER BY accepted_at LIMIT 1
       ) AS a ON true`,
      [customerNumber, serviceName, since],
      'number_status',
    );
    return { active: row?.id ? toCallback(row as CallbackRow) : undefined, requestsSince: row?.requests_since ?? 0 };
  }

  async serviceFigures(from: number, to: number): Promise<ServiceFigureRow[]> {
    const callbacks = await this.rows<{ service: string; state: CallbackState; reason: string | null; n: number }>(
      `SELECT service_name AS service, state, CASE WHEN state = 'COMPLETED' THEN reason END AS reason, COUNT(*) AS n FROM callbacks
       WHERE service_start >= $1 AND service_start < $2 GROUP BY 1, 2, 3`,
      [from, to],
    );
    const amd = await this.rows<{ service: string; decision: string; n: number }>(
      `SELECT service_name AS service, data::jsonb ->> 'amd' AS decision, COUNT(*) AS n FROM events
       WHERE type = 'ATTEMPT_ENDED' AND at >= $1 AND at < $2 AND data::jsonb ->> 'amd' IS NOT NULL GROUP BY 1, 2`,
      [from, to],
    );
    return [...callbacks.map((r) => ({ kind: 'callbacks' as const, ...r })), ...amd.map((r) => ({ kind: 'amd' as const, ...r }))];
  }

  // --- attempts and events --------------------------------------------------------------------------

  async attemptsOf(callbackId: string): Promise<AttemptRecord[]> {
    return (await this.rows<AttemptRow>('SELECT * FROM attempts WHERE callback_id = $1 ORDER BY number', [callbackId])).map(toAttempt);
  }

  async countAttempts(callbackId: string): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT COUNT(*) AS n FROM attempts WHERE callback_id = $1', [callbackId], 'count_attempts');
    return row?.n ?? 0;
  }

  async countAttemptsOf(callbackIds: string[]): Promise<Map<string, number>> {
    if (!callbackIds.length) return new Map();
    const rows = await this.rows<{ id: string; n: number }>(
      'SELECT callback_id AS id, COUNT(*) AS n FROM attempts WHERE callback_id = ANY($1::text[]) GROUP BY callback_id',
      [callbackIds],
      'count_attempts_of',
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  async saveAttempt(attempt: AttemptRecord): Promise<void> {
    const p = attemptParams(attempt);
    await this.q(INSERT_ATTEMPT, ATTEMPT_KEYS.map((k) => p[k]), 'save_attempt');
  }

  async openAttemptOf(callbackId: string): Promise<AttemptRecord | undefined> {
    const [row] = await this.rows<AttemptRow>('SELECT * FROM attempts WHERE callback_id = $1 AND ended_at IS NULL ORDER BY number DESC LIMIT 1', [callbackId]);
    return row && toAttempt(row);
  }

  async events(s: EventSearch): Promise<CallbackEvent[]> {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (sql: (n: string) => string, v: Param) => {
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    if (s.callbackId !== undefined) add((n) => `callback_id = ${n}`, s.callbackId);
    if (s.serviceName !== undefined) add((n) => `service_name = ${n}`, s.serviceName);
    if (s.from !== undefined) add((n) => `at >= ${n}`, s.from);
    if (s.to !== undefined) add((n) => `at <= ${n}`, s.to);
    if (s.types?.length) add((n) => `type = ANY(${n}::text[])`, `{${s.types.join(',')}}`);
    params.push(s.limit);
    const rows = await this.rows<EventRow>(
      `SELECT seq, callback_id, at, type, state, reason, data FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      seq: r.seq,
      callbackId: r.callback_id,
      at: r.at,
      type: r.type,
      state: r.state,
      reason: r.reason,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }

  // --- originating interactions ---------------------------------------------------------------------

  recordInteraction(i: InteractionRecord): Promise<void> {
    return this.atomic(() =>
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

  openInteraction(i: { interactionId: string; startedAt: number; ani?: string; dnis?: string; serviceName?: string; attached?: Record<string, string | number> }): Promise<void> {
    return this.atomic(() => this.upsertInteraction(i.interactionId, i.attached ?? {}, { ani: i.ani ?? null, dnis: i.dnis ?? null, service_name: i.serviceName ?? null, started_at: i.startedAt }));
  }

  attachToInteraction(a: InteractionAttachment): Promise<void> {
    return this.atomic(() => this.attach(a));
  }

  updateCallbackInteractions(callbackId: string, attached: Record<string, string | number>): Promise<number> {
    return this.atomic(async () => {
      const rows = await this.rows<InteractionRow>('SELECT * FROM interactions WHERE callback_id = $1 FOR UPDATE', [callbackId]);
      for (const r of rows) {
        await this.q('UPDATE interactions SET attached = $1 WHERE id = $2', [JSON.stringify({ ...(JSON.parse(r.attached) as Record<string, unknown>), ...attached }), r.id]);
      }
      return rows.length;
    });
  }

  private async attach(a: InteractionAttachment): Promise<void> {
    const [existing] = await this.rows<InteractionRow>('SELECT * FROM interactions WHERE id = $1 FOR UPDATE', [a.interactionId]);
    const end = a.endAsCallback;
    await this.upsertInteraction(
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
      existing ?? null,
    );
  }

  /** insert or complete an interaction: the columns given replace, the others stay; attached data merges with what is there */
  private async upsertInteraction(id: string, attached: Record<string, string | number>, cols: Partial<Omit<InteractionRow, 'id' | 'attached'>>, read?: InteractionRow | null): Promise<void> {
    const before = read !== undefined ? read : (await this.rows<InteractionRow>('SELECT * FROM interactions WHERE id = $1 FOR UPDATE', [id]))[0];
    const merged = { ...(before ? (JSON.parse(before.attached) as Record<string, unknown>) : {}), ...attached };
    const c = { call_id: null, ani: null, dnis: null, service_name: null, target: null, started_at: null, ended_at: null, outcome: null, callback_id: null, ...cols };
    // a row inserted meanwhile by another connection (no row to lock when read): its attached data merges too
    await this.q(
      `INSERT INTO interactions (id, call_id, ani, dnis, service_name, target, started_at, ended_at, outcome, attached, callback_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET call_id = COALESCE(excluded.call_id, interactions.call_id), ani = COALESCE(excluded.ani, interactions.ani),
         dnis = COALESCE(excluded.dnis, interactions.dnis), service_name = COALESCE(excluded.service_name, interactions.service_name),
         target = COALESCE(excluded.target, interactions.target), started_at = COALESCE(excluded.started_at, interactions.started_at),
         ended_at = COALESCE(excluded.ended_at, interactions.ended_at), outcome = COALESCE(excluded.outcome, interactions.outcome),
         attached = (interactions.attached::jsonb || excluded.attached::jsonb)::text, callback_id = COALESCE(excluded.callback_id, interactions.callback_id)`,
      [id, c.call_id, c.ani, c.dnis, c.service_name, c.target, c.started_at, c.ended_at, c.outcome, JSON.stringify(merged), c.callback_id],
    );
  }

  async getInteraction(id: string): Promise<StoredInteraction | undefined> {
    const [row] = await this.rows<InteractionRow>('SELECT * FROM interactions WHERE id = $1', [id]);
    return row && toInteraction(row);
  }

  async searchInteractions(s: { from?: number; to?: number; limit: number }): Promise<StoredInteraction[]> {
    const rows = await this.rows<InteractionRow>(
      `SELECT * FROM interactions WHERE ($1::bigint IS NULL OR started_at >= $1) AND ($2::bigint IS NULL OR started_at <= $2)
       ORDER BY started_at LIMIT $3`,
      [s.from ?? null, s.to ?? null, s.limit],
    );
    return rows.map(toInteraction);
  }

  // --- queue history --------------------------------------------------------------------------------

  addQueueSamples(samples: QueueSample[]): Promise<void> {
    if (samples.length === 0) return Promise.resolve();
    return this.atomic(async () => {
      for (const s of samples) {
        await this.q(
          `INSERT INTO queue_samples (at, target, waiting, ewt_sec, agents_ready, agents_busy, staffed) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (target, at) DO UPDATE SET waiting = excluded.waiting, ewt_sec = excluded.ewt_sec, agents_ready = excluded.agents_ready,
             agents_busy = excluded.agents_busy, staffed = excluded.staffed`,
          [s.at, s.target, s.waiting, s.ewtSec, s.agentsReady, s.agentsBusy, s.staffed],
        );
      }
    });
  }

  async queueSamples(search: { target?: string; from: number; to: number; limit: number }): Promise<QueueSample[]> {
    const params: Param[] = [search.from, search.to];
    if (search.target) params.push(search.target);
    params.push(search.limit);
    const rows = await this.rows<{ at: number; target: string; waiting: number; ewt_sec: number; agents_ready: number; agents_busy: number; staffed: number }>(
      `SELECT at, target, waiting, ewt_sec, agents_ready, agents_busy, staffed FROM queue_samples
       WHERE at >= $1 AND at < $2 ${search.target ? 'AND target = $3' : ''} ORDER BY at, target COLLATE "C" LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ at: r.at, target: r.target, waiting: r.waiting, ewtSec: r.ewt_sec, agentsReady: r.agents_ready, agentsBusy: r.agents_busy, staffed: r.staffed }));
  }

  async pruneQueueSamples(before: number): Promise<number> {
    return (await this.q('DELETE FROM queue_samples WHERE at < $1', [before])).rowCount ?? 0;
  }

  // --- API keys -------------------------------------------------------------------------------------

  async insertApiKey(k: StoredApiKey): Promise<void> {
    await this.q(
      `INSERT INTO api_keys (id, name, secret_hash, scopes, allowed_networks, rate_limit_per_minute, created_at, created_by, revoked_at, revoked_by, replaced_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [k.id, k.name, k.secretHash, JSON.stringify(k.scopes), JSON.stringify(k.allowedNetworks), k.rateLimitPerMinute, k.createdAt, k.createdBy, k.revokedAt, k.revokedBy, k.replacedBy],
    );
  }

  async getApiKey(id: string): Promise<StoredApiKey | undefined> {
    const [row] = await this.rows<ApiKeyRow>('SELECT * FROM api_keys WHERE id = $1', [id]);
    return row && toApiKey(row);
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    return (await this.rows<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, id COLLATE "C"')).map(toApiKey);
  }

  async revokeApiKey(id: string, at: number, by: string, replacedBy: string | null): Promise<boolean> {
    const r = await this.q('UPDATE api_keys SET revoked_at = $1, revoked_by = $2, replaced_by = COALESCE($3, replaced_by) WHERE id = $4', [at, by, replacedBy, id]);
    return (r.rowCount ?? 0) > 0;
  }

  // --- customer data --------------------------------------------------------------------------------

  anonymiseBefore(before: number): Promise<{ callbacks: number; interactions: number }> {
    return this.atomic(async () => ({
      callbacks:
        (await this.q(`UPDATE callbacks SET customer_number = '${ERASED}', user_data = '{}' WHERE state = 'COMPLETED' AND updated_at < $1 AND customer_number <> '${ERASED}'`, [before]))
          .rowCount ?? 0,
      interactions: (await this.q('UPDATE interactions SET ani = NULL WHERE started_at < $1 AND ani IS NOT NULL', [before])).rowCount ?? 0,
    }));
  }

  purgeBefore(before: number): Promise<{ callbacks: number; interactions: number }> {
    return this.atomic(async () => {
      const old = "SELECT id FROM callbacks WHERE state = 'COMPLETED' AND updated_at < $1";
      await this.q(`DELETE FROM events WHERE callback_id IN (${old})`, [before]);
      await this.q(`DELETE FROM attempts WHERE callback_id IN (${old})`, [before]);
      const callbacks = (await this.q(`DELETE FROM callbacks WHERE id IN (${old})`, [before])).rowCount ?? 0;
      const interactions =
        (await this.q("DELETE FROM interactions WHERE started_at < $1 AND (callback_id IS NULL OR callback_id NOT IN (SELECT id FROM callbacks WHERE state <> 'COMPLETED'))", [before])).rowCount ?? 0;
      return { callbacks, interactions };
    });
  }

  eraseCustomerNumber(e164: string): Promise<{ callbacks: number; interactions: number; active: number }> {
    return this.atomic(async () => {
      // the number's rows locked first: a callback for it cannot turn active meanwhile
      const rows = await this.rows<{ state: string }>('SELECT state FROM callbacks WHERE customer_number = $1 FOR UPDATE', [e164]);
      const active = rows.filter((r) => r.state !== 'COMPLETED').length;
      if (active) return { callbacks: 0, interactions: 0, active };
      const callbacks = (await this.q(`UPDATE callbacks SET customer_number = '${ERASED}', user_data = '{}' WHERE customer_number = $1`, [e164])).rowCount ?? 0;
      // the network may have sent the caller's number with or without its +
      const interactions = (await this.q('UPDATE interactions SET ani = NULL WHERE ani IN ($1, $2)', [e164, e164.replace(/^\+/, '')])).rowCount ?? 0;
      return { callbacks, interactions, active: 0 };
    });
  }

  // --- audit log ------------------------------------------------------------------------------------

  async appendAudit(e: Omit<StoredAuditEntry, 'seq'>): Promise<void> {
    await this.q('INSERT INTO audit_log (at, actor, source, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)', [e.at, e.actor, e.source, e.action, e.subject, e.detail]);
  }

  async auditEntries(q: AuditSearch): Promise<StoredAuditEntry[]> {
    const where: string[] = [];
    const params: Param[] = [];
    const add = (sql: (n: string) => string, v: Param | undefined) => {
      if (v === undefined) return;
      params.push(v);
      where.push(sql(`$${params.length}`));
    };
    add((n) => `at >= ${n}`, q.from);
    add((n) => `at <= ${n}`, q.to);
    add((n) => `actor = ${n}`, q.actor);
    add((n) => `action = ${n}`, q.action);
    add((n) => `seq < ${n}`, q.beforeSeq);
    if (q.subject?.endsWith(':')) add((n) => `starts_with(subject, ${n})`, q.subject);
    else add((n) => `subject = ${n}`, q.subject);
    params.push(q.limit);
    return this.rows<StoredAuditEntry & pg.QueryResultRow>(
      `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
  }

  // --- the agent's wrap-up and the customer's history ----------------------------------------------

  async setAttemptDisposition(attemptId: string, d: Disposition): Promise<boolean> {
    const r = await this.q('UPDATE attempts SET disposition = $1, disposition_note = $2, disposition_at = $3 WHERE id = $4', [d.code, d.note, d.at, attemptId]);
    return r.rowCount === 1;
  }

  async setInteractionDisposition(interactionId: string, agentId: string, d: Disposition): Promise<void> {
    // the IVR records its call when the call ends, which may be just after the agent's wrap-up: the row may come later
    await this.q(
      `INSERT INTO interactions (id, attached, agent_id, disposition, disposition_note, disposition_at) VALUES ($1, '{}', $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET agent_id = excluded.agent_id, disposition = excluded.disposition, disposition_note = excluded.disposition_note, disposition_at = excluded.disposition_at`,
      [interactionId, agentId, d.code, d.note, d.at],
    );
  }

  async searchAttempts(s: { serviceName?: string; from?: number; to?: number; limit: number }): Promise<AttemptReportRow[]> {
    const rows = await this.rows<AttemptRow & { service_name: string; customer_number: string }>(
      `SELECT a.*, c.service_name AS service_name, c.customer_number AS customer_number FROM attempts a JOIN callbacks c ON c.id = a.callback_id
       WHERE ($1::text IS NULL OR c.service_name = $1) AND ($2::bigint IS NULL OR a.started_at >= $2) AND ($3::bigint IS NULL OR a.started_at <= $3)
       ORDER BY a.started_at LIMIT $4`,
      [s.serviceName ?? null, s.from ?? null, s.to ?? null, s.limit],
    );
    return rows.map((r) => ({ ...toAttempt(r), serviceName: r.service_name, customerNumber: r.customer_number }));
  }

  async interactionsOfCallers(anis: string[], limit: number): Promise<StoredInteraction[]> {
    if (!anis.length) return [];
    // SQLite's order: a row not yet started (NULL, a wrap-up written before the IVR's record) sorts last when newest first
    const rows = await this.rows<InteractionRow>(`SELECT * FROM interactions WHERE ani IN (${placeholders(anis.length)}) ORDER BY started_at DESC NULLS LAST LIMIT $${anis.length + 1}`, [
      ...anis,
      limit,
    ]);
    return rows.map(toInteraction);
  }

  // --- per-callback leases -------------------------------------------------------------------------

  async renewLeases(owner: string, callbackIds: string[], expiresAt: number): Promise<string[]> {
    if (!callbackIds.length) return [];
    const rows = await this.rows<{ id: string }>(
      `UPDATE callbacks SET lease_expires_at = $1 WHERE id = ANY($2::text[]) AND lease_owner = $3 AND state IN ('ROUTING', 'PROCESSING') RETURNING id`,
      [expiresAt, callbackIds, owner],
      'renew_leases',
    );
    return rows.map((r) => r.id);
  }

  async abandonedInFlight(now: number, limit: number, holderIsDead?: (owner: string) => boolean): Promise<InFlightCallback[]> {
    const rows = await this.rows<CallbackRow & { lease_owner: string | null; lease_expires_at: number | null }>(
      `SELECT ${CALLBACK_COLUMNS}, lease_owner, lease_expires_at FROM callbacks WHERE state IN ('ROUTING', 'PROCESSING') ORDER BY updated_at`,
    );
    const out: InFlightCallback[] = [];
    for (const row of rows) {
      if (out.length >= limit) break;
      const { lease_owner: owner, lease_expires_at: expires } = row;
      if (owner === null || expires === null || expires <= now || holderIsDead?.(owner)) out.push({ callback: toCallback(row), leaseOwner: owner, leaseExpiresAt: expires });
    }
    return out;
  }

  // --- agent page sessions -------------------------------------------------------------------------

  async insertAgentSession(session: { tokenHash: string; agentId: string; expiresAt: number }, now: number): Promise<void> {
    await this.q(
      `WITH gone AS (DELETE FROM agent_sessions WHERE agent_id = $2 AND expires_at <= $4)
       INSERT INTO agent_sessions (token_hash, agent_id, expires_at) VALUES ($1, $2, $3)`,
      [session.tokenHash, session.agentId, session.expiresAt, now],
    );
  }

  async agentOfSession(tokenHash: string, now: number): Promise<string | undefined> {
    const [row] = await this.rows<{ agent_id: string; expires_at: number }>('SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = $1', [tokenHash], 'agent_session');
    if (!row) return undefined;
    if (row.expires_at > now) return row.agent_id;
    await this.deleteAgentSession(tokenHash);
    return undefined;
  }

  async deleteAgentSession(tokenHash: string): Promise<void> {
    await this.q('DELETE FROM agent_sessions WHERE token_hash = $1', [tokenHash]);
  }

  async deleteAgentSessions(agentId: string, now: number): Promise<number> {
    const rows = await this.rows<{ expires_at: number }>('DELETE FROM agent_sessions WHERE agent_id = $1 RETURNING expires_at', [agentId]);
    return rows.filter((r) => r.expires_at > now).length;
  }

  // --- the queue's state and pending approvals (postgres-queue-state.ts) --------------------------

  private readonly queueState = postgresQueueState((sql, params) => this.rows(sql, params as Param[]));

  saveQueueState(change: QueueStateChange): Promise<void> {
    return this.transaction(async () => {
      await this.queueState.save(change);
      // delivered to the listeners when the transaction commits
      await this.q('SELECT pg_notify($1, $2)', [this.listen.channel, noticeOf(change)]);
    });
  }

  private watcher: { client: pg.Client; listeners: Set<(n: QueueStateNotice) => void> } | undefined;

  async watchQueueState(listener: (n: QueueStateNotice) => void): Promise<() => Promise<void>> {
    if (!this.watcher) {
      const client = new pg.Client({ connectionString: this.listen.connectionString });
      const listeners = new Set<(n: QueueStateNotice) => void>();
      this.watcher = { client, listeners };
      client.on('notification', (m) => {
        if (m.channel !== this.listen.channel || !m.payload) return;
        let notice: QueueStateNotice;
        try {
          notice = JSON.parse(m.payload) as QueueStateNotice;
        } catch {
          return;
        }
        for (const l of listeners) l(notice);
      });
      // a lost connection is reported by the store's health through the pool; the listener stops hearing
      client.on('error', () => undefined);
      await client.connect();
      await client.query(`LISTEN ${this.listen.channel}`);
    }
    const w = this.watcher;
    w.listeners.add(listener);
    return async () => {
      w.listeners.delete(listener);
    };
  }

  loadQueueState(): Promise<QueueStateSnapshot> {
    return this.transaction(() => this.queueState.load());
  }

  claimAgent(claim: AgentClaim, now: number, order?: ClaimOrder): Promise<ClaimResult> {
    return this.transaction(() => this.queueState.claimAgent(claim, now, order));
  }

  renewQueueLease(owner: string, expiresAt: number): Promise<string[]> {
    return this.transaction(() => this.queueState.renewQueueLease(owner, expiresAt));
  }

  agentClaims(now: number): Promise<AgentClaim[]> {
    return this.queueState.agentClaims(now);
  }

  liveQueueInstances(now: number): Promise<string[]> {
    return this.queueState.liveQueueInstances(now);
  }

  putPendingApproval(approval: StoredApproval): Promise<void> {
    return this.queueState.putApproval(approval);
  }

  deletePendingApproval(callbackId: string, kind: StoredApprovalKind): Promise<void> {
    return this.queueState.deleteApproval(callbackId, kind);
  }

  pendingApprovals(): Promise<StoredApproval[]> {
    return this.queueState.approvals();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watcher) await this.watcher.client.end().catch(() => undefined);
    await this.pool.end();
  }
  private closed = false;
}

/** the notice of a saved change: whose, and which agents (all of them when the list would not fit a NOTIFY) */
function noticeOf(c: QueueStateChange): string {
  const agents = [...new Set([...c.putAgents.map((a) => a.agentId), ...c.putRegistrations.map((r) => r.agentId), ...c.removeRegistrations])];
  const notice: QueueStateNotice = { owner: c.owner ?? c.putAgents[0]?.owner ?? '', agents };
  const payload = JSON.stringify(notice);
  return payload.length < 7000 ? payload : JSON.stringify({ owner: notice.owner, agents: null } satisfies QueueStateNotice);
}

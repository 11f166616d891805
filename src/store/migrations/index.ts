/**
 * Schema migrations for the SQLite store, applied in order; `PRAGMA user_version` records how many ran.
 * Never edit a released migration: append a new one.
 */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE services (
    name TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    options TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    service_name TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    request_reason TEXT,
    direction TEXT NOT NULL,
    target TEXT NOT NULL,
    desired_time INTEGER,
    accepted_at INTEGER NOT NULL,
    service_start INTEGER NOT NULL,
    expiration_time INTEGER NOT NULL,
    next_attempt_at INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    originating_interaction_id TEXT,
    client_id TEXT NOT NULL,
    user_data TEXT NOT NULL,
    overrides TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX callbacks_due ON callbacks (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  CREATE INDEX callbacks_in_flight ON callbacks (state) WHERE state IN ('ROUTING', 'PROCESSING');
  CREATE INDEX callbacks_bucket ON callbacks (service_name, desired_time) WHERE desired_time IS NOT NULL;
  CREATE INDEX callbacks_number_time ON callbacks (customer_number, accepted_at);
  CREATE INDEX callbacks_start ON callbacks (service_start);

  CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    callback_id TEXT NOT NULL REFERENCES callbacks (id),
    number INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    outcome TEXT,
    sip_status INTEGER,
    amd_decision TEXT,
    amd_decision_ms INTEGER,
    agent_id TEXT,
    answered_at INTEGER,
    connected_at INTEGER,
    call_id TEXT,
    detail TEXT
  );
  CREATE INDEX attempts_callback ON attempts (callback_id, number);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    callback_id TEXT NOT NULL,
    service_name TEXT NOT NULL,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    data TEXT NOT NULL
  );
  CREATE INDEX events_callback ON events (callback_id, seq);
  CREATE INDEX events_at ON events (at);

  CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    call_id TEXT,
    ani TEXT,
    dnis TEXT,
    service_name TEXT,
    target TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    outcome TEXT,
    attached TEXT NOT NULL
  );
  CREATE INDEX interactions_started ON interactions (started_at);
  `,
  `
  CREATE TABLE scheduler_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE queue_samples (
    at INTEGER NOT NULL,
    target TEXT NOT NULL,
    waiting INTEGER NOT NULL,
    ewt_sec REAL NOT NULL,
    agents_ready INTEGER NOT NULL,
    agents_busy INTEGER NOT NULL,
    staffed INTEGER NOT NULL,
    PRIMARY KEY (target, at)
  ) WITHOUT ROWID;
  CREATE INDEX queue_samples_at ON queue_samples (at);
  `,
  // v4: scheduled callbacks per target and time slot (capacity from the target's staffing)
  `
  CREATE INDEX callbacks_target_bucket ON callbacks (target, desired_time) WHERE desired_time IS NOT NULL;
  `,
  // v5: the callback an originating interaction is linked to (its _CB_* keys follow the callback: reuse, reschedule)
  `
  ALTER TABLE interactions ADD COLUMN callback_id TEXT;
  UPDATE interactions SET callback_id = json_extract(attached, '$._CB_SERVICE_ID') WHERE json_extract(attached, '$._CB_SERVICE_ID') IS NOT NULL;
  CREATE INDEX interactions_callback ON interactions (callback_id) WHERE callback_id IS NOT NULL;
  `,
  // v6: API keys as data (hashed secrets, scopes, networks, own rate limit; revoked_at may lie ahead after a rotation)
  `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    allowed_networks TEXT NOT NULL,
    rate_limit_per_minute INTEGER,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at INTEGER,
    revoked_by TEXT,
    replaced_by TEXT
  );
  `,
  // v7: the audit log (admin and supervisor actions: who, when, from where, what changed)
  `
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
  );
  CREATE INDEX audit_log_at ON audit_log (at);
  CREATE INDEX audit_log_subject ON audit_log (subject, seq);
  `,
  // v8: the agent's wrap-up of a call (disposition code and note), on the attempt or on the IVR caller's interaction;
  // interactions by the caller's number for the agent's customer history
  `
  ALTER TABLE attempts ADD COLUMN disposition TEXT;
  ALTER TABLE attempts ADD COLUMN disposition_note TEXT;
  ALTER TABLE attempts ADD COLUMN disposition_at INTEGER;
  ALTER TABLE interactions ADD COLUMN agent_id TEXT;
  ALTER TABLE interactions ADD COLUMN disposition TEXT;
  ALTER TABLE interactions ADD COLUMN disposition_note TEXT;
  ALTER TABLE interactions ADD COLUMN disposition_at INTEGER;
  CREATE INDEX attempts_started ON attempts (started_at);
  CREATE INDEX interactions_ani ON interactions (ani, started_at) WHERE ani IS NOT NULL;
  `,
  // v9: per-callback leases (several instances dispatch from one database): the instance dialing a callback holds
  // it until lease_expires_at, renewing while the call runs; the database-wide scheduler lease goes
  `
  ALTER TABLE callbacks ADD COLUMN lease_owner TEXT;
  ALTER TABLE callbacks ADD COLUMN lease_expires_at INTEGER;
  DROP TABLE scheduler_lease;
  `,
  // v10: agent page sessions in the store (any instance knows them; a restart keeps them): the SHA-256 of each token
  `
  CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);
  `,
  // v11: the queue's state, so that a restart finds it again (src/ports/queue-state.ts): the contacts in each
  // target's line, each agent's state with its reservation, softphone registrations, and the agent previews and
  // customer confirmations waiting for their answer (with their deadlines)
  `
  CREATE TABLE queue_entries (
    contact_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    enqueued_at INTEGER NOT NULL,
    priority REAL,
    owner TEXT NOT NULL
  );
  CREATE TABLE agent_states (
    agent_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reservation_id TEXT,
    detail TEXT NOT NULL,
    owner TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE agent_registrations (
    agent_id TEXT PRIMARY KEY,
    contact_uri TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE pending_approvals (
    callback_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    pending TEXT NOT NULL,
    PRIMARY KEY (callback_id, kind)
  );
  `,
  // v12: one queue across instances (docs/queue.md): an instance claims an agent here before it rings it
  // (agent_claims, one row per agent, until the reservation ends or the claim expires), entries say whether a flow
  // waits for an agent for them now (connecting), and each instance's lease (queue_instances) says whose entries count
  `
  ALTER TABLE queue_entries ADD COLUMN connecting INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX queue_entries_connecting ON queue_entries (target, enqueued_at) WHERE connecting = 1;
  CREATE TABLE agent_claims (
    agent_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX agent_claims_owner ON agent_claims (owner);
  CREATE INDEX agent_claims_reservation ON agent_claims (reservation_id);
  CREATE TABLE queue_instances (
    owner TEXT PRIMARY KEY,
    alive_until INTEGER NOT NULL
  );
  `,
];

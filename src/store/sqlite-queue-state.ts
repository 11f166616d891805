import type Database from 'better-sqlite3';
import type { AgentClaim, ClaimOrder, ClaimResult, QueueStateChange, QueueStateSnapshot, StoredAgentState, StoredApproval, StoredApprovalKind, StoredQueueEntry } from '../ports/queue-state';

interface AgentRow {
  agent_id: string;
  state: StoredAgentState['state'];
  detail: string;
  owner: string;
  updated_at: number;
}

/** The queue's state and pending approvals in SQLite (QueueStateStore's statements; the engine runs them in its transactions). */
export class SqliteQueueState {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      putEntry: db.prepare(
        `INSERT INTO queue_entries (contact_id, kind, target, enqueued_at, priority, owner, connecting) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET kind = excluded.kind, target = excluded.target, enqueued_at = excluded.enqueued_at,
           priority = excluded.priority, owner = excluded.owner, connecting = excluded.connecting`,
      ),
      removeEntry: db.prepare('DELETE FROM queue_entries WHERE contact_id = ?'),
      putAgent: db.prepare(
        `INSERT INTO agent_states (agent_id, state, reservation_id, detail, owner, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state, reservation_id = excluded.reservation_id, detail = excluded.detail,
           owner = excluded.owner, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= agent_states.updated_at`,
      ),
      putRegistration: db.prepare(
        `INSERT INTO agent_registrations (agent_id, contact_uri, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET contact_uri = excluded.contact_uri, expires_at = excluded.expires_at`,
      ),
      removeRegistration: db.prepare('DELETE FROM agent_registrations WHERE agent_id = ?'),
      putApproval: db.prepare(
        `INSERT INTO pending_approvals (callback_id, kind, agent_id, expires_at, pending) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (callback_id, kind) DO UPDATE SET agent_id = excluded.agent_id, expires_at = excluded.expires_at, pending = excluded.pending`,
      ),
      deleteApproval: db.prepare('DELETE FROM pending_approvals WHERE callback_id = ? AND kind = ?'),
      releaseClaim: db.prepare('DELETE FROM agent_claims WHERE reservation_id = ?'),
      // a connecting entry of another live instance ahead of the claimant's contact (see ClaimOrder); the
      // effective priority computed alike for both sides (ContactQueue.effectivePriority)
      ahead: db.prepare(
        `SELECT e.contact_id FROM queue_entries e JOIN queue_instances i ON i.owner = e.owner AND i.alive_until > @now,
           (SELECT @base + @ageing * MAX(0, @now - @at) / 60000.0 AS p) me
         WHERE e.target = @target AND e.connecting = 1 AND e.owner <> @owner AND e.contact_id <> @id
           AND ((COALESCE(e.priority, CASE WHEN e.kind = 'caller' THEN @pc ELSE @pb END) + @ageing * MAX(0, @now - e.enqueued_at) / 60000.0) > me.p
             OR ((COALESCE(e.priority, CASE WHEN e.kind = 'caller' THEN @pc ELSE @pb END) + @ageing * MAX(0, @now - e.enqueued_at) / 60000.0) = me.p
               AND (e.enqueued_at < @at OR (e.enqueued_at = @at AND e.contact_id < @id))))
         LIMIT 1`,
      ),
      claim: db.prepare(
        `INSERT INTO agent_claims (agent_id, owner, reservation_id, contact_id, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (agent_id) DO UPDATE SET owner = excluded.owner, reservation_id = excluded.reservation_id, contact_id = excluded.contact_id,
           expires_at = excluded.expires_at
         WHERE agent_claims.expires_at <= ?`,
      ),
      alive: db.prepare('INSERT INTO queue_instances (owner, alive_until) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET alive_until = excluded.alive_until'),
      renewClaims: db.prepare('UPDATE agent_claims SET expires_at = ? WHERE owner = ? RETURNING reservation_id'),
      claims: db.prepare('SELECT * FROM agent_claims WHERE expires_at > ? ORDER BY agent_id'),
      live: db.prepare('SELECT owner FROM queue_instances WHERE alive_until > ? ORDER BY owner'),
    };
  }

  /** run inside the engine's transaction */
  save(c: QueueStateChange): void {
    for (const e of c.putEntries) this.stmt.putEntry.run(e.contactId, e.kind, e.target, e.enqueuedAt, e.priority, e.owner, e.connecting ? 1 : 0);
    for (const id of c.removeEntries) this.stmt.removeEntry.run(id);
    for (const a of c.putAgents) this.stmt.putAgent.run(a.agentId, a.state, a.detail.reservation?.id ?? null, JSON.stringify(a.detail), a.owner, a.updatedAt);
    for (const r of c.putRegistrations) this.stmt.putRegistration.run(r.agentId, r.contactUri, r.expiresAt);
    for (const id of c.removeRegistrations) this.stmt.removeRegistration.run(id);
    for (const id of c.releaseClaims ?? []) this.stmt.releaseClaim.run(id);
  }

  /** run inside the engine's transaction */
  claimAgent(c: AgentClaim, now: number, order?: ClaimOrder): ClaimResult {
    if (order) {
      const ahead = this.stmt.ahead.get({
        now,
        base: order.priority ?? order.priorities[order.kind],
        ageing: order.ageingPerMinute,
        at: order.enqueuedAt,
        target: order.target,
        owner: c.owner,
        id: c.contactId,
        pc: order.priorities.caller,
        pb: order.priorities.callback,
      });
      if (ahead) return 'behind';
    }
    return this.stmt.claim.run(c.agentId, c.owner, c.reservationId, c.contactId, c.expiresAt, now).changes > 0 ? 'claimed' : 'held';
  }

  /** run inside the engine's transaction */
  renewQueueLease(owner: string, expiresAt: number): string[] {
    this.stmt.alive.run(owner, expiresAt);
    return (this.stmt.renewClaims.all(expiresAt, owner) as { reservation_id: string }[]).map((r) => r.reservation_id);
  }

  liveQueueInstances(now: number): string[] {
    return (this.stmt.live.all(now) as { owner: string }[]).map((r) => r.owner);
  }

  agentClaims(now: number): AgentClaim[] {
    return (this.stmt.claims.all(now) as { agent_id: string; owner: string; reservation_id: string; contact_id: string; expires_at: number }[]).map((r) => ({
      agentId: r.agent_id,
      owner: r.owner,
      reservationId: r.reservation_id,
      contactId: r.contact_id,
      expiresAt: r.expires_at,
    }));
  }

  load(): QueueStateSnapshot {
    const entries = (this.db.prepare('SELECT * FROM queue_entries ORDER BY enqueued_at, contact_id').all() as {
      contact_id: string;
      kind: StoredQueueEntry['kind'];
      target: string;
      enqueued_at: number;
      priority: number | null;
      owner: string;
      connecting: number;
    }[]).map((r) => ({ contactId: r.contact_id, kind: r.kind, target: r.target, enqueuedAt: r.enqueued_at, priority: r.priority, owner: r.owner, ...(r.connecting ? { connecting: true } : {}) }));
    const agents = (this.db.prepare('SELECT * FROM agent_states ORDER BY agent_id').all() as AgentRow[]).map((r) => ({
      agentId: r.agent_id,
      state: r.state,
      detail: JSON.parse(r.detail) as StoredAgentState['detail'],
      owner: r.owner,
      updatedAt: r.updated_at,
    }));
    const registrations = (this.db.prepare('SELECT * FROM agent_registrations ORDER BY agent_id').all() as { agent_id: string; contact_uri: string; expires_at: number }[]).map((r) => ({
      agentId: r.agent_id,
      contactUri: r.contact_uri,
      expiresAt: r.expires_at,
    }));
    return { entries, agents, registrations };
  }

  putApproval(a: StoredApproval): void {
    this.stmt.putApproval.run(a.callbackId, a.kind, a.agentId, a.expiresAt, JSON.stringify(a.pending));
  }

  deleteApproval(callbackId: string, kind: StoredApprovalKind): void {
    this.stmt.deleteApproval.run(callbackId, kind);
  }

  approvals(): StoredApproval[] {
    return (this.db.prepare('SELECT * FROM pending_approvals ORDER BY expires_at, callback_id').all() as { callback_id: string; kind: StoredApprovalKind; agent_id: string; expires_at: number; pending: string }[]).map((r) => ({
      callbackId: r.callback_id,
      kind: r.kind,
      agentId: r.agent_id,
      expiresAt: r.expires_at,
      pending: JSON.parse(r.pending) as Record<string, unknown>,
    }));
  }
}

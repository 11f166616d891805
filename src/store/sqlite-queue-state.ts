import type Database from 'better-sqlite3';
import type { QueueStateChange, QueueStateSnapshot, StoredAgentState, StoredApproval, StoredApprovalKind, StoredQueueEntry } from '../ports/queue-state';

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
        `INSERT INTO queue_entries (contact_id, kind, target, enqueued_at, priority, owner) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (contact_id) DO UPDATE SET kind = excluded.kind, target = excluded.target, enqueued_at = excluded.enqueued_at,
           priority = excluded.priority, owner = excluded.owner`,
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
    };
  }

  /** run inside the engine's transaction */
  save(c: QueueStateChange): void {
    for (const e of c.putEntries) this.stmt.putEntry.run(e.contactId, e.kind, e.target, e.enqueuedAt, e.priority, e.owner);
    for (const id of c.removeEntries) this.stmt.removeEntry.run(id);
    for (const a of c.putAgents) this.stmt.putAgent.run(a.agentId, a.state, a.detail.reservation?.id ?? null, JSON.stringify(a.detail), a.owner, a.updatedAt);
    for (const r of c.putRegistrations) this.stmt.putRegistration.run(r.agentId, r.contactUri, r.expiresAt);
    for (const id of c.removeRegistrations) this.stmt.removeRegistration.run(id);
  }

  load(): QueueStateSnapshot {
    const entries = (this.db.prepare('SELECT * FROM queue_entries ORDER BY enqueued_at, contact_id').all() as {
      contact_id: string;
      kind: StoredQueueEntry['kind'];
      target: string;
      enqueued_at: number;
      priority: number | null;
      owner: string;
    }[]).map((r) => ({ contactId: r.contact_id, kind: r.kind, target: r.target, enqueuedAt: r.enqueued_at, priority: r.priority, owner: r.owner }));
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

import type { AgentClaim, ClaimOrder, ClaimResult, QueueStateChange, QueueStateSnapshot, StoredAgentState, StoredApproval, StoredApprovalKind, StoredQueueEntry } from '../ports/queue-state';

type Param = string | number | boolean | null | string[] | number[];
/** one statement on the store's connection (the transaction's when inside one) */
export type Query = <R extends Record<string, unknown>>(sql: string, params?: Param[]) => Promise<R[]>;

/**
 * The queue's state and pending approvals in PostgreSQL (QueueStateStore's statements; the store runs `save` in
 * one transaction). A change's rows go in one statement per table (unnest), whatever their number.
 */
export const postgresQueueState = (q: Query) => ({
  async save(c: QueueStateChange): Promise<void> {
    if (c.putEntries.length) {
      const e = c.putEntries;
      await q(
        `INSERT INTO queue_entries (contact_id, kind, target, enqueued_at, priority, owner, connecting)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[], $6::text[], $7::boolean[])
         ON CONFLICT (contact_id) DO UPDATE SET kind = excluded.kind, target = excluded.target, enqueued_at = excluded.enqueued_at,
           priority = excluded.priority, owner = excluded.owner, connecting = excluded.connecting`,
        [e.map((x) => x.contactId), e.map((x) => x.kind), e.map((x) => x.target), e.map((x) => x.enqueuedAt), e.map((x) => x.priority) as number[], e.map((x) => x.owner), e.map((x) => x.connecting === true) as unknown as number[]],
      );
    }
    if (c.removeEntries.length) await q('DELETE FROM queue_entries WHERE contact_id = ANY($1::text[])', [c.removeEntries]);
    if (c.putAgents.length) {
      const a = c.putAgents;
      await q(
        `INSERT INTO agent_states (agent_id, state, reservation_id, detail, owner, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::bigint[])
         ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state, reservation_id = excluded.reservation_id, detail = excluded.detail,
           owner = excluded.owner, updated_at = excluded.updated_at
         WHERE excluded.updated_at >= agent_states.updated_at`,
        [a.map((x) => x.agentId), a.map((x) => x.state), a.map((x) => x.detail.reservation?.id ?? null) as string[], a.map((x) => JSON.stringify(x.detail)), a.map((x) => x.owner), a.map((x) => x.updatedAt)],
      );
    }
    if (c.putRegistrations.length) {
      const r = c.putRegistrations;
      await q(
        `INSERT INTO agent_registrations (agent_id, contact_uri, expires_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (agent_id) DO UPDATE SET contact_uri = excluded.contact_uri, expires_at = excluded.expires_at`,
        [r.map((x) => x.agentId), r.map((x) => x.contactUri), r.map((x) => x.expiresAt)],
      );
    }
    if (c.removeRegistrations.length) await q('DELETE FROM agent_registrations WHERE agent_id = ANY($1::text[])', [c.removeRegistrations]);
    if (c.releaseClaims?.length) await q('DELETE FROM agent_claims WHERE reservation_id = ANY($1::text[])', [c.releaseClaims]);
  },

  /** run inside one transaction (the store's) */
  async claimAgent(c: AgentClaim, now: number, order?: ClaimOrder): Promise<ClaimResult> {
    if (order) {
      // the effective priority of a line entry at `now` (ContactQueue.effectivePriority), computed alike for both sides
      const ahead = await q(
        `WITH me AS (SELECT $5::float8 + $7::float8 * GREATEST(0, $3::bigint - $6::bigint) / 60000.0::float8 AS p)
         SELECT e.contact_id FROM queue_entries e JOIN queue_instances i ON i.owner = e.owner AND i.alive_until > $3::bigint
           CROSS JOIN me
           CROSS JOIN LATERAL (SELECT COALESCE(e.priority, CASE WHEN e.kind = 'caller' THEN $8::float8 ELSE $9::float8 END)
             + $7::float8 * GREATEST(0, $3::bigint - e.enqueued_at) / 60000.0::float8 AS p) x
         WHERE e.target = $1 AND e.connecting AND e.owner <> $2 AND e.contact_id <> $4
           AND (x.p > me.p OR (x.p = me.p AND (e.enqueued_at < $6::bigint OR (e.enqueued_at = $6::bigint AND e.contact_id COLLATE "C" < $4))))
         LIMIT 1`,
        [order.target, c.owner, now, c.contactId, order.priority ?? order.priorities[order.kind], order.enqueuedAt, order.ageingPerMinute, order.priorities.caller, order.priorities.callback],
      );
      if (ahead.length) return 'behind';
    }
    const taken = await q(
      `INSERT INTO agent_claims (agent_id, owner, reservation_id, contact_id, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (agent_id) DO UPDATE SET owner = excluded.owner, reservation_id = excluded.reservation_id, contact_id = excluded.contact_id,
         expires_at = excluded.expires_at
       WHERE agent_claims.expires_at <= $6
       RETURNING agent_id`,
      [c.agentId, c.owner, c.reservationId, c.contactId, c.expiresAt, now],
    );
    return taken.length ? 'claimed' : 'held';
  },

  async renewQueueLease(owner: string, expiresAt: number): Promise<string[]> {
    await q('INSERT INTO queue_instances (owner, alive_until) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET alive_until = excluded.alive_until', [owner, expiresAt]);
    return (await q<{ reservation_id: string }>('UPDATE agent_claims SET expires_at = $2 WHERE owner = $1 RETURNING reservation_id', [owner, expiresAt])).map((r) => r.reservation_id);
  },

  async liveQueueInstances(now: number): Promise<string[]> {
    return (await q<{ owner: string }>('SELECT owner FROM queue_instances WHERE alive_until > $1 ORDER BY owner', [now])).map((r) => r.owner);
  },

  async agentClaims(now: number): Promise<AgentClaim[]> {
    return (
      await q<{ agent_id: string; owner: string; reservation_id: string; contact_id: string; expires_at: number }>('SELECT * FROM agent_claims WHERE expires_at > $1 ORDER BY agent_id', [now])
    ).map((r) => ({ agentId: r.agent_id, owner: r.owner, reservationId: r.reservation_id, contactId: r.contact_id, expiresAt: r.expires_at }));
  },

  async load(): Promise<QueueStateSnapshot> {
    const entries = (
      await q<{ contact_id: string; kind: StoredQueueEntry['kind']; target: string; enqueued_at: number; priority: number | null; owner: string; connecting: boolean }>(
        'SELECT * FROM queue_entries ORDER BY enqueued_at, contact_id',
      )
    ).map((r) => ({ contactId: r.contact_id, kind: r.kind, target: r.target, enqueuedAt: r.enqueued_at, priority: r.priority, owner: r.owner, ...(r.connecting ? { connecting: true } : {}) }));
    const agents = (
      await q<{ agent_id: string; state: StoredAgentState['state']; detail: StoredAgentState['detail']; owner: string; updated_at: number }>('SELECT * FROM agent_states ORDER BY agent_id')
    ).map((r) => ({ agentId: r.agent_id, state: r.state, detail: r.detail, owner: r.owner, updatedAt: r.updated_at }));
    const registrations = (await q<{ agent_id: string; contact_uri: string; expires_at: number }>('SELECT * FROM agent_registrations ORDER BY agent_id')).map((r) => ({
      agentId: r.agent_id,
      contactUri: r.contact_uri,
      expiresAt: r.expires_at,
    }));
    return { entries, agents, registrations };
  },

  async putApproval(a: StoredApproval): Promise<void> {
    await q(
      `INSERT INTO pending_approvals (callback_id, kind, agent_id, expires_at, pending) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (callback_id, kind) DO UPDATE SET agent_id = excluded.agent_id, expires_at = excluded.expires_at, pending = excluded.pending`,
      [a.callbackId, a.kind, a.agentId, a.expiresAt, JSON.stringify(a.pending)],
    );
  },

  async deleteApproval(callbackId: string, kind: StoredApprovalKind): Promise<void> {
    await q('DELETE FROM pending_approvals WHERE callback_id = $1 AND kind = $2', [callbackId, kind]);
  },

  async approvals(): Promise<StoredApproval[]> {
    return (
      await q<{ callback_id: string; kind: StoredApprovalKind; agent_id: string; expires_at: number; pending: Record<string, unknown> }>(
        'SELECT * FROM pending_approvals ORDER BY expires_at, callback_id',
      )
    ).map((r) => ({ callbackId: r.callback_id, kind: r.kind, agentId: r.agent_id, expiresAt: r.expires_at, pending: r.pending }));
  },
});

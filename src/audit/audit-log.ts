import type { Clock } from '../time';
import type { AuditSearch, StoredAuditEntry, Store } from '../store/store';

/** what an admin or a supervisor did (the REST API, the pages) */
export type AuditAction =
  | 'service.created'
  | 'service.changed'
  | 'service.deleted'
  | 'callback.cancelled'
  | 'callback.rescheduled'
  | 'agent.logged-in'
  | 'agent.logged-out'
  | 'agent.ready'
  | 'agent.not-ready'
  | 'agent.signed-out'
  | 'key.created'
  | 'key.revoked'
  | 'key.rotated'
  | 'customer.erased'
  | 'supervision.started'
  | 'supervision.mode-changed'
  | 'supervision.ended'
  | 'call.transfer-blind'
  | 'call.transfer-consult'
  | 'call.transfer-completed'
  | 'call.transfer-cancelled';

/** who did it and from where: the key's (or agent's) name and the client's address */
export interface Actor {
  actor: string;
  source: string;
}

export interface AuditChange {
  before?: unknown;
  after?: unknown;
}

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  source: string;
  action: AuditAction;
  /** what was acted on: `service:billing`, `callback:<id>`, `agent:alice`, `key:<id>`, `call:<agent leg Call-ID>` */
  subject: string;
  before: unknown;
  after: unknown;
}

/**
 * The audit log: one row per admin or supervisor action, in the store (same durability as callbacks). Where
 * the action itself is a store write, `within` runs both in one transaction: no action without its entry.
 */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(by: Actor, action: AuditAction, subject: string, change: AuditChange = {}): Promise<void> {
    const entry: Omit<StoredAuditEntry, 'seq'> = {
      at: this.clock.now(),
      actor: by.actor,
      source: by.source,
      action,
      subject,
      detail: JSON.stringify({ before: change.before ?? null, after: change.after ?? null }),
    };
    return this.store.appendAudit(entry);
  }

  /** run the action and record it in the same transaction; `describe` sees the action's result */
  within<T>(by: Actor, action: AuditAction, subject: string | ((result: T) => string), fn: () => Promise<T>, describe: (result: T) => AuditChange): Promise<T> {
    return this.store.transaction(async () => {
      const result = await fn();
      await this.record(by, action, typeof subject === 'function' ? subject(result) : subject, describe(result));
      return result;
    });
  }

  async search(q: AuditSearch): Promise<AuditEntryView[]> {
    return (await this.store.auditEntries(q)).map((e) => {
      const d = JSON.parse(e.detail) as { before: unknown; after: unknown };
      return { seq: e.seq, at: new Date(e.at).toISOString(), actor: e.actor, source: e.source, action: e.action as AuditAction, subject: e.subject, before: d.before, after: d.after };
    });
  }
}

/** the actor of a request: the API key's name (or the agent), and the address it came from */
export const actorOf = (req: { client?: { name: string; agentId?: string }; ip: string }): Actor => ({
  actor: req.client ? (req.client.agentId ? `agent:${req.client.agentId}` : req.client.name) : 'anonymous',
  source: req.ip,
});

import type { Logger } from 'pino';
import type { ClaimResult } from '../ports/queue-state';
import type { TimerHandle } from '../time';
import type { Agent } from './agent';
import type { AgentClaims, Entry, QueueState, Target } from './queue-state';

/** a refused agent or target is tried again at the latest this much later (ms), when no other instance's change was heard */
const RETRY_MS = 500;

export interface DispatcherDeps {
  /** flows waiting for an agent, all targets */
  connecting(): number;
  closed(): boolean;
  newId(): string;
  /** reserve the agent for the entry (it leaves the line; its flow gets the handle) under this reservation id */
  reserve(agent: Agent, t: Target, entry: Entry, reservationId: string): void;
  log: Logger | undefined;
}

/**
 * Hands READY agents to connecting contacts: the longest-idle READY agent that has a connecting contact in one of
 * its targets gets the first of them (higher effective priority first, then the oldest). Alone on its store the
 * reservation is made at once, synchronously. With `state.claims` (several instances) each pair is claimed in the
 * store first, one claim at a time per target (so this instance's own contacts of a target are claimed for in their
 * order), while the agent is offered to nobody else. An agent whose claim was refused because another instance
 * holds it, or a target whose first contact is behind another instance's, is passed by until another instance's
 * change is heard (`heard`: that instance freed the agent, or served its contact) or RETRY_MS.
 */
export class Dispatcher {
  private running = false;
  private again = false;
  private readonly claimingAgents = new Set<string>();
  private readonly claimingContacts = new Set<string>();
  private readonly claimingTargets = new Set<string>();
  private readonly refused = new Set<string>();
  private readonly behind = new Set<string>();
  private retry: TimerHandle | undefined;

  constructor(
    private readonly state: QueueState,
    private readonly d: DispatcherDeps,
  ) {}

  /**
   * Reserve agents for connecting contacts while both exist. Re-entrant calls (from a resolve or a state change
   * made while dispatching) only ask for one more round, so one pass never hands an agent out twice.
   */
  run(): void {
    if (this.d.closed()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        while (this.reserveOne()) {
          /* keep going */
        }
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  /** another instance changed the queue's state: the agents refused so far are tried again */
  heard(): void {
    if (this.refused.size + this.behind.size === 0) return;
    this.refused.clear();
    this.behind.clear();
    this.run();
  }

  /** a claim in flight for this contact (it is not offered again meanwhile) */
  claiming(contactId: string): boolean {
    return this.claimingContacts.has(contactId);
  }

  close(): void {
    this.retry?.cancel();
    this.retry = undefined;
  }

  /** one reservation (or claim): the longest-idle READY agent that has a connecting contact in one of its targets */
  private reserveOne(): boolean {
    if (this.d.connecting() - this.claimingContacts.size <= 0) return false;
    const now = this.state.clock.now();
    const ready = [...this.state.agents.values()]
      .filter((a) => a.state === 'READY' && a.reachable(now) && !this.claimingAgents.has(a.id) && !this.refused.has(a.id))
      .sort((x, y) => x.idleSince - y.idleSince);
    const connecting = (e: Entry) => e.waiter !== undefined && !this.claimingContacts.has(e.contact.contactId);
    for (const agent of ready) {
      let best: { t: Target; e: Entry; p: number } | undefined;
      for (const name of agent.config.targets) {
        if (this.claimingTargets.has(name) || this.behind.has(name)) continue;
        const t = this.state.targets.get(name)!;
        const e = t.line.next(now, connecting);
        if (!e) continue;
        const p = t.line.effectivePriority(e.contact, now);
        if (!best || p > best.p || (p === best.p && e.contact.enqueuedAt < best.e.contact.enqueuedAt)) best = { t, e, p };
      }
      if (!best) continue;
      const claims = this.state.claims;
      if (claims) this.claim(claims, agent, best.t, best.e);
      else this.d.reserve(agent, best.t, best.e, this.d.newId());
      return true;
    }
    return false;
  }

  private claim(claims: AgentClaims, agent: Agent, t: Target, entry: Entry): void {
    const id = this.d.newId();
    const contactId = entry.contact.contactId;
    const target = t.config.name;
    this.claimingAgents.add(agent.id);
    this.claimingContacts.add(contactId);
    this.claimingTargets.add(target);
    const settle = (result: ClaimResult | 'failed') =>
      this.state.mutate(() => {
        this.claimingAgents.delete(agent.id);
        this.claimingContacts.delete(contactId);
        this.claimingTargets.delete(target);
        if (this.d.closed()) {
          if (result === 'claimed') claims.release(id);
          return;
        }
        if (result === 'behind') {
          this.d.log?.debug({ event: 'agent_claim_behind', agentId: agent.id, contactId, target }, 'queue: another instance has a contact ahead');
          this.later(this.behind, target);
        } else if (result !== 'claimed') {
          this.later(this.refused, agent.id);
        } else if (entry.waiter && t.line.get(contactId) === entry && agent.state === 'READY' && agent.reachable(this.state.clock.now())) {
          this.d.reserve(agent, t, entry, id);
        } else {
          // the contact left or the agent changed while the claim was taken: it goes back
          this.d.log?.debug({ event: 'agent_claim_unused', agentId: agent.id, contactId }, 'queue: claimed agent not used');
          claims.release(id);
        }
        this.run();
      });
    claims.claim(agent, id, t, entry.contact, true).then(settle, (err: unknown) => {
      this.d.log?.error({ err, event: 'agent_claim_failed', agentId: agent.id, contactId }, 'queue: could not claim an agent in the store');
      settle('failed');
    });
  }

  /** pass this agent or target by until another instance's change is heard, or RETRY_MS */
  private later(set: Set<string>, key: string): void {
    set.add(key);
    if (this.retry) return;
    this.retry = this.state.schedule(RETRY_MS, () => {
      this.retry = undefined;
      this.refused.clear();
      this.behind.clear();
      this.run();
    });
  }
}

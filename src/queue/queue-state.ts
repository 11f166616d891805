import type { QueuedContact, ReservationHandle } from '../ports/queue';
import type { ClaimResult } from '../ports/queue-state';
import type { Clock, TimerHandle, TimerScheduler } from '../time';
import { Agent } from './agent';
import { ContactQueue, type QueueEntry } from './contact-queue';
import { unknownAgent, unknownTarget } from './errors';
import { HandleTimeStats } from './handle-time';
import { AbandonmentStats } from './patience';
import type { QueueOptions, TargetConfig } from './types';

/** a flow waiting for an agent for one contact (see QueueService.reserveAgentFor) */
export interface Waiter {
  resolve(r: ReservationHandle | null): void;
  timer?: TimerHandle;
  detach(): void;
}

export interface ActiveReservation {
  id: string;
  agent: Agent;
  target: string;
  contact: QueuedContact;
  reservedAt: number;
  expiresAt: number;
  confirmedAt?: number;
  timer?: TimerHandle;
}

export interface Target {
  config: TargetConfig;
  line: ContactQueue<Waiter>;
  talk: HandleTimeStats;
  /** how fast live callers hang up while waiting ('erlang-a') */
  patience: AbandonmentStats;
  /** callbacks being dialed after the pacing rule let them go (counted ahead until they are back or gone) */
  dialing: Map<string, TimerHandle>;
  /**
   * contacts waiting in this target's line on other instances (several instances on one store, as last heard):
   * counted in the queue's length and ahead of a new contact for its EWT
   */
  elsewhere: number;
}

export type Entry = QueueEntry<Waiter>;

/**
 * How the queue takes an agent in a store shared with other instances (QueuePersistence installs it on
 * `QueueState.claims` when it follows other instances): a claim is taken in the store before the agent is
 * rung, so that no two instances reserve one agent at once, and it is refused while another instance has a
 * connecting contact of the target ahead of this one (oldest first across instances).
 */
export interface AgentClaims {
  /** 'claimed': the agent is this instance's for `reservationId`; 'held' elsewhere; 'behind': a contact elsewhere comes first */
  claim(agent: Agent, reservationId: string, t: Target, contact: QueuedContact, ordered: boolean): Promise<ClaimResult>;
  /** the reservation ended: its claim goes (with the next write of the queue's state) */
  release(reservationId: string): void;
}


/**
 * What the queue knows now: its targets (each with its line and talk figures), its agents and the live
 * reservations. Every change goes through `mutate()` — the queue's public operations and every timer it
 * schedules (`schedule()`) — which tells the listeners (the EWT estimator's cache) once the change is done.
 */
export class QueueState {
  readonly targets = new Map<string, Target>();
  readonly agents = new Map<string, Agent>();
  readonly reservations = new Map<string, ActiveReservation>();
  /** several instances on one store: agents are claimed there before they are reserved (see Dispatcher) */
  claims: AgentClaims | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(
    options: QueueOptions,
    readonly clock: Clock,
    private readonly timers: TimerScheduler,
  ) {
    const now = clock.now();
    for (const t of options.targets) {
      this.targets.set(t.name, {
        config: t,
        line: new ContactQueue<Waiter>(t),
        talk: new HandleTimeStats(t.initialHandleTimeSec, t.handleTimeSmoothing),
        patience: new AbandonmentStats(),
        dialing: new Map(),
        elsewhere: 0,
      });
    }
    for (const a of options.agents) {
      for (const t of a.targets) if (!this.targets.has(t)) throw new Error(`agent ${a.id} names unknown target "${t}"`);
      this.agents.set(a.id, new Agent(a, now));
    }
  }

  /** run a change to the queue; the listeners hear of it when it is done (also when it throws) */
  mutate<T>(change: () => T): T {
    try {
      return change();
    } finally {
      for (const l of this.listeners) l();
    }
  }

  /** call `listener` after every change */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** a timer whose callback is a change to the queue */
  schedule(ms: number, change: () => void): TimerHandle {
    return this.timers.schedule(ms, () => this.mutate(change));
  }

  target(name: string): Target {
    const t = this.targets.get(name);
    if (!t) throw unknownTarget(name);
    return t;
  }

  agent(id: string): Agent {
    const a = this.agents.get(id);
    if (!a) throw unknownAgent(id);
    return a;
  }

  /** the reservation an agent is in, if any */
  reservationOf(a: Agent): ActiveReservation | undefined {
    return a.reservationId ? this.reservations.get(a.reservationId) : undefined;
  }

  findEntry(contactId: string): { t: Target; entry: Entry } | undefined {
    for (const t of this.targets.values()) {
      const entry = t.line.get(contactId);
      if (entry) return { t, entry };
    }
    return undefined;
  }
}

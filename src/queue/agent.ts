import { AgentDay } from './agent-day';
import type { AgentConfig } from './types';

export type AgentState = 'READY' | 'NOT_READY' | 'RESERVED' | 'BUSY' | 'AFTER_CALL_WORK';

/** why an agent is NOT_READY */
export type NotReadyReason =
  /** the service (re)started: nobody is ready until they say so or register */
  | 'startup'
  /** the agent asked (REST) */
  | 'requested'
  /** someone else did: a supervisor (REST /api/v1/agents/:id/not-ready, with an API key) */
  | 'supervisor'
  | 'logged-out'
  /** no static URI and no live registration */
  | 'unreachable'
  /** a reservation lapsed or was released as the agent's fault (ring-no-answer) */
  | 'no-answer';

/** the one table of legal agent state changes */
const TRANSITIONS: Record<AgentState, readonly AgentState[]> = {
  NOT_READY: ['READY'],
  READY: ['NOT_READY', 'RESERVED'],
  RESERVED: ['BUSY', 'READY', 'NOT_READY'],
  BUSY: ['AFTER_CALL_WORK', 'READY', 'NOT_READY'],
  AFTER_CALL_WORK: ['READY', 'NOT_READY'],
};

export interface LastCall {
  contactId: string;
  kind: 'caller' | 'callback';
  target: string;
  /** epoch ms */
  endedAt: number;
  wrappedUp: boolean;
}

export interface Registration {
  contactUri: string;
  expiresAt: number;
}

/** what a restart gives back to an agent (Agent.restore) */
export interface SavedAgent {
  state: AgentState;
  since: number;
  idleSince: number;
  notReadyReason: NotReadyReason | undefined;
  loggedIn: boolean;
  loginUri: string | undefined;
  afterCall: 'not-ready' | 'logout' | undefined;
  acwEndsAt: number | undefined;
  lastCall: LastCall | undefined;
}

/** One agent's live state. Only QueueService changes it, through `moveTo`. */
export class Agent {
  state: AgentState = 'NOT_READY';
  notReadyReason: NotReadyReason | undefined = 'startup';
  /** epoch ms of the last state change */
  since: number;
  /** epoch ms the agent last became READY (longest idle is reserved first) */
  idleSince: number;
  loggedIn = false;
  registration: Registration | undefined;
  /** the phone the agent logged in at (REST login with a URI); forgotten at logout */
  loginUri: string | undefined;
  /** what to do once the current call and after-call work are over */
  afterCall: 'not-ready' | 'logout' | undefined;
  /** epoch ms the current after-call work ends */
  acwEndsAt: number | undefined;
  reservationId: string | undefined;
  /** the agent's last call (for its wrap-up on the agent page); `wrappedUp` once a disposition was recorded */
  lastCall: LastCall | undefined;
  /** today's calls, handle time, after-call work and dispositions (the supervisor page) */
  readonly today: AgentDay;

  constructor(
    readonly config: AgentConfig,
    now: number,
  ) {
    this.since = now;
    this.idleSince = now;
    this.today = new AgentDay(now);
  }

  get id(): string {
    return this.config.id;
  }

  /**
   * where to call the agent: the live registration first (the agent is at that softphone), then the phone it
   * logged in at, else the static URI
   */
  uri(now: number): string | undefined {
    if (this.registration && this.registration.expiresAt > now) return this.registration.contactUri;
    return this.loginUri ?? this.config.uri;
  }

  reachable(now: number): boolean {
    return this.uri(now) !== undefined;
  }

  serves(target: string): boolean {
    return this.config.targets.includes(target);
  }

  canMoveTo(next: AgentState): boolean {
    return TRANSITIONS[this.state].includes(next);
  }

  /**
   * Take back what the store kept of this agent at the last restart (queue-restore.ts): its state as it was,
   * since when, and what it had asked for. Whatever the state, the caller then moves it on with `moveTo`.
   */
  restore(saved: SavedAgent): void {
    this.state = saved.state;
    this.since = saved.since;
    this.idleSince = saved.idleSince;
    this.notReadyReason = saved.state === 'NOT_READY' ? saved.notReadyReason : undefined;
    this.loggedIn = saved.loggedIn;
    this.loginUri = saved.loginUri;
    this.afterCall = saved.afterCall;
    this.acwEndsAt = saved.state === 'AFTER_CALL_WORK' ? saved.acwEndsAt : undefined;
    this.lastCall = saved.lastCall;
  }

  /** change state; throws on a change the table does not allow (a bug in the caller) */
  moveTo(next: AgentState, now: number, reason?: NotReadyReason): AgentState {
    const from = this.state;
    if (!this.canMoveTo(next)) throw new Error(`agent ${this.id}: ${from} -> ${next} is not a legal state change`);
    if (from === 'AFTER_CALL_WORK') this.today.afterCallWorkEnded(now, (now - this.since) / 1000);
    this.state = next;
    this.since = now;
    this.notReadyReason = next === 'NOT_READY' ? (reason ?? 'requested') : undefined;
    if (next === 'READY') this.idleSince = now;
    if (next !== 'AFTER_CALL_WORK') this.acwEndsAt = undefined;
    return from;
  }
}

import type { Logger } from 'pino';
import type { Agent, AgentState, NotReadyReason, SavedAgent } from './agent';
import { QueueError } from './errors';
import type { QueueState } from './queue-state';
import type { TimerHandle } from '../time';
import { agentView, type AgentView } from './views';

/**
 * The agents' side of the queue: log in and out, READY / NOT_READY, SIP registrations, after-call work, and
 * where an agent goes after a call or a reservation. Changes run inside the queue's `mutate()` (QueueService
 * calls these from its operations; timers go through `QueueState.schedule`). `dispatch` hands a newly free
 * agent to a waiting contact.
 */
export class AgentDesk {
  private readonly timers = new Map<string, { registration?: TimerHandle; acw?: TimerHandle }>();

  constructor(
    private readonly state: QueueState,
    private readonly dispatch: () => void,
    private readonly log: Logger | undefined,
  ) {
    for (const id of state.agents.keys()) this.timers.set(id, {});
  }

  private get now(): number {
    return this.state.clock.now();
  }

  /**
   * Log in; READY when reachable. `atUri`: the phone the agent logs in at (a desk phone, a softphone that
   * registers elsewhere), called for its contacts until logout; a live registration with this service's
   * registrar still comes first.
   */
  login(agentId: string, atUri?: string): AgentView {
    const a = this.state.agent(agentId);
    a.loggedIn = true;
    if (atUri !== undefined) a.loginUri = atUri;
    if (a.afterCall === 'logout') a.afterCall = undefined;
    if (a.state === 'NOT_READY') this.becomeAvailable(a);
    this.dispatch();
    return this.view(a);
  }

  /** log out now, or after the current call */
  logout(agentId: string): AgentView {
    const a = this.state.agent(agentId);
    if (a.state === 'READY' || a.state === 'AFTER_CALL_WORK') this.setState(a, 'NOT_READY', 'logged-out');
    if (a.state === 'NOT_READY') {
      a.notReadyReason = 'logged-out';
      a.loggedIn = false;
      a.loginUri = undefined;
    } else {
      a.afterCall = 'logout';
    }
    this.cancelAcw(a);
    return this.view(a);
  }

  /** READY now (ends after-call work early); in a call: READY after it. Throws 409 when the agent cannot be reached. */
  setReady(agentId: string): AgentView {
    const a = this.state.agent(agentId);
    if (!a.reachable(this.now)) throw new QueueError('CONFLICT', `agent "${agentId}" has no SIP URI and no live registration`, 'agentId');
    a.loggedIn = true;
    a.afterCall = undefined;
    if (a.state === 'NOT_READY' || a.state === 'AFTER_CALL_WORK') {
      this.cancelAcw(a);
      this.setState(a, 'READY');
      this.dispatch();
    }
    return this.view(a);
  }

  /** NOT_READY now, or after the current call; `by`: the agent themselves ('requested') or a supervisor */
  setNotReady(agentId: string, by: 'requested' | 'supervisor' = 'requested'): AgentView {
    const a = this.state.agent(agentId);
    if (a.state === 'READY' || a.state === 'AFTER_CALL_WORK') {
      this.cancelAcw(a);
      this.setState(a, 'NOT_READY', by);
    } else if (a.state === 'NOT_READY') {
      a.notReadyReason = a.loggedIn ? by : a.notReadyReason;
    } else {
      a.afterCall = a.afterCall ?? 'not-ready';
    }
    return this.view(a);
  }

  /**
   * A SIP registration for the agent (from the registrar). A new registration of an agent that is NOT_READY
   * only because of startup or a lapsed registration logs it in and makes it READY; a refresh changes nothing
   * but the expiry. The registration lapses by itself at `expiresAtMs`.
   */
  setRegistration(agentId: string, contactUri: string, expiresAtMs: number): void {
    const a = this.state.agent(agentId);
    const now = this.now;
    if (expiresAtMs <= now) return this.clearRegistration(agentId);
    const isNew = !a.registration || a.registration.expiresAt <= now;
    a.registration = { contactUri, expiresAt: expiresAtMs };
    const timers = this.timers.get(agentId)!;
    timers.registration?.cancel();
    timers.registration = this.state.schedule(expiresAtMs - now, () => {
      this.log?.info({ event: 'registration_lapsed', agentId }, 'queue: agent registration lapsed');
      this.clearRegistration(agentId);
    });
    if (isNew) this.log?.info({ event: 'registration', agentId, contactUri }, 'queue: agent registered');
    if (isNew && a.state === 'NOT_READY' && (a.notReadyReason === 'startup' || a.notReadyReason === 'unreachable')) {
      a.loggedIn = true;
      this.setState(a, 'READY');
      this.dispatch();
    }
  }

  /** a registration the store kept across a restart: live again until `expiresAtMs`, the agent's state untouched */
  restoreRegistration(a: Agent, contactUri: string, expiresAtMs: number): void {
    a.registration = { contactUri, expiresAt: expiresAtMs };
    const timers = this.timers.get(a.id)!;
    timers.registration?.cancel();
    timers.registration = this.state.schedule(expiresAtMs - this.now, () => {
      this.log?.info({ event: 'registration_lapsed', agentId: a.id }, 'queue: agent registration lapsed');
      this.clearRegistration(a.id);
    });
  }

  /** after-call work the store kept across a restart: it runs on until `endsAt` */
  restoreAfterCallWork(a: Agent, endsAt: number): void {
    this.cancelAcw(a);
    this.timers.get(a.id)!.acw = this.state.schedule(Math.max(0, endsAt - this.now), () => this.acwOver(a));
  }

  /**
   * Another instance changed this agent (queue-sync): take its state as it wrote it, and its registration; its
   * after-call work runs out here too at its end. Then a newly free agent is dispatched.
   */
  adoptRemote(a: Agent, saved: SavedAgent, registration: { contactUri: string; expiresAt: number } | undefined): void {
    this.cancelAcw(a);
    a.restore(saved);
    if (registration && registration.expiresAt > this.now) this.restoreRegistration(a, registration.contactUri, registration.expiresAt);
    else {
      this.timers.get(a.id)!.registration?.cancel();
      a.registration = undefined;
    }
    if (a.state === 'AFTER_CALL_WORK') this.restoreAfterCallWork(a, a.acwEndsAt ?? this.now);
    this.dispatch();
  }

  /** the registration ended (un-REGISTER or lapse): a READY agent without static URI becomes NOT_READY */
  clearRegistration(agentId: string): void {
    const a = this.state.agent(agentId);
    this.timers.get(agentId)!.registration?.cancel();
    if (!a.registration) return;
    a.registration = undefined;
    if (!a.reachable(this.now) && a.state === 'READY') this.setState(a, 'NOT_READY', 'unreachable');
  }

  setState(a: Agent, next: AgentState, reason?: NotReadyReason): void {
    const from = a.moveTo(next, this.now, reason);
    this.log?.info({ event: 'agent_state', agentId: a.id, from, to: next, ...(reason ? { reason } : {}) }, 'queue: agent state changed');
  }

  /** after a call, ACW or a release: READY unless the agent asked otherwise or cannot be reached */
  becomeAvailable(a: Agent): void {
    const after = a.afterCall;
    a.afterCall = undefined;
    if (after === 'logout') {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', 'logged-out');
      a.loggedIn = false;
      a.loginUri = undefined;
      a.notReadyReason = 'logged-out';
    } else if (after === 'not-ready' || !a.loggedIn) {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', a.loggedIn ? 'requested' : 'logged-out');
    } else if (!a.reachable(this.now)) {
      if (a.state !== 'NOT_READY') this.setState(a, 'NOT_READY', 'unreachable');
      else a.notReadyReason = 'unreachable';
    } else if (a.state !== 'READY') {
      this.setState(a, 'READY');
    }
  }

  /** the call ended: after-call work for `acwSec` (then available), or available now (and dispatched) */
  afterCall(a: Agent, acwSec: number): void {
    if (acwSec > 0) {
      this.setState(a, 'AFTER_CALL_WORK');
      a.acwEndsAt = this.now + acwSec * 1000;
      this.timers.get(a.id)!.acw = this.state.schedule(acwSec * 1000, () => this.acwOver(a));
    } else {
      this.becomeAvailable(a);
      this.dispatch();
    }
  }

  /** the agent did not answer an offered contact: NOT_READY (no-answer), or logged out if it asked to be */
  noAnswer(a: Agent): void {
    const loggingOut = a.afterCall === 'logout';
    a.afterCall = undefined;
    this.setState(a, 'NOT_READY', loggingOut ? 'logged-out' : 'no-answer');
    if (loggingOut) a.loggedIn = false;
  }

  view(a: Agent): AgentView {
    return agentView(a, this.state.reservationOf(a), this.now);
  }

  /** stop the registration and after-call work timers */
  close(): void {
    for (const timers of this.timers.values()) {
      timers.registration?.cancel();
      timers.acw?.cancel();
    }
  }

  private acwOver(a: Agent): void {
    this.timers.get(a.id)!.acw = undefined;
    if (a.state !== 'AFTER_CALL_WORK') return;
    this.becomeAvailable(a);
    this.dispatch();
  }

  private cancelAcw(a: Agent): void {
    const timers = this.timers.get(a.id)!;
    timers.acw?.cancel();
    timers.acw = undefined;
  }
}

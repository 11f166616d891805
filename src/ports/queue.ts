/**
 * The port between the callback core / IVR and the queue (targets, agents, EWT).
 * Implemented by src/queue; consumed by src/callback (pacing, _wait_for_agent) and src/flows.
 */

export type EwtMethod = 'simple' | 'erlang' | 'erlang-a';

export interface AgentEndpoint {
  agentId: string;
  /** SIP URI to reach the agent (static URI or current registration contact) */
  uri: string;
}

export interface Reservation {
  reservationId: string;
  target: string;
  agent: AgentEndpoint;
  /** epoch ms at which the reservation lapses by itself unless confirmed */
  expiresAt: number;
  /** the contact the agent was reserved for (set by src/queue) */
  contactId?: string;
}

/**
 * A reservation as the one flow that asked for it holds it (`reserveAgentFor` gives it). The agent answers:
 * `confirm()`; the reservation then ends exactly once — `release()` (no call: the agent is freed; after a
 * confirm: the call is over), `callEnded()`, or by lapsing in the queue. Every method is idempotent, so its
 * owner ends it in a `finally` whatever happened before: only the first ending reaches the queue.
 */
export interface ReservationHandle extends Reservation {
  /** the agent answered: RESERVED -> BUSY. False when the reservation lapsed or ended first (nothing changes). */
  confirm(): boolean;
  /**
   * No call with this agent: back to READY, or with `agentFault` (it did not answer) NOT_READY and the contact
   * back in its place in line. After a confirm: as `callEnded`. Nothing once the reservation has ended.
   */
  release(opts?: { agentFault?: boolean }): void;
  /**
   * the call with the agent ended: BUSY -> AFTER_CALL_WORK/READY, handle time recorded; `afterCallWorkSec` (the
   * service's wrap-up time) instead of the target's own. Before a confirm: as `release`.
   */
  callEnded(opts?: { afterCallWorkSec?: number }): void;
}

export type ContactKind = 'caller' | 'callback';

export interface QueuedContact {
  contactId: string;
  kind: ContactKind;
  target: string;
  /** epoch ms the contact's place in line dates from (a callback keeps the caller's place) */
  enqueuedAt: number;
  priority?: number;
}

export interface QueuePort {
  hasTarget(target: string): boolean;
  /** estimated wait in seconds for a new contact entering the target now */
  estimatedWaitSeconds(target: string, method?: EwtMethod): number;
  /** add a waiting contact (live caller or callback) */
  enqueue(contact: QueuedContact): void;
  remove(contactId: string): void;
  /**
   * Wait until this contact is at the head of its target and an agent is free, then reserve the
   * agent for it. Resolves null on timeout or abort. The caller owns the handle and ends it.
   */
  reserveAgentFor(contactId: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ReservationHandle | null>;

  // Optional members (src/queue implements them all; fakes may leave them out).

  /**
   * reserve this agent now for a contact in no line (a call transferred to the agent); throws a CONFLICT
   * error when the agent is not READY
   */
  reserveAgent?(agentId: string, contact: QueuedContact): ReservationHandle;

  /** EWT for the contact at `position` in line (0 = first) */
  estimatedWaitAtPosition?(target: string, position: number, method?: EwtMethod): number;
  /** expected number of the target's agents free now or within `seconds` (sum of probabilities) */
  expectedAgentsFreeWithin?(target: string, seconds: number): number;
  /**
   * Pacing: may a callback of this target be dialed now? True when the agents expected free within the
   * target's pacing horizon cover the contacts ahead (live callers, contacts connecting, callbacks being
   * dialed) plus this one. See docs/queue.md.
   */
  canDispatchCallback?(target: string, contactId?: string): boolean;
  /** a callback is being dialed: count it ahead for pacing until it is enqueued again or removed */
  callbackDialing?(target: string, contactId: string, holdMs?: number): void;
  /** a READY agent is free for the target now, beyond contacts already connecting (`_wait_for_agent`) */
  hasFreeAgent?(target: string): boolean;
  /** contacts the target's planned staffing can take in a time bucket; undefined without staffing */
  bucketCapacity?(target: string, startMs: number, minutes: number): number | undefined;
  /** the registrar saw a REGISTER for this agent (contact URI, absolute expiry in epoch ms) */
  setRegistration?(agentId: string, contactUri: string, expiresAtMs: number): void;
  /** the agent's registration ended (un-REGISTER) */
  clearRegistration?(agentId: string): void;
}

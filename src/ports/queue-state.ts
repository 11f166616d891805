/**
 * The queue's state as the store keeps it, so that a restart finds it again: the contacts waiting in each
 * target's line, each agent's state (with the reservation it was in), the agents' softphone registrations,
 * and the agent previews / customer confirmations waiting for an answer. The queue (src/queue) and the
 * approval board (src/callback) keep their working copy in memory and write through to this port; the
 * store (src/store) implements it. No database types here.
 */

import type { ContactKind } from './queue';

/** a contact waiting in a target's line */
export interface StoredQueueEntry {
  contactId: string;
  kind: ContactKind;
  target: string;
  /** epoch ms its place in line dates from */
  enqueuedAt: number;
  priority: number | null;
  /** the instance that wrote it (a live caller's call lives in that instance's process) */
  owner: string;
  /**
   * a flow of the owner waits for an agent for it now (QueueService.reserveAgentFor): another instance does not
   * claim an agent of the target for a contact behind it (`claimAgent`). Absent: false.
   */
  connecting?: boolean;
}

export type StoredAgentStateName = 'READY' | 'NOT_READY' | 'RESERVED' | 'BUSY' | 'AFTER_CALL_WORK';

/** the reservation an agent was in: which contact, since when, answered or not */
export interface StoredReservation {
  id: string;
  contactId: string;
  kind: ContactKind;
  target: string;
  reservedAt: number;
  expiresAt: number;
  confirmedAt: number | null;
}

/** an agent's state beyond its name: kept as one JSON document (`detail`) next to the state itself */
export interface StoredAgentDetail {
  notReadyReason: string | null;
  /** epoch ms of the last state change */
  since: number;
  /** epoch ms the agent last became READY */
  idleSince: number;
  loggedIn: boolean;
  loginUri: string | null;
  afterCall: 'not-ready' | 'logout' | null;
  acwEndsAt: number | null;
  reservation: StoredReservation | null;
  /** the agent's last call, for its wrap-up */
  lastCall: { contactId: string; kind: ContactKind; target: string; endedAt: number; wrappedUp: boolean } | null;
}

export interface StoredAgentState {
  agentId: string;
  state: StoredAgentStateName;
  detail: StoredAgentDetail;
  /** the instance that wrote it */
  owner: string;
  updatedAt: number;
}

export interface StoredRegistration {
  agentId: string;
  contactUri: string;
  /** epoch ms */
  expiresAt: number;
}

/** what changed in the queue since the last write; applied in one transaction */
export interface QueueStateChange {
  /** the instance writing it (named in the notice the other instances get) */
  owner?: string;
  putEntries: StoredQueueEntry[];
  /** contact ids that left the line */
  removeEntries: string[];
  /** each replaces the stored row unless that one is newer (`updatedAt`): a late write never undoes a later one */
  putAgents: StoredAgentState[];
  putRegistrations: StoredRegistration[];
  /** agent ids whose registration ended */
  removeRegistrations: string[];
  /** reservations that ended: their agents' claims (`claimAgent`) go in the same transaction */
  releaseClaims?: string[];
}

export interface QueueStateSnapshot {
  entries: StoredQueueEntry[];
  agents: StoredAgentState[];
  registrations: StoredRegistration[];
}

export type StoredApprovalKind = 'agent_preview' | 'user_confirm';

/** a preview or confirmation waiting for its answer; `pending` is the approval board's own record of it */
export interface StoredApproval {
  callbackId: string;
  kind: StoredApprovalKind;
  agentId: string;
  /** epoch ms its answer is due by */
  expiresAt: number;
  pending: Record<string, unknown>;
}

/** another instance saved a change of the queue's state: whose, and which agents' rows (null: any of them) */
export interface QueueStateNotice {
  owner: string;
  agents: string[] | null;
}

/**
 * An instance's hold on an agent for one reservation, taken in the store before it rings the agent, so that no two
 * instances on one database reserve an agent at once. It ends with the reservation (`releaseClaims` of a save) or
 * when it expires: the owner renews it (`renewQueueLease`) while the reservation or call lasts.
 */
export interface AgentClaim {
  agentId: string;
  owner: string;
  reservationId: string;
  contactId: string;
  /** epoch ms */
  expiresAt: number;
}

/**
 * The contact a claim is for and its target's order rules: the claim is refused while an instance whose lease is
 * live (`renewQueueLease`) has a connecting contact of the same target ahead of it. Ahead: higher effective
 * priority (the contact's own, else its kind's, plus `ageingPerMinute` per minute waited at `now`), then earlier
 * `enqueuedAt`, then the smaller contact id (QueueService's order).
 */
export interface ClaimOrder {
  target: string;
  kind: 'caller' | 'callback';
  enqueuedAt: number;
  priority: number | null;
  priorities: { caller: number; callback: number };
  ageingPerMinute: number;
}

/** `claimAgent`'s answer: taken; held by another live claim; or a contact of another instance comes first */
export type ClaimResult = 'claimed' | 'held' | 'behind';

/** the store's side: the queue's state and the pending approvals */
export interface QueueStateStore {
  saveQueueState(change: QueueStateChange): Promise<void>;
  /**
   * hear of every change saved to the queue's state (by any instance on the database, this one included), once
   * committed; resolves, once listening, with the function that stops it. Absent where one process is the
   * only writer (SQLite).
   */
  watchQueueState?(listener: (notice: QueueStateNotice) => void): Promise<() => Promise<void>>;
  loadQueueState(): Promise<QueueStateSnapshot>;
  /**
   * Claim the agent for a reservation, atomically: taken when nobody holds it or the holder's claim expired by
   * `now` (one of instances racing wins). With `order`, refused ('behind') when a live instance other than the
   * claimant has a connecting contact of the target ahead of this one (see ClaimOrder).
   */
  claimAgent(claim: AgentClaim, now: number, order?: ClaimOrder): Promise<ClaimResult>;
  /**
   * the instance is alive until `expiresAt` (its connecting contacts count for the order of claims until then), and
   * its claims are extended to it; returns the reservation ids of the claims it still holds
   */
  renewQueueLease(owner: string, expiresAt: number): Promise<string[]>;
  /** the claims held now (those not expired by `now`), by agent */
  agentClaims(now: number): Promise<AgentClaim[]>;
  /** the instances whose lease (`renewQueueLease`) runs past `now` */
  liveQueueInstances(now: number): Promise<string[]>;
  /** insert or replace the approval of this callback and kind */
  putPendingApproval(approval: StoredApproval): Promise<void>;
  deletePendingApproval(callbackId: string, kind: StoredApprovalKind): Promise<void>;
  pendingApprovals(): Promise<StoredApproval[]>;
}

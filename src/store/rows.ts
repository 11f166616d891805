/** The stored rows of both stores (SQL column names) and their mapping to the records of the core. */
import type { AttemptRecord, CallbackEvent, CallbackRecord, CallbackState } from '../ports/callback-records';
import type { InteractionOutcome } from '../ports/callbacks';
import type { AmdDecision, AttemptOutcome } from '../ports/dialer';
import type { StoredApiKey, StoredInteraction, StoredService } from './store';

export interface CallbackRow {
  id: string;
  service_name: string;
  customer_number: string;
  state: CallbackState;
  reason: string | null;
  request_reason: string | null;
  direction: CallbackRecord['direction'];
  target: string;
  desired_time: number | null;
  accepted_at: number;
  service_start: number;
  expiration_time: number;
  next_attempt_at: number | null;
  attempts: number;
  originating_interaction_id: string | null;
  client_id: string;
  user_data: string;
  overrides: string;
  updated_at: number;
}

export interface AttemptRow {
  id: string;
  callback_id: string;
  number: number;
  started_at: number;
  ended_at: number | null;
  outcome: AttemptOutcome | null;
  sip_status: number | null;
  amd_decision: AmdDecision | null;
  amd_decision_ms: number | null;
  agent_id: string | null;
  answered_at: number | null;
  connected_at: number | null;
  call_id: string | null;
  detail: string | null;
  disposition: string | null;
  disposition_note: string | null;
  disposition_at: number | null;
}

export interface EventRow {
  seq: number;
  callback_id: string;
  at: number;
  type: CallbackEvent['type'];
  state: CallbackState;
  reason: string | null;
  data: string;
}

export interface InteractionRow {
  id: string;
  call_id: string | null;
  ani: string | null;
  dnis: string | null;
  service_name: string | null;
  target: string | null;
  started_at: number | null;
  ended_at: number | null;
  outcome: string | null;
  attached: string;
  callback_id: string | null;
  agent_id: string | null;
  disposition: string | null;
  disposition_note: string | null;
  disposition_at: number | null;
}

export const toCallback = (r: CallbackRow): CallbackRecord => ({
  id: r.id,
  serviceName: r.service_name,
  customerNumber: r.customer_number,
  state: r.state,
  reason: r.reason,
  requestReason: r.request_reason,
  direction: r.direction,
  target: r.target,
  desiredTime: r.desired_time,
  acceptedAt: r.accepted_at,
  serviceStart: r.service_start,
  expirationTime: r.expiration_time,
  nextAttemptAt: r.next_attempt_at,
  attempts: r.attempts,
  originatingInteractionId: r.originating_interaction_id,
  clientId: r.client_id,
  userData: JSON.parse(r.user_data) as Record<string, string>,
  overrides: JSON.parse(r.overrides) as Record<string, unknown>,
  updatedAt: r.updated_at,
});

export const callbackParams = (c: CallbackRecord) => ({
  id: c.id,
  service_name: c.serviceName,
  customer_number: c.customerNumber,
  state: c.state,
  reason: c.reason,
  request_reason: c.requestReason,
  direction: c.direction,
  target: c.target,
  desired_time: c.desiredTime,
  accepted_at: c.acceptedAt,
  service_start: c.serviceStart,
  expiration_time: c.expirationTime,
  next_attempt_at: c.nextAttemptAt,
  attempts: c.attempts,
  originating_interaction_id: c.originatingInteractionId,
  client_id: c.clientId,
  user_data: JSON.stringify(c.userData),
  overrides: JSON.stringify(c.overrides),
  updated_at: c.updatedAt,
});

export const toAttempt = (r: AttemptRow): AttemptRecord => ({
  id: r.id,
  callbackId: r.callback_id,
  number: r.number,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  outcome: r.outcome,
  sipStatus: r.sip_status,
  amdDecision: r.amd_decision,
  amdDecisionMs: r.amd_decision_ms,
  agentId: r.agent_id,
  answeredAt: r.answered_at,
  connectedAt: r.connected_at,
  callId: r.call_id,
  detail: r.detail,
  ...(r.disposition !== null ? { disposition: r.disposition, dispositionNote: r.disposition_note, dispositionAt: r.disposition_at } : {}),
});

export const attemptParams = (a: AttemptRecord) => ({
  id: a.id,
  callback_id: a.callbackId,
  number: a.number,
  started_at: a.startedAt,
  ended_at: a.endedAt,
  outcome: a.outcome,
  sip_status: a.sipStatus,
  amd_decision: a.amdDecision,
  amd_decision_ms: a.amdDecisionMs,
  agent_id: a.agentId,
  answered_at: a.answeredAt,
  connected_at: a.connectedAt,
  call_id: a.callId,
  detail: a.detail,
});

export const toInteraction = (r: InteractionRow): StoredInteraction => ({
  interactionId: r.id,
  ...(r.call_id !== null ? { callId: r.call_id } : {}),
  ...(r.ani !== null ? { ani: r.ani } : {}),
  ...(r.dnis !== null ? { dnis: r.dnis } : {}),
  ...(r.service_name !== null ? { serviceName: r.service_name } : {}),
  ...(r.target !== null ? { target: r.target } : {}),
  startedAt: r.started_at ?? 0,
  endedAt: r.ended_at,
  outcome: r.outcome as InteractionOutcome | null,
  attached: JSON.parse(r.attached) as Record<string, string | number>,
  ...(r.callback_id !== null ? { callbackId: r.callback_id } : {}),
  ...(r.agent_id !== null ? { agentId: r.agent_id } : {}),
  ...(r.disposition !== null ? { disposition: r.disposition, dispositionAt: r.disposition_at ?? 0 } : {}),
  ...(r.disposition_note !== null ? { dispositionNote: r.disposition_note } : {}),
});

export const CALLBACK_COLUMNS =
  'id, service_name, customer_number, state, reason, request_reason, direction, target, desired_time, accepted_at, service_start, expiration_time, next_attempt_at, attempts, originating_interaction_id, client_id, user_data, overrides, updated_at';
export const CALLBACK_VALUES =
  '@id, @service_name, @customer_number, @state, @reason, @request_reason, @direction, @target, @desired_time, @accepted_at, @service_start, @expiration_time, @next_attempt_at, @attempts, @originating_interaction_id, @client_id, @user_data, @overrides, @updated_at';

/** what an anonymised callback keeps in place of the customer's number */
/** what an anonymised callback keeps in place of the customer's number */
export const ERASED = 'ERASED';
export interface ServiceRow {
  name: string;
  template: string;
  options: string;
  created_at: number;
  updated_at: number;
}

export const toService = (r: ServiceRow): StoredService => ({
  name: r.name,
  template: r.template,
  options: JSON.parse(r.options) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface ApiKeyRow {
  id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  allowed_networks: string;
  rate_limit_per_minute: number | null;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  revoked_by: string | null;
  replaced_by: string | null;
}

export const toApiKey = (r: ApiKeyRow): StoredApiKey => ({
  id: r.id,
  name: r.name,
  secretHash: r.secret_hash,
  scopes: JSON.parse(r.scopes) as StoredApiKey['scopes'],
  allowedNetworks: JSON.parse(r.allowed_networks) as string[],
  rateLimitPerMinute: r.rate_limit_per_minute,
  createdAt: r.created_at,
  createdBy: r.created_by,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  replacedBy: r.replaced_by,
});

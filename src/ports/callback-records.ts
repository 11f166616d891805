import type { AttemptOutcome, AmdDecision } from './dialer';

/** GMS callback states, in the order a callback moves through them. */
export type CallbackState = 'SCHEDULED' | 'QUEUED' | 'ROUTING' | 'PROCESSING' | 'COMPLETED';

/** Why a callback reached COMPLETED (returned as `_callback_reason`). */
export type CompletionReason =
  | 'CONNECTED_TO_AGENT'
  | 'CANCELLED'
  | 'MAX_ATTEMPTS_REACHED'
  | 'EXPIRED'
  | 'REJECTED'
  | 'FAX_DETECTED'
  | 'CUSTOMER_HANGUP'
  | 'USER_DECLINED'
  | 'USER_ORIGINATED_FAILED';

export type CallDirection = 'USERTERMINATED' | 'USERORIGINATED';

export interface CallbackRecord {
  id: string;
  serviceName: string;
  /** E.164 */
  customerNumber: string;
  state: CallbackState;
  /** completion reason once COMPLETED; before that the reason the client gave, if any */
  reason: string | null;
  /** the reason the client gave when requesting (GMS `_callback_reason` on start) */
  requestReason: string | null;
  direction: CallDirection;
  target: string;
  /** epoch ms; null for immediate callbacks */
  desiredTime: number | null;
  /** epoch ms the request was accepted */
  acceptedAt: number;
  /** epoch ms: the acceptance time, or the scheduled time for scheduled callbacks */
  serviceStart: number;
  /** epoch ms after which no attempt is made */
  expirationTime: number;
  /** epoch ms the next attempt is due; null while an attempt runs or when completed */
  nextAttemptAt: number | null;
  /** attempts counted against `_max_number_of_attempts` */
  attempts: number;
  originatingInteractionId: string | null;
  clientId: string;
  userData: Record<string, string>;
  /** GMS-named options the request overrode (only those the service allows) */
  overrides: Record<string, unknown>;
  updatedAt: number;
}

export interface AttemptRecord {
  id: string;
  callbackId: string;
  number: number;
  startedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome | null;
  sipStatus: number | null;
  amdDecision: AmdDecision | null;
  amdDecisionMs: number | null;
  agentId: string | null;
  answeredAt: number | null;
  connectedAt: number | null;
  callId: string | null;
  detail: string | null;
  /** the agent's wrap-up of the call (agent page): absent until the agent picks a disposition */
  disposition?: string | null;
  dispositionNote?: string | null;
  /** epoch ms */
  dispositionAt?: number | null;
}

/** what the agent recorded after a call: a disposition code (from the service's `_disposition_codes`) and a note */
export interface Disposition {
  code: string;
  note: string | null;
  /** epoch ms */
  at: number;
}

export type CallbackEventType =
  | 'CREATED'
  | 'STATE_CHANGED'
  | 'ATTEMPT_STARTED'
  | 'ATTEMPT_ENDED'
  | 'RESCHEDULED'
  | 'CANCELLED'
  | 'RECOVERED';

export interface CallbackEvent {
  seq: number;
  callbackId: string;
  at: number;
  type: CallbackEventType;
  state: CallbackState;
  reason: string | null;
  data: Record<string, unknown>;
}

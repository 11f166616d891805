import { reportingKeys } from '../callback/reporting-keys';
import type { CallbackRecord } from '../ports/callback-records';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A callback as GMS clients see it: GMS key names, ISO times, user data at the top level. */
export interface CallbackView {
  _id: string;
  _callback_state: string;
  [key: string]: unknown;
}

export function callbackView(c: CallbackRecord): CallbackView {
  return {
    ...c.userData,
    ...c.overrides,
    _id: c.id,
    _service_name: c.serviceName,
    _customer_number: c.customerNumber,
    _callback_state: c.state,
    _callback_reason: c.reason,
    _request_callback_reason: c.requestReason,
    _call_direction: c.direction,
    _target: c.target,
    _desired_time: iso(c.desiredTime ?? c.serviceStart),
    _scheduled: c.desiredTime !== null,
    _accepted_time: iso(c.acceptedAt),
    _expiration_time: iso(c.expirationTime),
    _next_attempt_time: iso(c.state === 'COMPLETED' ? null : c.nextAttemptAt),
    _attempts: c.attempts,
    _originating_interaction_id: c.originatingInteractionId,
    _last_update_time: iso(c.updatedAt),
    ...reportingKeys(c),
  };
}

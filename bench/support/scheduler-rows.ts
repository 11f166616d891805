import type { CallbackRecord } from '../../src/ports/callback-records';

/** the scheduler bench's service: callbacks valid long enough that none expires during the bench */
export const BENCH_SERVICE = 'bench';

/**
 * One scheduled callback as the API's insert path stores it (state SCHEDULED, due at `due`): the bench's bulk
 * load and its measured callbacks both use it. `prefix` + the zero-padded index make ids that sort by index.
 */
export function scheduledCallback(prefix: string, i: number, due: number, acceptedAt: number): CallbackRecord {
  return {
    id: `${prefix}${i.toString(16).padStart(8, '0')}`,
    serviceName: BENCH_SERVICE,
    customerNumber: `+1415${String(i % 10_000_000).padStart(7, '0')}`,
    state: 'SCHEDULED',
    reason: null,
    requestReason: null,
    direction: 'USERTERMINATED',
    target: 'default',
    desiredTime: due,
    acceptedAt,
    serviceStart: due,
    expirationTime: due + 86_400_000 * 10,
    nextAttemptAt: due,
    attempts: 0,
    originatingInteractionId: null,
    clientId: 'bench',
    userData: {},
    overrides: {},
    updatedAt: acceptedAt,
  };
}

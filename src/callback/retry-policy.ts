import type { AttemptOutcome } from '../ports/dialer';
import type { ServiceSettings } from './service-options';
import type { CompletionReason } from '../ports/callback-records';

/** What happens after an attempt: the callback completes, or it waits for another attempt. */
export type NextStep =
  | { kind: 'complete'; reason: CompletionReason }
  | { kind: 'retry'; at: number; countsAsAttempt: boolean };

/** Outcomes that end the callback whatever the policy says. */
const FINAL: Partial<Record<AttemptOutcome, CompletionReason>> = { CONNECTED_TO_AGENT: 'CONNECTED_TO_AGENT' };

/** Outcome -> completion reason when the policy says "no retry". */
const WHEN_NOT_RETRIED: Record<Exclude<AttemptOutcome, 'CONNECTED_TO_AGENT'>, CompletionReason> = {
  BUSY: 'MAX_ATTEMPTS_REACHED',
  NO_ANSWER: 'MAX_ATTEMPTS_REACHED',
  MACHINE: 'MAX_ATTEMPTS_REACHED',
  NO_SPEECH: 'MAX_ATTEMPTS_REACHED',
  NOTSURE: 'MAX_ATTEMPTS_REACHED',
  UNREACHABLE: 'MAX_ATTEMPTS_REACHED',
  FAILED: 'MAX_ATTEMPTS_REACHED',
  AGENT_UNAVAILABLE: 'MAX_ATTEMPTS_REACHED',
  FAX: 'FAX_DETECTED',
  REJECTED: 'REJECTED',
  CUSTOMER_HANGUP: 'CUSTOMER_HANGUP',
  USER_DECLINED: 'USER_DECLINED',
  NO_CONFIRMATION: 'MAX_ATTEMPTS_REACHED',
};

/**
 * The retry policy, in one place.
 * - CONNECTED_TO_AGENT completes the callback.
 * - An outcome whose retry delay is null completes it with the outcome's reason.
 * - AGENT_UNAVAILABLE (no agent could be reserved before the customer was dialed) does not count
 *   against `_max_number_of_attempts`; every other outcome does.
 * - No attempt is scheduled after `expirationTime`: the callback EXPIRES instead.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attemptsCounted: number,
  settings: Pick<ServiceSettings, 'retry' | 'maxNumberOfAttempts'>,
  now: number,
  expirationTime: number,
  /** epoch ms the next attempt may not come before (the policy's delay counts from `now` either way) */
  notBefore = 0,
): NextStep {
  const final = FINAL[outcome];
  if (final) return { kind: 'complete', reason: final };
  const o = outcome as Exclude<AttemptOutcome, 'CONNECTED_TO_AGENT'>;
  const delaySec = settings.retry[o];
  if (delaySec === null || delaySec === undefined) return { kind: 'complete', reason: WHEN_NOT_RETRIED[o] };
  const countsAsAttempt = o !== 'AGENT_UNAVAILABLE';
  if (countsAsAttempt && attemptsCounted >= settings.maxNumberOfAttempts) return { kind: 'complete', reason: 'MAX_ATTEMPTS_REACHED' };
  const at = Math.max(now + delaySec * 1000, notBefore);
  if (at >= expirationTime) return { kind: 'complete', reason: 'EXPIRED' };
  return { kind: 'retry', at, countsAsAttempt };
}

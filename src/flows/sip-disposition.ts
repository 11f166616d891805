import type { AttemptOutcome } from '../ports/dialer';

/**
 * A failed customer leg as the retry policy sees it. `sipStatus` undefined: no final response at all
 * (network error, no route). Ring timeout (our CANCEL, 487) and 408/480 are NO_ANSWER, also when the
 * far end only ever sent early media (183): a call that was never answered was not answered.
 */
export function dispositionOf(sipStatus: number | undefined): Extract<AttemptOutcome, 'BUSY' | 'NO_ANSWER' | 'REJECTED' | 'UNREACHABLE'> {
  if (sipStatus === undefined) return 'UNREACHABLE';
  if (sipStatus === 486 || sipStatus === 600) return 'BUSY';
  if (sipStatus === 408 || sipStatus === 480 || sipStatus === 487) return 'NO_ANSWER';
  if (sipStatus >= 500 && sipStatus < 600) return 'UNREACHABLE';
  return 'REJECTED'; // 403, 404, 484, 603 and other final refusals (4xx, 6xx)
}

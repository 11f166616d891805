/**
 * Whether a callback is offered to a caller now: one rule for the built-in IVR and for the wait-time
 * statistic an outside IVR asks for (GMS "IVR Classic Callback": offer when the wait is ABOVE the
 * threshold; at the threshold the caller waits).
 */

/** the estimated wait is long enough to offer a callback: strictly above the threshold */
export const ewtCallsForOffer = (ewtSec: number, thresholdSec: number): boolean => ewtSec > thresholdSec;

export type NoOfferReason =
  /** the estimated wait is at or below the threshold: the caller waits */
  | 'EWT_NOT_ABOVE_THRESHOLD'
  /** closed now, and the service takes no scheduled callbacks */
  | 'OUTSIDE_BUSINESS_HOURS'
  /** closed now, and no time slot with room in the period looked at */
  | 'NO_CAPACITY';

export interface OfferInput {
  ewtSec: number;
  thresholdSec: number;
  /** the service's business hours are open now (an immediate callback may be requested) */
  openNow: boolean;
  /** the service takes `_desired_time` */
  allowScheduling: boolean;
  /** the next open time slots with room (slot start ISO -> remaining), as /availability gives them */
  slots: Record<string, number>;
}

export interface OfferDecision {
  offer: boolean;
  /** "as soon as possible" may be offered */
  immediate: boolean;
  /** a time slot may be offered (the first of `slots`) */
  scheduled: boolean;
  reason: NoOfferReason | null;
}

export function decideOffer(i: OfferInput): OfferDecision {
  const scheduled = i.allowScheduling && Object.keys(i.slots).length > 0;
  const immediate = i.openNow;
  if (!ewtCallsForOffer(i.ewtSec, i.thresholdSec)) return { offer: false, immediate, scheduled, reason: 'EWT_NOT_ABOVE_THRESHOLD' };
  if (immediate || scheduled) return { offer: true, immediate, scheduled, reason: null };
  return { offer: false, immediate, scheduled, reason: i.allowScheduling ? 'NO_CAPACITY' : 'OUTSIDE_BUSINESS_HOURS' };
}

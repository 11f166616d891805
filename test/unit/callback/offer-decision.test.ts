import assert from 'node:assert/strict';
import { decideOffer, ewtCallsForOffer } from '../../../src/callback/offer-decision';

describe('offer decision (built-in IVR and the wait-time statistic)', () => {
  it('offers only when the EWT is strictly above the threshold', () => {
    assert.equal(ewtCallsForOffer(121, 120), true);
    assert.equal(ewtCallsForOffer(120, 120), false);
    assert.equal(ewtCallsForOffer(0, 0), false);
  });

  const base = { ewtSec: 300, thresholdSec: 120, openNow: true, allowScheduling: true, slots: { '2026-12-01T16:00:00.000Z': 4 } };
  it('says why not: threshold first, then hours (no scheduling) or capacity (no slot with room)', () => {
    assert.deepEqual(decideOffer(base), { offer: true, immediate: true, scheduled: true, reason: null });
    assert.equal(decideOffer({ ...base, ewtSec: 120 }).reason, 'EWT_NOT_ABOVE_THRESHOLD');
    assert.deepEqual(decideOffer({ ...base, openNow: false }), { offer: true, immediate: false, scheduled: true, reason: null });
    assert.deepEqual(decideOffer({ ...base, openNow: false, slots: {} }), { offer: false, immediate: false, scheduled: false, reason: 'NO_CAPACITY' });
    assert.equal(decideOffer({ ...base, openNow: false, allowScheduling: false }).reason, 'OUTSIDE_BUSINESS_HOURS');
    assert.deepEqual(decideOffer({ ...base, allowScheduling: false }), { offer: true, immediate: true, scheduled: false, reason: null });
  });
});

import assert from 'node:assert/strict';
import { BusinessHours } from '../../../src/callback/business-hours';

const hours = BusinessHours.from({
  timezone: 'America/New_York',
  weekly: { mon: ['09:00-17:00'], sat: ['10:00-12:00'] },
  holidays: ['2026-12-28'],
});

describe('business hours', () => {
  it('is open inside a range in the service time zone, not in UTC', () => {
    // Monday 2026-12-07 09:30 in New York = 14:30 UTC
    assert.equal(hours.isOpen(Date.parse('2026-12-07T14:30:00Z')), true);
    // 09:30 UTC is 04:30 in New York
    assert.equal(hours.isOpen(Date.parse('2026-12-07T09:30:00Z')), false);
  });

  it('treats the end of a range as closed and unlisted days as closed', () => {
    assert.equal(hours.isOpen(Date.parse('2026-12-07T22:00:00Z')), false); // 17:00 NY
    assert.equal(hours.isOpen(Date.parse('2026-12-08T15:00:00Z')), false); // Tuesday
  });

  it('follows daylight saving time', () => {
    // Monday 2026-07-06 09:30 EDT = 13:30 UTC
    assert.equal(hours.isOpen(Date.parse('2026-07-06T13:30:00Z')), true);
  });

  it('is closed on holidays', () => {
    assert.equal(hours.isOpen(Date.parse('2026-12-28T15:00:00Z')), false);
  });

  it('rejects an unknown time zone', () => {
    assert.throws(() => BusinessHours.from({ timezone: 'Mars/Olympus', weekly: {} }), /Mars\/Olympus/);
  });
});

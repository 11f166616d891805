import { DateTime } from 'luxon';
import type { StaffingConfig } from './types';

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Agents planned on a target at an instant, from its staffing windows (windows that overlap add up). */
export function plannedAgents(staffing: StaffingConfig, atMs: number): number {
  const t = DateTime.fromMillis(atMs, { zone: staffing.timezone });
  const minute = t.hour * 60 + t.minute;
  let agents = 0;
  for (const w of staffing.windows) {
    if (w.days && !w.days.includes(t.weekday)) continue;
    if (minute >= minutesOf(w.from) && minute < minutesOf(w.to)) agents += w.agents;
  }
  return agents;
}

/**
 * Callbacks the planned agents can take in a time bucket: agents planned at the bucket's start × the bucket's
 * length ÷ the mean handle time (talk + after-call work), rounded down.
 */
export function bucketCapacity(staffing: StaffingConfig, startMs: number, minutes: number, handleSec: number): number {
  return Math.floor((plannedAgents(staffing, startMs) * minutes * 60) / Math.max(handleSec, 1));
}

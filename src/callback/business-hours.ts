import { DateTime } from 'luxon';
import type { BusinessHoursConfig } from './service-options';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Opening hours in the service's own time zone; null config = always open. */
export class BusinessHours {
  private constructor(private readonly cfg: BusinessHoursConfig | null) {}

  static from(cfg: BusinessHoursConfig | null): BusinessHours {
    if (cfg && !DateTime.now().setZone(cfg.timezone).isValid) {
      throw new Error(`_business_hours.timezone: "${cfg.timezone}" is not a known IANA time zone`);
    }
    return new BusinessHours(cfg);
  }

  get alwaysOpen(): boolean {
    return this.cfg === null;
  }

  get timezone(): string {
    return this.cfg?.timezone ?? 'UTC';
  }

  /** true when `epochMs` falls inside an opening range (start inclusive, end exclusive) */
  isOpen(epochMs: number): boolean {
    if (!this.cfg) return true;
    const t = DateTime.fromMillis(epochMs, { zone: this.cfg.timezone });
    if (this.cfg.holidays?.includes(t.toISODate() ?? '')) return false;
    const ranges = this.cfg.weekly[DAYS[t.weekday - 1]] ?? [];
    const minute = t.hour * 60 + t.minute + t.second / 60;
    return ranges.some((r) => {
      const [a, b] = r.split('-').map(toMinutes);
      return minute >= a && minute < b;
    });
  }
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** one agent's figures for the current day, as the supervisor page shows them */
export interface AgentDayView {
  /** the day (UTC) the figures are for, YYYY-MM-DD */
  day: string;
  /** calls the agent talked on that ended today (a consultation taken for a colleague counts too) */
  calls: number;
  talkSec: number;
  /** time spent in after-call work (wrap-up), whether it ran out or the agent ended it */
  afterCallWorkSec: number;
  /** (talk + after-call work) / calls; null before the first call */
  avgHandleSec: number | null;
  /** wrap-ups recorded today, by disposition code */
  dispositions: Record<string, number>;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * An agent's figures for today (UTC), kept by the queue as calls end, after-call work ends and wrap-ups are
 * recorded. In memory: a restart of the service starts them again from zero.
 */
export class AgentDay {
  private day: string;
  private calls = 0;
  private talkSec = 0;
  private acwSec = 0;
  private dispositions = new Map<string, number>();

  constructor(now: number) {
    this.day = dayOf(now);
  }

  callEnded(now: number, talkSec: number): void {
    this.roll(now);
    this.calls++;
    this.talkSec += talkSec;
  }

  afterCallWorkEnded(now: number, sec: number): void {
    this.roll(now);
    this.acwSec += sec;
  }

  wrappedUp(now: number, disposition: string): void {
    this.roll(now);
    this.dispositions.set(disposition, (this.dispositions.get(disposition) ?? 0) + 1);
  }

  view(now: number): AgentDayView {
    this.roll(now);
    const round = (x: number) => Math.round(x * 10) / 10;
    return {
      day: this.day,
      calls: this.calls,
      talkSec: round(this.talkSec),
      afterCallWorkSec: round(this.acwSec),
      avgHandleSec: this.calls ? round((this.talkSec + this.acwSec) / this.calls) : null,
      dispositions: Object.fromEntries([...this.dispositions].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  /** a new day starts the figures again */
  private roll(now: number): void {
    const d = dayOf(now);
    if (d === this.day) return;
    this.day = d;
    this.calls = 0;
    this.talkSec = 0;
    this.acwSec = 0;
    this.dispositions = new Map();
  }
}

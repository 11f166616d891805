/**
 * How fast live callers of one target hang up while they wait: the abandonment rate of an exponential
 * patience, learned from the callers who left the line (answered or abandoned).
 *
 * Maximum likelihood for exponential patience with censoring: rate = abandonments ÷ total seconds callers
 * waited (an answered caller counts the seconds it waited, without abandoning). Both sums are exponentially
 * weighted per caller, and the seconds start with `priorSec` of waiting without a hang-up, so that the first
 * caller who hangs up after 2 s does not make every caller look that impatient.
 */
export class AbandonmentStats {
  private abandoned = 0;
  private waitedSec = 0;

  constructor(
    /** weight of the newest caller (0..1]: 0.002 remembers about the last 500 callers */
    private readonly weight = 0.002,
    private readonly priorSec = 300,
  ) {}

  /** a live caller left the line after `waitedSec`: to an agent, or hung up (`abandoned`) */
  record(waitedSec: number, abandoned: boolean): void {
    const keep = 1 - this.weight;
    this.abandoned = this.abandoned * keep + (abandoned ? 1 : 0);
    this.waitedSec = this.waitedSec * keep + Math.max(0, waitedSec);
  }

  /** hang-ups per second of waiting; 0 until a caller hung up */
  get ratePerSec(): number {
    return this.abandoned / (this.waitedSec + this.priorSec);
  }
}

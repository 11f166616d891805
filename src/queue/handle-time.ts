import { logNormalFromMean, type LogNormal } from './log-normal';

/** spread of ln(talk time) assumed before enough calls were measured (a coefficient of variation near 0.75) */
const PRIOR_SIGMA = 0.65;
/** never trust a spread narrower than this (a few identical calls would otherwise make every estimate certain) */
const MIN_SIGMA = 0.05;

/**
 * Exponentially weighted talk-time statistics of one target: the mean, and the mean and variance of the
 * logarithm (a log-normal fit used to sample the time left on calls in progress).
 * Starts from the configured handle time; each measured call moves the figures by `alpha` of the difference.
 */
export class HandleTimeStats {
  private meanSec: number;
  private logMean: number;
  private logVar: number;
  private n = 0;

  constructor(
    initialSec: number,
    private readonly alpha: number,
  ) {
    const prior = logNormalFromMean(initialSec, PRIOR_SIGMA);
    this.meanSec = initialSec;
    this.logMean = prior.mu;
    this.logVar = PRIOR_SIGMA * PRIOR_SIGMA;
  }

  record(talkSec: number): void {
    const x = Math.max(talkSec, 0.5);
    // the first calls weigh more so that a wrong configured value is corrected quickly
    const a = Math.max(this.alpha, 1 / (this.n + 2));
    this.n++;
    this.meanSec += a * (x - this.meanSec);
    const lx = Math.log(x);
    const d = lx - this.logMean;
    this.logMean += a * d;
    this.logVar = (1 - a) * (this.logVar + a * d * d);
  }

  /** exponentially weighted mean talk time, seconds */
  get mean(): number {
    return this.meanSec;
  }

  get samples(): number {
    return this.n;
  }

  /** log-normal fit whose mean is the weighted mean (robust to a skewed log mean early on) */
  distribution(): LogNormal {
    const sigma = Math.max(MIN_SIGMA, Math.sqrt(this.logVar));
    return logNormalFromMean(this.meanSec, sigma);
  }
}

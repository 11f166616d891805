/**
 * The least EWT error any predictor can have in the M/M/N queue (Poisson arrivals, exponential talk times,
 * N agents, nobody hangs up), as a share of the mean wait, at agent occupancy ρ. A closed form, no simulation.
 *
 * A caller who finds an agent free waits 0 and every predictor knows it. A caller who finds all N agents busy
 * and k callers ahead waits for k + 1 departures; with exponential talk times the agents free up as a Poisson
 * process of rate Nμ whatever has happened before (memoryless: how long calls have lasted tells nothing), so
 * the wait is Gamma(k + 1, Nμ) *given everything an ACD can know*. The best prediction for the mean absolute
 * error is its median, and its error E|W − median| is what no predictor can remove. In M/M/N, given that a
 * caller waits, k is geometric: P(k) = (1 − ρ) ρ^k, and the mean wait of those who wait is 1 / (Nμ (1 − ρ)).
 * Both the error and the mean wait scale with the share who wait and with 1/(Nμ), so the ratio depends on ρ
 * alone: not on N, not on the mean talk time.
 *
 * For Gamma(s, 1) with median m: E|X − m| = E[X] − 2 E[X; X < m] = s (1 − 2 F_{s+1}(m)), and
 * F_{s+1}(m) = F_s(m) − m^s e^−m / s! = 1/2 − m^s e^−m / s!, so E|X − m| = 2 m^s e^−m / (s − 1)!.
 */
export function mmnEwtFloor(rho: number): number {
  if (!(rho > 0 && rho < 1)) throw new RangeError('occupancy must be in (0, 1)');
  let mae = 0;
  let p = 1 - rho;
  let logFactorial = 0; // ln (s − 1)!
  for (let s = 1; p > 1e-13; s++, p *= rho) {
    if (s > 1) logFactorial += Math.log(s - 1);
    const m = erlangMedian(s);
    mae += p * 2 * Math.exp(s * Math.log(m) - m - logFactorial);
  }
  // mean wait of those who wait, in units of 1 / (Nμ): 1 / (1 − ρ)
  return mae * (1 - rho);
}

/** CDF at x of the Erlang distribution (Gamma with integer shape s, rate 1): 1 − Σ_{j<s} e^−x x^j / j! */
export function erlangCdf(s: number, x: number): number {
  if (x <= 0) return 0;
  let term = Math.exp(-x);
  let sum = term;
  for (let j = 1; j < s; j++) {
    term *= x / j;
    sum += term;
  }
  return Math.min(1, Math.max(0, 1 - sum));
}

/** median of Gamma(s, 1): by bisection on the CDF up to s = 40, then Choi's expansion (error far below 1e-6 there) */
export function erlangMedian(s: number): number {
  if (s > 40) return s - 1 / 3 + 8 / (405 * s) + 184 / (25515 * s * s) + 2248 / (3444525 * s * s * s);
  let lo = 0;
  let hi = 2 * s + 10;
  for (let i = 0; i < 80; i++) {
    const m = (lo + hi) / 2;
    if (erlangCdf(s, m) < 0.5) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

/** the occupancy at which the floor falls to `share` (bisection; the floor falls as ρ rises) */
export function occupancyForFloor(share: number): number {
  let lo = 0.01;
  let hi = 0.999;
  for (let i = 0; i < 40; i++) {
    const m = (lo + hi) / 2;
    if (mmnEwtFloor(m) > share) lo = m;
    else hi = m;
  }
  return (lo + hi) / 2;
}

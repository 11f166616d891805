/** The log-normal distribution of handle times: CDF, quantile and sampling of the time left given the time spent. */

/** standard normal CDF (Abramowitz & Stegun 7.1.26 through erf; error < 1.5e-7) */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/** standard normal quantile (Acklam's rational approximation; relative error < 1.2e-9) */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** parameters of ln(X) */
export interface LogNormal {
  mu: number;
  sigma: number;
}

export const logNormalFromMean = (mean: number, sigma: number): LogNormal => ({ mu: Math.log(mean) - (sigma * sigma) / 2, sigma });
export const logNormalMean = (d: LogNormal): number => Math.exp(d.mu + (d.sigma * d.sigma) / 2);

export function logNormalCdf(d: LogNormal, x: number): number {
  if (x <= 0) return 0;
  return normalCdf((Math.log(x) - d.mu) / d.sigma);
}

/** P(X ≤ elapsed + within | X > elapsed): chance a call that has run `elapsed` ends within `within` */
export function endsWithin(d: LogNormal, elapsed: number, within: number): number {
  const survived = 1 - logNormalCdf(d, elapsed);
  if (survived < 1e-9) return 1;
  return (logNormalCdf(d, elapsed + within) - logNormalCdf(d, elapsed)) / survived;
}

/** a sample of X - elapsed given X > elapsed, using the uniform `u` in [0, 1) */
export function sampleRemaining(d: LogNormal, elapsed: number, u: number): number {
  const f0 = logNormalCdf(d, elapsed);
  const p = Math.min(f0 + (1 - f0) * u, 1 - 1e-12);
  return Math.max(0, Math.exp(d.mu + d.sigma * normalQuantile(p)) - elapsed);
}

/** a sample of X using the uniform `u` */
export const sampleLogNormal = (d: LogNormal, u: number): number => Math.exp(d.mu + d.sigma * normalQuantile(Math.min(Math.max(u, 1e-12), 1 - 1e-12)));

/** Goertzel power of one frequency over a block, plus tone purity (share of the block's energy in it). */

const coeffCache = new Map<number, number>();

function coeff(freqHz: number, sampleRate: number): number {
  const key = freqHz * 100000 + sampleRate;
  let c = coeffCache.get(key);
  if (c === undefined) {
    c = 2 * Math.cos((2 * Math.PI * freqHz) / sampleRate);
    coeffCache.set(key, c);
  }
  return c;
}

/** |X(f)|^2 of samples[start, start+n) */
export function goertzelPower(
  samples: ArrayLike<number>,
  start: number,
  n: number,
  freqHz: number,
  sampleRate: number,
): number {
  const c = coeff(freqHz, sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < start + n; i++) {
    const s0 = samples[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/**
 * Purity in [0, 1]: 2|X(f)|^2 / (n * sum x^2). A pure sinusoid exactly on f gives 1;
 * speech (many harmonics) and noise give much less.
 */
export function tonePurity(power: number, n: number, sumSquares: number): number {
  if (sumSquares <= 0) return 0;
  return Math.min(1, (2 * power) / (n * sumSquares));
}

/**
 * EXPERIMENTAL (benchmark only; the shipped engine does not use it): how much a finished greeting looks like
 * the first part of a recorded one, a small logistic regression over the greeting's shape, asked once the
 * short wait after it has passed. It only chooses the wait after a greeting longer than `shortGreetingMs`:
 * `longGreetingSilenceMs` when it looks recorded, `afterGreetingSilenceMs` when it does not. A "hello?" always
 * gets the short wait.
 *
 * Features (measured on the engine's own words and frames, nothing about the text):
 *   greetingSec      first word start to last word end
 *   words            speech runs (minWordMs, pauses up to betweenWordsSilenceMs inside)
 *   syllables        peaks of the 30 ms-smoothed frame energy inside speech that rise and fall 4 dB
 *   syllableRate     syllables per second of speech
 *   voicedFraction   share of the greeting that is speech (the rest: pauses)
 *   longestPauseSec  longest pause inside the greeting
 *   levelSpreadDb    standard deviation of the speech frames' energy, dB
 *   lastWordSec      the last word's length
 * The engine records them in the evidence (`greeting`) whether or not a model is used.
 *
 * `npm run bench:amd` trains one model per left-out source (on the other sources' features) and measures it
 * on the left-out source; see docs/amd.md "Greeting model" for what it did and why it is not shipped.
 */

export const GREETING_FEATURES = [
  'greetingSec',
  'words',
  'syllables',
  'syllableRate',
  'voicedFraction',
  'longestPauseSec',
  'levelSpreadDb',
  'lastWordSec',
] as const;
export type GreetingFeatureName = (typeof GREETING_FEATURES)[number];
export type GreetingFeatures = Record<GreetingFeatureName, number>;

export interface GreetingModel {
  /** the feature names, in the order of `mean`, `scale` and `weights` */
  features: readonly GreetingFeatureName[];
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** what it was trained on (files, sources), for the record */
  trainedOn?: Record<string, unknown>;
}

/** P(recorded greeting) for these features, 0..1 */
export function recordedLikelihood(model: GreetingModel, f: GreetingFeatures): number {
  let z = model.bias;
  for (let i = 0; i < model.features.length; i++) {
    z += model.weights[i]! * ((f[model.features[i]!] - model.mean[i]!) / model.scale[i]!);
  }
  return 1 / (1 + Math.exp(-z));
}

/** throws naming `where` unless `v` is a usable model */
export function checkModel(v: unknown, where: string): GreetingModel {
  const m = v as Partial<GreetingModel> | null;
  const n = m?.features?.length ?? 0;
  const ok =
    m &&
    Array.isArray(m.features) &&
    m.features.every((f) => (GREETING_FEATURES as readonly string[]).includes(f)) &&
    [m.mean, m.scale, m.weights].every((a) => Array.isArray(a) && a.length === n && a.every((x) => Number.isFinite(x))) &&
    m.scale!.every((x) => x > 0) &&
    Number.isFinite(m.bias);
  if (!ok) throw new Error(`${where}: not a greeting model (features, mean, scale, weights, bias)`);
  return m as GreetingModel;
}

/**
 * Logistic regression by batch gradient descent on standardised features, L2-regularised, classes weighted
 * to equal total weight (so the model is not just the class ratio of the training corpus).
 */
export function trainGreetingModel(
  rows: GreetingFeatures[],
  labels: boolean[],
  opts: { l2?: number; iterations?: number; rate?: number; trainedOn?: Record<string, unknown> } = {},
): GreetingModel {
  const names = GREETING_FEATURES;
  const d = names.length;
  const n = rows.length;
  const l2 = opts.l2 ?? 0.05;
  const iterations = opts.iterations ?? 2000;
  const rate = opts.rate ?? 0.5;
  const mean = names.map((k) => rows.reduce((s, r) => s + r[k], 0) / Math.max(1, n));
  const scale = names.map((k, j) => {
    const v = rows.reduce((s, r) => s + (r[k] - mean[j]!) ** 2, 0) / Math.max(1, n);
    return v > 1e-9 ? Math.sqrt(v) : 1; // a feature that does not vary: left as it is
  });
  const x = rows.map((r) => names.map((k, j) => (r[k] - mean[j]!) / scale[j]!));
  const pos = labels.filter(Boolean).length;
  const wPos = pos > 0 ? n / (2 * pos) : 1;
  const wNeg = n - pos > 0 ? n / (2 * (n - pos)) : 1;
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let it = 0; it < iterations; it++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!;
      let z = b;
      for (let j = 0; j < d; j++) z += w[j]! * xi[j]!;
      const p = 1 / (1 + Math.exp(-z));
      const y = labels[i] ? 1 : 0;
      const c = (labels[i] ? wPos : wNeg) * (p - y);
      for (let j = 0; j < d; j++) gw[j]! += c * xi[j]!;
      gb += c;
    }
    for (let j = 0; j < d; j++) w[j] = w[j]! - rate * (gw[j]! / n + l2 * w[j]!);
    b -= rate * (gb / n);
  }
  const round = (v: number): number => Math.round(v * 1e4) / 1e4 || 0; // no -0 (JSON has none)
  return {
    features: names,
    mean: mean.map(round),
    scale: scale.map((v) => Math.max(1e-4, round(v))),
    weights: w.map(round),
    bias: round(b),
    ...(opts.trainedOn ? { trainedOn: opts.trainedOn } : {}),
  };
}

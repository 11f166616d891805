import type { EwtMethod } from '../ports/queue';
import { endsWithin, logNormalCdf, normalQuantile, type LogNormal } from './log-normal';
import { heapify, siftDown } from './agent-heap';
import { Random } from './random';

/** What an agent of the target is doing, as far as the wait of the next contacts is concerned. */
export type AgentLoad =
  | { kind: 'free' }
  /** reserved: the call is being connected and will last a whole handle time */
  | { kind: 'reserved' }
  | { kind: 'busy'; talkElapsedSec: number }
  | { kind: 'acw'; acwRemainingSec: number };

/** The state of one target that EWT methods read. */
export interface EwtSnapshot {
  /** agents that will take contacts of this target (logged in, reachable, not leaving after their call) */
  agents: AgentLoad[];
  /** fitted talk-time distribution (exponentially weighted) */
  talk: LogNormal;
  /** exponentially weighted mean talk time, seconds */
  talkMeanSec: number;
  /** after-call work per call, seconds */
  acwSec: number;
  /** what 'erlang-a' needs to let contacts ahead hang up; the other methods ignore it (none = nobody abandons) */
  abandonment?: Abandonment;
}

/** Abandonment of the contacts ahead, for 'erlang-a'. */
export interface Abandonment {
  /** hang-ups per second of waiting of a live caller (exponential patience, learned by the target) */
  ratePerSec: number;
  /** the line in order: true where the contact may hang up while waiting (a live caller; callbacks do not) */
  mayAbandon: readonly boolean[];
}

/** Monte Carlo runs of the simulation-informed method; fixed seed so the same state gives the same answer. */
const SAMPLES = 101;
const SEED = 0x5eed;
/** a separate stream for patience draws, so 'erlang' and 'erlang-a' draw the same talk times */
const PATIENCE_SEED = 0xab4d;

/**
 * Seconds until the contact with `ahead` contacts before it reaches an agent, or `undefined` when no agent
 * serves the target. The caller maps `undefined` to the target's `maxEwtSec`.
 */
export function estimateWait(s: EwtSnapshot, ahead: number, method: EwtMethod): number | undefined {
  if (s.agents.length === 0) return undefined;
  const free = s.agents.reduce((n, a) => n + (a.kind === 'free' ? 1 : 0), 0);
  if (free > ahead) return 0;
  switch (method) {
    case 'simple':
      return simpleWait(s, ahead);
    case 'erlang':
      return simulatedWait(s, ahead);
    case 'erlang-a':
      return simulatedWait(s, ahead, true);
  }
}

/**
 * 'simple': a deterministic projection. Each agent is free at a known time (now when free; the mean talk
 * time minus what the current call has already lasted, at least a tenth of the mean, plus after-call work);
 * afterwards every agent takes a contact each `mean talk + after-call work`. The contact waits until the
 * agent that takes it is free.
 */
export function simpleWait(s: EwtSnapshot, ahead: number): number {
  const h = s.talkMeanSec + s.acwSec;
  const freeAt = s.agents
    .map((a) => {
      switch (a.kind) {
        case 'free':
          return 0;
        case 'reserved':
          return h;
        case 'busy':
          return Math.max(s.talkMeanSec - a.talkElapsedSec, s.talkMeanSec / 10) + s.acwSec;
        case 'acw':
          return a.acwRemainingSec;
      }
    })
    .sort((x, y) => x - y);
  const n = freeAt.length;
  // every agent adds the same h per round, so their order never changes
  return freeAt[ahead % n]! + Math.floor(ahead / n) * h;
}

/**
 * 'erlang' (simulation-informed): the M/G/N queue seen from now. Each run samples the time left on every
 * call in progress from the fitted log-normal *given how long the call has already lasted*, then serves the
 * contacts ahead one by one on the first agent to come free, each with a sampled talk time. The answer is the
 * median over the runs (the median minimises the mean absolute error). With exponential talk times this is
 * exactly the Erlang C conditional wait: a Gamma(ahead + 1, N / h) variable.
 */
export function simulatedWait(s: EwtSnapshot, ahead: number, withAbandonment = false): number {
  return simulatedWaits(s, ahead, withAbandonment)[ahead]!;
}

/**
 * `simulatedWait` for every position 0..maxAhead in one pass (each run gives the whole departure sequence).
 * Each run has its own seed, so a position's answer does not depend on `maxAhead`. Beyond
 * 20 × agents + 200 positions the line is long enough for the law of large numbers: each further position
 * adds (mean talk + after-call work) ÷ agents.
 *
 * `withAbandonment` ('erlang-a', M/G/N+M): in each run every live caller of the line (`s.abandonment`) gets an
 * exponential patience from now (memoryless: how long it has waited does not matter) and hangs up when it runs
 * out before an agent takes it; the agent then takes the next contact. The answer for a position is its wait
 * *if it stays* (its own patience never shortens it): a contact that left in a run is given the time the agent
 * it would have taken came free.
 */
export function simulatedWaits(s: EwtSnapshot, maxAhead: number, withAbandonment = false): Float64Array {
  const n = s.agents.length;
  if (n === 0) return new Float64Array(maxAhead + 1).fill(Infinity);
  const simulated = Math.min(maxAhead, 20 * n + 200);
  const { mu, sigma } = s.talk;
  // per agent: the CDF at the time already spent (busy), so each run only draws a uniform above it
  const spentCdf = s.agents.map((a) => (a.kind === 'busy' ? logNormalCdf(s.talk, a.talkElapsedSec) : 0));
  const freeAt = new Float64Array(n);
  const heap = new Int32Array(n);
  const byPosition = new Float64Array(SAMPLES * (simulated + 1));
  const rate = withAbandonment ? (s.abandonment?.ratePerSec ?? 0) : 0;
  const mayAbandon = s.abandonment?.mayAbandon ?? [];
  for (let run = 0; run < SAMPLES; run++) {
    const rng = new Random(SEED + run * 7919);
    const patience = new Random(PATIENCE_SEED + run * 7919);
    for (let i = 0; i < n; i++) {
      const a = s.agents[i]!;
      if (a.kind === 'free') freeAt[i] = 0;
      else if (a.kind === 'acw') freeAt[i] = a.acwRemainingSec;
      else if (a.kind === 'reserved') freeAt[i] = Math.exp(mu + sigma * rng.normal()) + s.acwSec;
      else {
        const f0 = spentCdf[i]!;
        const p = Math.min(f0 + (1 - f0) * rng.next(), 1 - 1e-12);
        freeAt[i] = Math.max(0, Math.exp(mu + sigma * normalQuantile(p)) - a.talkElapsedSec) + s.acwSec;
      }
    }
    heapify(heap, freeAt);
    let k = 0;
    while (k <= simulated) {
      const t = freeAt[heap[0]!]!;
      // contacts that hung up before this agent came free: it would have been theirs had they stayed
      while (rate > 0 && k <= simulated && mayAbandon[k] === true && patience.exponential(1 / rate) <= t) byPosition[k++ * SAMPLES + run] = t;
      if (k > simulated) break;
      byPosition[k++ * SAMPLES + run] = t;
      // the agent free first takes the contact
      freeAt[heap[0]!] = t + Math.exp(mu + sigma * rng.normal()) + s.acwSec;
      siftDown(heap, freeAt, 0);
    }
  }
  return medianWaits(byPosition, SAMPLES, simulated, maxAhead, (s.talkMeanSec + s.acwSec) / n);
}

/**
 * The answer of a simulation: for each position 0..simulated the median of its `runs` results (stored
 * position by position), then each further position up to `maxAhead` adds `perContact` seconds.
 */
export function medianWaits(byPosition: Float64Array, runs: number, simulated: number, maxAhead: number, perContact: number): Float64Array {
  const out = new Float64Array(maxAhead + 1);
  for (let k = 0; k <= simulated; k++) out[k] = byPosition.subarray(k * runs, (k + 1) * runs).sort()[runs >> 1]!;
  for (let k = simulated + 1; k <= maxAhead; k++) out[k] = out[simulated]! + (k - simulated) * perContact;
  return out;
}

/** expected number of the target's agents free now or within `withinSec` (fractions count: 0.4 = 40 % chance) */
export function expectedFreeWithin(s: EwtSnapshot, withinSec: number): number {
  let sum = 0;
  for (const a of s.agents) {
    const talkWindow = withinSec - s.acwSec;
    switch (a.kind) {
      case 'free':
        sum += 1;
        break;
      case 'reserved':
        sum += talkWindow > 0 ? logNormalCdf(s.talk, talkWindow) : 0;
        break;
      case 'busy':
        sum += talkWindow > 0 ? endsWithin(s.talk, a.talkElapsedSec, talkWindow) : 0;
        break;
      case 'acw':
        sum += a.acwRemainingSec <= withinSec ? 1 : 0;
        break;
    }
  }
  return sum;
}

/** Erlang C: probability that a contact waits, with `n` agents and offered load `a` erlangs */
export function erlangC(n: number, a: number): number {
  if (n <= 0) return 1;
  if (a >= n) return 1;
  // Erlang B by recursion (numerically stable), then C from B
  let b = 1;
  for (let k = 1; k <= n; k++) b = (a * b) / (k + a * b);
  return b / (1 - (a / n) * (1 - b));
}

/** Erlang C service level: share of contacts answered within `t` seconds (h = mean handle time) */
export function erlangServiceLevel(n: number, a: number, h: number, t: number): number {
  if (n <= 0 || a >= n) return 0;
  return 1 - erlangC(n, a) * Math.exp((-(n - a) * t) / h);
}

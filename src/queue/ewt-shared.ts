import type { EwtMethod } from '../ports/queue';
import { heapify, siftDown } from './agent-heap';
import { medianWaits, type AgentLoad } from './ewt';
import { logNormalCdf, normalQuantile, type LogNormal } from './log-normal';
import { Random } from './random';

/**
 * EWT for targets whose agents also take contacts of other targets (multi-skill agents).
 *
 * The single-target methods (ewt.ts) count every agent of the target as working for it alone. An agent of
 * "sales" and "billing" is not: when it comes free it takes the first contact of either line (higher
 * effective priority first, then the oldest, as QueueService reserves), so billing's callers delay sales'.
 * Here the whole group of targets that share agents is simulated at once: every staffed agent of the group,
 * every line of the group, each contact served by the first agent of its target to come free that has no
 * better contact in its other targets. Agents of the group that do not serve the target matter too: they
 * drain the other lines, which frees shared agents sooner.
 *
 * The three methods keep their meaning: 'simple' is one run with mean times (the deterministic projection),
 * 'erlang' the median of Monte Carlo runs sampling the time left on calls in progress (given how long they
 * have lasted) and each new talk time from the fitted log-normal of the contact's target, 'erlang-a' the same
 * with live callers ahead (of every line) hanging up after their target's exponential patience.
 */

/** one contact in a line, in line order */
export interface LineContact {
  /** effective priority now (QueueService's order: higher first) */
  priority: number;
  /** ms; the tie-break between targets: older first */
  enqueuedAt: number;
  /** a live caller, who may hang up while waiting ('erlang-a'); callbacks never do */
  mayAbandon: boolean;
}

export interface SharedTarget {
  /** fitted talk-time distribution of the target's calls */
  talk: LogNormal;
  talkMeanSec: number;
  acwSec: number;
  /** hang-ups per second of a live caller's waiting ('erlang-a'); 0 = nobody hangs up */
  abandonRatePerSec: number;
  /** the line in order (position 0 first) */
  line: readonly LineContact[];
}

export interface SharedAgent {
  load: AgentLoad;
  /** index of the target of the call in progress (reserved, busy): its talk-time distribution and after-call work */
  callTarget: number;
  /** indices of the targets the agent takes contacts of */
  serves: readonly number[];
}

/** targets linked by agents that serve more than one of them, and those agents */
export interface SharedGroup {
  targets: SharedTarget[];
  agents: SharedAgent[];
}

const SAMPLES = 101;
const SEED = 0x5eed;
const PATIENCE_SEED = 0xab4d;

/**
 * The wait of each position 0..maxAhead of `target`'s line (`Infinity` when no agent of the group serves the
 * target). Positions past the end of the line are contacts entering now with the key `entering` (a new
 * caller: the target's caller priority, enqueued now), who do not hang up: the answer is the wait of a
 * contact that stays.
 */
export function sharedWaits(g: SharedGroup, target: number, maxAhead: number, entering: { priority: number; enqueuedAt: number }, method: EwtMethod): Float64Array {
  const servers = g.agents.filter((a) => a.serves.includes(target)).length;
  if (servers === 0) return new Float64Array(maxAhead + 1).fill(Infinity);
  const own = g.targets[target]!;
  const simulated = Math.min(maxAhead, 20 * servers + 200);
  const lines = g.targets.map((t, i) => (i === target ? extend(t.line, simulated + 1, entering) : t.line));
  const runs = method === 'simple' ? 1 : SAMPLES;
  const byPosition = new Float64Array(runs * (simulated + 1));
  const freeAt = new Float64Array(g.agents.length);
  const heap = new Int32Array(g.agents.length);
  const next = new Int32Array(g.targets.length);
  const patience = lines.map((l) => new Float64Array(l.length));
  const draws = new GroupDraws(g, method);

  for (let run = 0; run < runs; run++) {
    const rng = new Random(SEED + run * 7919);
    const patienceRng = new Random(PATIENCE_SEED + run * 7919);
    draws.start(rng, freeAt);
    next.fill(0);
    for (const p of patience) p.fill(NaN);
    const hungUpBy = (u: number, k: number, at: number): boolean => {
      if (method !== 'erlang-a' || !lines[u]![k]!.mayAbandon) return false;
      const rate = g.targets[u]!.abandonRatePerSec;
      if (rate <= 0) return false;
      if (Number.isNaN(patience[u]![k]!)) patience[u]![k] = patienceRng.exponential(1 / rate);
      return patience[u]![k]! <= at;
    };
    const row = (k: number) => k * runs + run;

    heapify(heap, freeAt);
    while (next[target]! <= simulated) {
      const i = heap[0]!;
      const t = freeAt[i]!;
      if (t === Infinity) {
        for (let k = next[target]!; k <= simulated; k++) byPosition[row(k)] = Infinity;
        break;
      }
      let best = -1;
      for (const u of g.agents[i]!.serves) {
        const line = lines[u]!;
        // callers who hung up before this agent came free; in the target's line, it would have been theirs had they stayed
        while (next[u]! < line.length && hungUpBy(u, next[u]!, t)) {
          if (u === target && next[u]! <= simulated) byPosition[row(next[u]!)] = t;
          next[u]!++;
        }
        if (next[u]! >= line.length) continue;
        if (best < 0 || before(line[next[u]!]!, lines[best]![next[best]!]!)) best = u;
      }
      if (best < 0) {
        freeAt[i] = Infinity; // nothing left for this agent in this run
        siftDown(heap, freeAt, 0);
        continue;
      }
      if (best === target && next[target]! <= simulated) byPosition[row(next[target]!)] = t;
      next[best]!++;
      freeAt[i] = t + draws.talk(best, rng) + draws.acw[best]!;
      siftDown(heap, freeAt, 0);
    }
  }
  return medianWaits(byPosition, runs, simulated, maxAhead, (own.talkMeanSec + own.acwSec) / servers);
}

/** the draws of one group's runs: talk times per target, and when each agent comes free first */
class GroupDraws {
  private readonly simple: boolean;
  private readonly mu: number[];
  private readonly sigma: number[];
  private readonly mean: number[];
  readonly acw: number[];
  /** per agent: the CDF of its call's target at the time already talked (busy), so a run only draws a uniform above it */
  private readonly spent: number[];

  constructor(
    private readonly g: SharedGroup,
    method: EwtMethod,
  ) {
    this.simple = method === 'simple';
    this.mu = g.targets.map((t) => t.talk.mu);
    this.sigma = g.targets.map((t) => t.talk.sigma);
    this.mean = g.targets.map((t) => t.talkMeanSec);
    this.acw = g.targets.map((t) => t.acwSec);
    this.spent = g.agents.map((a) => (a.load.kind === 'busy' ? logNormalCdf(g.targets[a.callTarget]!.talk, a.load.talkElapsedSec) : 0));
  }

  /** a talk time for a contact of target `u`: the mean ('simple') or a sample of the target's fitted log-normal */
  talk(u: number, rng: Random): number {
    return this.simple ? this.mean[u]! : Math.exp(this.mu[u]! + this.sigma[u]! * rng.normal());
  }

  /** when each agent comes free: now, at the end of its after-call work, or after what is left of its call */
  start(rng: Random, freeAt: Float64Array): void {
    for (let i = 0; i < this.g.agents.length; i++) {
      const a = this.g.agents[i]!;
      const u = a.callTarget;
      const load = a.load;
      if (load.kind === 'free') freeAt[i] = 0;
      else if (load.kind === 'acw') freeAt[i] = load.acwRemainingSec;
      else if (load.kind === 'reserved') freeAt[i] = this.talk(u, rng) + this.acw[u]!;
      else if (this.simple) freeAt[i] = Math.max(this.mean[u]! - load.talkElapsedSec, this.mean[u]! / 10) + this.acw[u]!;
      else {
        const q = Math.min(this.spent[i]! + (1 - this.spent[i]!) * rng.next(), 1 - 1e-12);
        freeAt[i] = Math.max(0, Math.exp(this.mu[u]! + this.sigma[u]! * normalQuantile(q)) - load.talkElapsedSec) + this.acw[u]!;
      }
    }
  }
}

/**
 * Every position of every line of the group, and for each target the wait of a new contact entering now with
 * `entering[u]`, in one pass per run: result[u][k] for k < line length, result[u][line length] for the new
 * contact. Each target's new contact is *not served*: it takes the time the agent comes free and leaves that
 * agent free, so the new contacts of the group's targets are each predicted as if they alone were added, and
 * the real contacts as if none were. `Infinity` where no agent serves the target.
 */
export function sharedWaitsAll(g: SharedGroup, entering: readonly { priority: number; enqueuedAt: number }[], method: EwtMethod): Float64Array[] {
  const lines = g.targets.map((t) => t.line);
  const sizes = lines.map((l) => l.length + 1);
  const runs = method === 'simple' ? 1 : SAMPLES;
  const byPosition = sizes.map((n) => new Float64Array(n * runs));
  const freeAt = new Float64Array(g.agents.length);
  const heap = new Int32Array(g.agents.length);
  const next = new Int32Array(g.targets.length);
  const patience = lines.map((l) => new Float64Array(l.length));
  const total = sizes.reduce((a, b) => a + b, 0);
  const newContact: LineContact[] = entering.map((e) => ({ ...e, mayAbandon: false }));
  const draws = new GroupDraws(g, method);
  const withPatience = method === 'erlang-a';
  const rates = g.targets.map((t) => t.abandonRatePerSec);
  const serves = g.agents.map((a) => Int32Array.from(a.serves));
  for (let run = 0; run < runs; run++) {
    const rng = new Random(SEED + run * 7919);
    const patienceRng = new Random(PATIENCE_SEED + run * 7919);
    draws.start(rng, freeAt);
    next.fill(0);
    // each live caller's patience in this run (drawn now, so it does not depend on the order callers are looked at)
    for (let u = 0; u < lines.length; u++) {
      const line = lines[u]!;
      const p = patience[u]!;
      for (let k = 0; k < line.length; k++) p[k] = withPatience && rates[u]! > 0 && line[k]!.mayAbandon ? patienceRng.exponential(1 / rates[u]!) : Infinity;
    }
    let left = total;
    heapify(heap, freeAt);
    while (left > 0) {
      const i = heap[0]!;
      const t = freeAt[i]!;
      if (t === Infinity) break;
      // the best contact this agent can take: the head of each of its lines, or that line's new contact once the line is empty
      let best = -1;
      let bestKey: LineContact | undefined;
      const mine = serves[i]!;
      for (let j = 0; j < mine.length; j++) {
        const u = mine[j]!;
        const line = lines[u]!;
        const p = patience[u]!;
        const out = byPosition[u]!;
        // callers who hung up before this agent came free (it would have been theirs had they stayed)
        while (next[u]! < line.length && p[next[u]!]! <= t) {
          out[next[u]!++ * runs + run] = t;
          left--;
        }
        if (next[u]! > line.length) continue; // line and new contact done
        const key = next[u]! < line.length ? line[next[u]!]! : newContact[u]!;
        if (best < 0 || before(key, bestKey!)) {
          best = u;
          bestKey = key;
        }
      }
      if (best < 0) {
        freeAt[i] = Infinity; // nothing left for this agent in this run
        siftDown(heap, freeAt, 0);
        continue;
      }
      const k = next[best]!++;
      byPosition[best]![k * runs + run] = t;
      left--;
      if (k === lines[best]!.length) continue; // a new contact: predicted, not served; the agent is still free
      freeAt[i] = t + draws.talk(best, rng) + draws.acw[best]!;
      siftDown(heap, freeAt, 0);
    }
    if (left > 0) for (let u = 0; u < lines.length; u++) for (let k = next[u]!; k < sizes[u]!; k++) byPosition[u]![k * runs + run] = Infinity;
  }
  return byPosition.map((b, u) => medianWaits(b, runs, sizes[u]! - 1, sizes[u]! - 1, 0));
}

/** does `a` go before `b` when one agent could take either (QueueService.reserveOne's rule) */
const before = (a: LineContact, b: LineContact): boolean => a.priority > b.priority || (a.priority === b.priority && a.enqueuedAt < b.enqueuedAt);

/** the line, with contacts entering now appended up to `length` */
function extend(line: readonly LineContact[], length: number, entering: { priority: number; enqueuedAt: number }): readonly LineContact[] {
  if (line.length >= length) return line;
  const out = [...line];
  while (out.length < length) out.push({ ...entering, mayAbandon: false });
  return out;
}

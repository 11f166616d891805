import type { EwtMethod } from '../src/ports/queue';
import { targetConfig } from '../src/queue/parse-options';
import { EWT_METHODS, QueueService } from '../src/queue/queue-service';
import { Random } from '../src/queue/random';
import { VirtualTime } from '../src/time';
import { holdLiveCaller, offeredForOccupancy } from './scenario';

/** one target of the multi-skill scenario: its calls and callers */
export interface SkillTarget {
  name: string;
  talkMeanSec: number;
  talkCv: number;
  acwSec: number;
  /** share of all arrivals */
  share: number;
}

/** a group of agents with the same targets */
export interface AgentGroup {
  count: number;
  targets: string[];
}

/**
 * Two or more targets whose agents are partly shared (multi-skill), Poisson arrivals split between the
 * targets, log-normal talk times per target, exponential patience. No callbacks: the EWT of each method is
 * predicted at each live caller's arrival and compared with its actual wait, as in scenario.ts.
 */
export interface MultiSkillScenario {
  targets: SkillTarget[];
  groups: AgentGroup[];
  /** offered load ÷ agents (see calibrateMultiSkill for a measured occupancy) */
  occupancy: number;
  patienceMeanSec: number;
  hours: number;
  warmupHours: number;
  seed: number;
  /** how QueueService counts shared agents ('joint': ewt-shared.ts; 'per-target': fully in each target) */
  multiSkillEwt: 'joint' | 'per-target';
  /** predict and score the EWT at each arrival; default true */
  scoreEwt?: boolean;
}

export interface MultiSkillResult {
  served: number;
  abandoned: number;
  measuredOccupancy: number;
  /** CPU time of one prediction at arrival (estimatedWaitSeconds), microseconds, mean */
  costUs: Record<EwtMethod, number>;
  /** per target and over all targets ('all') */
  byTarget: Record<string, { served: number; meanWaitSec: number; maeSec: Record<EwtMethod, number>; biasSec: Record<EwtMethod, number> }>;
}


/** Run the scenario on the real QueueService with a simulated clock. */
export async function runMultiSkill(s: MultiSkillScenario): Promise<MultiSkillResult> {
  const vt = new VirtualTime(0);
  const targets = s.targets.map((t) => targetConfig(t.name, { afterCallWorkSec: t.acwSec, initialHandleTimeSec: t.talkMeanSec }));
  const agents = s.groups.flatMap((g, gi) => Array.from({ length: g.count }, (_, i) => ({ id: `g${gi}a${i}`, name: `Agent ${gi}.${i}`, targets: g.targets, uri: `sip:g${gi}a${i}@sim` })));
  let nextId = 0;
  const q = new QueueService({ targets, agents }, { clock: vt, timers: vt, newId: () => `r${nextId++}`, multiSkillEwt: s.multiSkillEwt });
  for (const a of agents) q.setReady(a.id);

  const arrivalsRng = new Random(s.seed);
  const talkRng = new Random(s.seed * 7 + 1);
  const patienceRng = new Random(s.seed * 13 + 2);
  const meanHandle = s.targets.reduce((sum, t) => sum + t.share * (t.talkMeanSec + t.acwSec), 0);
  const lambda = (s.occupancy * agents.length) / meanHandle;
  const endMs = s.hours * 3_600_000;
  const warmMs = s.warmupHours * 3_600_000;
  const byName = new Map(s.targets.map((t) => [t.name, t]));
  const zeros = (): Record<EwtMethod, number> => ({ simple: 0, erlang: 0, 'erlang-a': 0 });
  const acc = new Map([...s.targets.map((t) => t.name), 'all'].map((n) => [n, { served: 0, waitSum: 0, abs: zeros(), bias: zeros() }]));
  let served = 0;
  let abandoned = 0;
  let busyMs = 0;
  const costNs = zeros();
  let predictions = 0;

  const arrive = () => {
    const at = vt.now();
    if (at >= endMs) return;
    vt.schedule(arrivalsRng.exponential(1 / lambda) * 1000, arrive);
    const counted = at >= warmMs;
    let u = arrivalsRng.next();
    const t = s.targets.find((x) => (u -= x.share) < 0) ?? s.targets[s.targets.length - 1]!;
    const id = `c${at}:${nextId++}`;
    const predicted = zeros();
    if (s.scoreEwt !== false) {
      for (const m of EWT_METHODS) {
        const t0 = process.hrtime.bigint();
        predicted[m] = q.estimatedWaitSeconds(t.name, m);
        costNs[m] += Number(process.hrtime.bigint() - t0);
      }
      predictions++;
    }
    holdLiveCaller(q, vt, { contactId: id, kind: 'caller', target: t.name, enqueuedAt: at }, patienceRng.exponential(s.patienceMeanSec) * 1000, {
      hungUp: () => {
        if (counted) abandoned++;
      },
      reached: (r, waitSec) => {
        if (counted) {
          served++;
          for (const a of [acc.get(t.name)!, acc.get('all')!]) {
            a.served++;
            a.waitSum += waitSec;
            for (const m of EWT_METHODS) {
              a.abs[m] += Math.abs(predicted[m] - waitSec);
              a.bias[m] += predicted[m] - waitSec;
            }
          }
        }
        q.confirm(r.reservationId);
        const spec = byName.get(r.target)!;
        const talkMs = talkRng.logNormal(spec.talkMeanSec, spec.talkCv) * 1000;
        if (counted) busyMs += talkMs + spec.acwSec * 1000;
        vt.schedule(talkMs, () => q.callEnded(r.reservationId));
      },
    });
  };

  vt.schedule(arrivalsRng.exponential(1 / lambda) * 1000, arrive);
  while (vt.step()) await new Promise<void>((r) => setImmediate(r));
  q.close();

  const byTarget: MultiSkillResult['byTarget'] = {};
  for (const [name, a] of acc) {
    const n = Math.max(a.served, 1);
    const per = (x: Record<EwtMethod, number>) => Object.fromEntries(EWT_METHODS.map((m) => [m, x[m] / n])) as Record<EwtMethod, number>;
    byTarget[name] = { served: a.served, meanWaitSec: a.waitSum / n, maeSec: per(a.abs), biasSec: per(a.bias) };
  }
  const costUs = Object.fromEntries(EWT_METHODS.map((m) => [m, predictions ? costNs[m] / predictions / 1000 : 0])) as Record<EwtMethod, number>;
  return { served, abandoned, measuredOccupancy: busyMs / ((endMs - warmMs) * agents.length), costUs, byTarget };
}

/** the offered load at which the measured occupancy is `occupancy` (see offeredForOccupancy), on runs of `hours` */
export const calibrateMultiSkill = (s: MultiSkillScenario, occupancy: number, hours: number): Promise<number> =>
  offeredForOccupancy(occupancy, async (offered) => (await runMultiSkill({ ...s, occupancy: offered, hours, scoreEwt: false })).measuredOccupancy);

import type { EwtMethod, QueuedContact, Reservation } from '../src/ports/queue';
import { targetConfig } from '../src/queue/parse-options';
import { QueueService, EWT_METHODS } from '../src/queue/queue-service';
import { Random } from '../src/queue/random';
import { VirtualTime } from '../src/time';
import { idealWait, type AgentTruth } from './ideal';
import { oracleWait } from './oracle';

const BUCKETS: { label: string; test: (freeBeyondLine: boolean, ahead: number) => boolean }[] = [
  { label: 'agent free', test: (free) => free },
  { label: 'ahead 0', test: (free, k) => !free && k === 0 },
  { label: 'ahead 1-2', test: (free, k) => !free && k >= 1 && k <= 2 },
  { label: 'ahead 3-5', test: (free, k) => !free && k >= 3 && k <= 5 },
  { label: 'ahead 6+', test: (free, k) => !free && k >= 6 },
];

/** One simulated contact center: a target, N agents, Poisson arrivals, log-normal talk times, impatient callers. */
export interface Scenario {
  agents: number;
  talkMeanSec: number;
  /** coefficient of variation of the log-normal talk time */
  talkCv: number;
  acwSec: number;
  /**
   * offered load ÷ agents: arrival rate × (talk + after-call work) ÷ agents. Not the occupancy: callers who
   * hang up are not served, so the measured occupancy is lower (see `calibrateOccupancy`).
   */
  occupancy: number;
  /** mean of the exponential patience of a live caller on hold */
  patienceMeanSec: number;
  hours: number;
  /** arrivals in the first hour are not counted */
  warmupHours: number;
  seed: number;
  serviceLevelSec: number;
  /** predict and score the EWT at each arrival (runs without callbacks); default true */
  scoreEwt?: boolean;
  /** offer a callback when the EWT is above `offerAboveSec`; undefined = no callbacks */
  callbacks?: { method: EwtMethod; offerAboveSec: number; acceptProbability: number; ringMinSec: number; ringMaxSec: number };
}

/** the methods of src/queue, and two references the simulator alone can compute (see ideal.ts, oracle.ts) */
export type Scored = EwtMethod | 'ideal' | 'oracle';

export interface EwtError {
  /** 'oracle': the reference that knows when calls in progress end (see oracle.ts) */
  method: Scored;
  /** mean absolute error, seconds, over live callers who reached an agent (runs without callbacks) */
  maeSec: number;
  /** mean (predicted − actual): positive = the estimate is too long */
  biasSec: number;
  /**
   * A lower bound of the MAE over *all* arrivals, abandoned callers included: an abandoned caller who left
   * after `t` s would have waited more than `t`, so its error is at least max(0, t − predicted).
   */
  maeWithAbandonedLowerBoundSec: number;
  /** CPU time of one prediction at arrival, microseconds (mean); 0 for the references (not timed) */
  costUs: number;
}

/** Callers grouped by what they found at arrival, to show where the error comes from. */
export interface EwtBucket {
  /** 'agent free' (an agent free beyond the line: EWT 0 by every method), or 'ahead 0', 'ahead 1-2', ... */
  label: string;
  served: number;
  meanWaitSec: number;
  /** MAE by method, seconds */
  maeSec: Record<Scored, number>;
}

export interface ScenarioResult {
  arrivals: number;
  served: number;
  abandoned: number;
  callbacksAccepted: number;
  /** live callers answered within serviceLevelSec ÷ (answered + abandoned after serviceLevelSec) */
  serviceLevel: number;
  /** abandoned ÷ all arrivals (callbacks never abandon in this model) */
  abandonRate: number;
  /** mean wait of live callers who reached an agent, seconds */
  meanWaitSec: number;
  /** callback customers: mean time on the line between answering and an agent */
  callbackOnLineWaitSec: number;
  /** callback customers: mean time from acceptance (their place in line) to an agent */
  callbackTotalWaitSec: number;
  /** measured share of agent time spent with contacts */
  measuredOccupancy: number;
  /** share of served live callers who found no agent free at arrival (waited more than 0) */
  waitedShare: number;
  ewt: EwtError[];
  ewtBuckets: EwtBucket[];
  events: number;
}

const TARGET = 'sales';

/** what each method predicted at a caller's arrival, and what the caller found */
interface Prediction {
  sec: Record<Scored, number>;
  /** contacts in line at arrival */
  ahead: number;
  /** an agent was READY beyond the contacts ahead: every method says 0 and the caller is served at once */
  freeBeyondLine: boolean;
}
const NEVER = 1e12;

/**
 * Run one scenario on the real QueueService with a simulated clock. Live callers enqueue and wait
 * (`reserveAgentFor`) until an agent is reserved or their patience runs out (`remove`); every agent confirms
 * at once and ends the call after a log-normal talk time. With callbacks, a caller whose EWT (at arrival) is
 * above the threshold may accept one: the contact stays in line as a callback with the caller's place, is
 * dialed when `canDispatchCallback` allows (polled every second, like the scheduler), rings, then waits on
 * the line for its agent.
 */
export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  const vt = new VirtualTime(0);
  const handleSec = s.talkMeanSec + s.acwSec;
  const target = targetConfig(TARGET, {
    afterCallWorkSec: s.acwSec,
    initialHandleTimeSec: s.talkMeanSec,
    serviceLevelSec: s.serviceLevelSec,
    maxConsecutiveSameKind: 3,
    ewtMethod: s.callbacks?.method ?? 'erlang',
  });
  const agents = Array.from({ length: s.agents }, (_, i) => ({ id: `a${i}`, name: `Agent ${i}`, targets: [TARGET], uri: `sip:a${i}@sim` }));
  let nextId = 0;
  const q = new QueueService({ targets: [target], agents }, { clock: vt, timers: vt, newId: () => `r${nextId++}` });
  for (const a of agents) q.setReady(a.id);

  const arrivalsRng = new Random(s.seed);
  const talkRng = new Random(s.seed * 7 + 1);
  const patienceRng = new Random(s.seed * 13 + 2);
  const choiceRng = new Random(s.seed * 17 + 3);
  const lambda = (s.occupancy * s.agents) / handleSec;
  const endMs = s.hours * 3_600_000;
  const warmMs = s.warmupHours * 3_600_000;

  let arrivals = 0;
  let served = 0;
  let abandoned = 0;
  let abandonedLate = 0;
  let inSl = 0;
  let waitSum = 0;
  let busyMs = 0;
  const SCORED: Scored[] = [...EWT_METHODS, 'ideal', 'oracle'];
  const zeros = (): Record<Scored, number> => ({ simple: 0, erlang: 0, 'erlang-a': 0, ideal: 0, oracle: 0 });
  const ewtAbs = zeros();
  const ewtBias = zeros();
  /** abandoned callers: the least error their prediction can have had */
  const ewtAbandonedAbs = zeros();
  const ewtCostNs = zeros();
  let predictions = 0;
  let waited = 0;
  const buckets = BUCKETS.map((b) => ({ ...b, served: 0, waitSum: 0, abs: zeros() }));
  /** when each agent's current call and after-call work truly end (the oracle's knowledge) */
  const busyUntil = new Map<string, number>();
  /** each agent's current call (the ideal reference reads what an ACD sees: start, and whether talk is over) */
  const truth = new Map<string, AgentTruth>();
  let cbAccepted = 0;
  let cbServed = 0;
  let cbOnLine = 0;
  let cbTotal = 0;
  const virtualHold: string[] = [];
  let polling = false;

  const startCall = (counted: boolean, reservationId: string, agentId: string) => {
    q.confirm(reservationId);
    const talkMs = talkRng.logNormal(s.talkMeanSec, s.talkCv) * 1000;
    busyUntil.set(agentId, vt.now() + talkMs + s.acwSec * 1000);
    truth.set(agentId, { talkStartSec: vt.now() / 1000, talkEndSec: (vt.now() + talkMs) / 1000, busyUntilSec: (vt.now() + talkMs) / 1000 + s.acwSec });
    if (counted) busyMs += talkMs + s.acwSec * 1000;
    vt.schedule(talkMs, () => q.callEnded(reservationId));
  };

  const liveCaller = (id: string, at: number, counted: boolean, predicted: Prediction | undefined) =>
    holdLiveCaller(q, vt, { contactId: id, kind: 'caller', target: TARGET, enqueuedAt: at }, patienceRng.exponential(s.patienceMeanSec) * 1000, {
      hungUp: () => {
        if (!counted) return;
        abandoned++;
        if (vt.now() - at > s.serviceLevelSec * 1000) abandonedLate++;
        // no actual wait to an agent: excluded from the MAE; it would have waited longer than it stayed
        if (predicted) for (const m of SCORED) ewtAbandonedAbs[m] += Math.max(0, (vt.now() - at) / 1000 - predicted.sec[m]);
      },
      reached: (r, waitSec) => {
        if (counted) {
          served++;
          waitSum += waitSec;
          if (waitSec <= s.serviceLevelSec) inSl++;
          if (waitSec > 0) waited++;
          if (predicted) {
            const b = buckets.find((x) => x.test(predicted.freeBeyondLine, predicted.ahead))!;
            b.served++;
            b.waitSum += waitSec;
            for (const m of SCORED) {
              ewtAbs[m] += Math.abs(predicted.sec[m] - waitSec);
              ewtBias[m] += predicted.sec[m] - waitSec;
              b.abs[m] += Math.abs(predicted.sec[m] - waitSec);
            }
          }
        }
        startCall(counted, r.reservationId, r.agent.agentId);
      },
    });

  const pollCallbacks = () => {
    polling = false;
    while (virtualHold.length) {
      const id = virtualHold[0]!;
      if (!q.canDispatchCallback(TARGET, id)) break;
      virtualHold.shift();
      const ring = s.callbacks!.ringMinSec + choiceRng.next() * (s.callbacks!.ringMaxSec - s.callbacks!.ringMinSec);
      vt.schedule(ring * 1000, () => {
        const answeredAt = vt.now();
        const acceptedAt = Number(id.split(':')[1]);
        const counted = acceptedAt >= warmMs;
        void q.reserveAgentFor(id, { timeoutMs: NEVER }).then((r) => {
          if (!r) return;
          if (counted) {
            cbServed++;
            cbOnLine += (vt.now() - answeredAt) / 1000;
            cbTotal += (vt.now() - acceptedAt) / 1000;
          }
          startCall(counted, r.reservationId, r.agent.agentId);
        });
      });
    }
    if (virtualHold.length) armPoll();
  };
  const armPoll = () => {
    if (polling) return;
    polling = true;
    vt.schedule(1000, pollCallbacks);
  };

  const arrive = () => {
    const at = vt.now();
    if (at >= endMs) return;
    vt.schedule(arrivalsRng.exponential(1 / lambda) * 1000, arrive);
    const counted = at >= warmMs;
    if (counted) arrivals++;
    const id = `c${arrivals}:${at}`;
    let predicted: Prediction | undefined;
    if (!s.callbacks && s.scoreEwt !== false) {
      // the prediction is taken at arrival, before the caller joins the line: the wait of a new contact
      const freeIn = agents.map((a) => Math.max(0, ((busyUntil.get(a.id) ?? 0) - at) / 1000));
      const ahead = q.queueLength(TARGET);
      const sec = zeros();
      for (const m of EWT_METHODS) {
        const t0 = process.hrtime.bigint();
        sec[m] = q.estimatedWaitSeconds(TARGET, m);
        if (counted) ewtCostNs[m] += Number(process.hrtime.bigint() - t0);
      }
      if (counted) predictions++;
      // without callbacks every contact in line is a live caller who may hang up
      const idle: AgentTruth = { talkStartSec: 0, talkEndSec: 0, busyUntilSec: 0 };
      sec.ideal = idealWait(at / 1000, agents.map((a) => truth.get(a.id) ?? idle), ahead, s.talkMeanSec, s.talkCv, s.acwSec, s.patienceMeanSec);
      sec.oracle = oracleWait(freeIn, ahead, s.talkMeanSec, s.talkCv, s.acwSec, s.patienceMeanSec);
      predicted = { sec, ahead, freeBeyondLine: freeIn.filter((x) => x === 0).length > ahead };
    }
    if (s.callbacks) {
      const ewt = q.estimatedWaitSeconds(TARGET, s.callbacks.method);
      if (ewt > s.callbacks.offerAboveSec && choiceRng.next() < s.callbacks.acceptProbability) {
        if (counted) cbAccepted++;
        q.enqueue({ contactId: id, kind: 'callback', target: TARGET, enqueuedAt: at });
        virtualHold.push(id);
        armPoll();
        return;
      }
    }
    liveCaller(id, at, counted, predicted);
  };

  vt.schedule(arrivalsRng.exponential(1 / lambda) * 1000, arrive);
  let events = 0;
  while (vt.step()) {
    events++;
    // let promise continuations (reservations resolved) run before the next event
    await new Promise<void>((r) => setImmediate(r));
  }
  q.close();

  const measuredSpanMs = endMs - warmMs;
  const nServed = Math.max(served, 1);
  return {
    arrivals,
    served,
    abandoned,
    callbacksAccepted: cbAccepted,
    serviceLevel: inSl / Math.max(served + abandonedLate, 1),
    abandonRate: abandoned / Math.max(arrivals, 1),
    meanWaitSec: waitSum / nServed,
    callbackOnLineWaitSec: cbServed ? cbOnLine / cbServed : 0,
    callbackTotalWaitSec: cbServed ? cbTotal / cbServed : 0,
    measuredOccupancy: busyMs / (measuredSpanMs * s.agents),
    waitedShare: waited / nServed,
    ewt: SCORED.map((method) => ({
      method,
      maeSec: ewtAbs[method] / nServed,
      biasSec: ewtBias[method] / nServed,
      maeWithAbandonedLowerBoundSec: (ewtAbs[method] + ewtAbandonedAbs[method]) / Math.max(served + abandoned, 1),
      costUs: predictions ? ewtCostNs[method] / predictions / 1000 : 0,
    })),
    ewtBuckets: buckets.map((b) => ({
      label: b.label,
      served: b.served,
      meanWaitSec: b.served ? b.waitSum / b.served : 0,
      maeSec: Object.fromEntries(SCORED.map((m) => [m, b.served ? b.abs[m] / b.served : 0])) as Record<Scored, number>,
    })),
    events,
  };
}

/**
 * The offered load at which the agents' measured occupancy is `occupancy` (callers who hang up are offered but
 * not served, so it must be higher): a few fixed-point steps offered × target ÷ measured, `measure` running the
 * scenario at an offered load and returning its measured occupancy.
 */
export async function offeredForOccupancy(occupancy: number, measure: (offered: number) => Promise<number>): Promise<number> {
  let offered = occupancy;
  for (let i = 0; i < 4; i++) offered = Math.min(offered * (occupancy / (await measure(offered))), 1.5);
  return Math.round(offered * 1000) / 1000;
}

/** `offeredForOccupancy` for one target, on runs of `hours` */
export const calibrateOccupancy = (s: Scenario, occupancy: number, hours: number): Promise<number> =>
  offeredForOccupancy(occupancy, async (offered) => (await runScenario({ ...s, occupancy: offered, hours, scoreEwt: false })).measuredOccupancy);

/**
 * A live caller on hold in the simulation: enqueued, waits for an agent (`reached`, with its wait in seconds)
 * or hangs up after `patienceMs` (`hungUp`), whichever comes first.
 */
export function holdLiveCaller(
  q: QueueService,
  vt: VirtualTime,
  contact: QueuedContact,
  patienceMs: number,
  on: { hungUp(): void; reached(r: Reservation, waitSec: number): void },
): void {
  q.enqueue(contact);
  const patience = vt.schedule(patienceMs, () => {
    q.remove(contact.contactId);
    on.hungUp();
  });
  void q.reserveAgentFor(contact.contactId, { timeoutMs: NEVER }).then((r) => {
    if (!r) return;
    patience.cancel();
    on.reached(r, (vt.now() - contact.enqueuedAt) / 1000);
  });
}

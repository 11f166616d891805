import type { EwtMethod } from '../src/ports/queue';
import { targetConfig } from '../src/queue/parse-options';
import { QueueService, EWT_METHODS } from '../src/queue/queue-service';
import { Random } from '../src/queue/random';
import { VirtualTime } from '../src/queue/timers';
import { oracleWait } from './oracle';

/** One simulated contact center: a target, N agents, Poisson arrivals, log-normal talk times, impatient callers. */
export interface Scenario {
  agents: number;
  talkMeanSec: number;
  /** coefficient of variation of the log-normal talk time */
  talkCv: number;
  acwSec: number;
  /** offered load ÷ agents: arrival rate × (talk + after-call work) ÷ agents */
  occupancy: number;
  /** mean of the exponential patience of a live caller on hold */
  patienceMeanSec: number;
  hours: number;
  /** arrivals in the first hour are not counted */
  warmupHours: number;
  seed: number;
  serviceLevelSec: number;
  /** offer a callback when the EWT is above `offerAboveSec`; undefined = no callbacks */
  callbacks?: { method: EwtMethod; offerAboveSec: number; acceptProbability: number; ringMinSec: number; ringMaxSec: number };
}

export interface EwtError {
  /** 'oracle': the reference that knows when calls in progress end (see oracle.ts) */
  method: EwtMethod | 'oracle';
  /** mean absolute error, seconds, over live callers who reached an agent (runs without callbacks) */
  maeSec: number;
  /** mean (predicted − actual): positive = the estimate is too long */
  biasSec: number;
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
  ewt: EwtError[];
  events: number;
}

const TARGET = 'sales';
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
  type Scored = EwtMethod | 'oracle';
  const SCORED: Scored[] = [...EWT_METHODS, 'oracle'];
  const ewtAbs: Record<Scored, number> = { simple: 0, erlang: 0, oracle: 0 };
  const ewtBias: Record<Scored, number> = { simple: 0, erlang: 0, oracle: 0 };
  /** when each agent's current call and after-call work truly end (the oracle's knowledge) */
  const busyUntil = new Map<string, number>();
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
    if (counted) busyMs += talkMs + s.acwSec * 1000;
    vt.schedule(talkMs, () => q.callEnded(reservationId));
  };

  const liveCaller = (id: string, at: number, counted: boolean, predicted: Record<Scored, number> | undefined) => {
    q.enqueue({ contactId: id, kind: 'caller', target: TARGET, enqueuedAt: at });
    const patience = vt.schedule(patienceRng.exponential(s.patienceMeanSec) * 1000, () => {
      q.remove(id);
      if (!counted) return;
      abandoned++;
      if (vt.now() - at > s.serviceLevelSec * 1000) abandonedLate++;
    });
    void q.reserveAgentFor(id, { timeoutMs: NEVER }).then((r) => {
      if (!r) return;
      patience.cancel();
      const waitSec = (vt.now() - at) / 1000;
      if (counted) {
        served++;
        waitSum += waitSec;
        if (waitSec <= s.serviceLevelSec) inSl++;
        if (predicted) for (const m of SCORED) {
          ewtAbs[m] += Math.abs(predicted[m] - waitSec);
          ewtBias[m] += predicted[m] - waitSec;
        }
      }
      startCall(counted, r.reservationId, r.agent.agentId);
    });
  };

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
    let predicted: Record<Scored, number> | undefined;
    if (!s.callbacks) {
      const freeIn = agents.map((a) => Math.max(0, ((busyUntil.get(a.id) ?? 0) - at) / 1000));
      predicted = { simple: 0, erlang: 0, oracle: 0 };
      for (const m of EWT_METHODS) predicted[m] = q.estimatedWaitSeconds(TARGET, m);
      predicted.oracle = oracleWait(freeIn, q.queueLength(TARGET), s.talkMeanSec, s.talkCv, s.acwSec);
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
    ewt: SCORED.map((method) => ({ method, maeSec: ewtAbs[method] / nServed, biasSec: ewtBias[method] / nServed })),
    events,
  };
}

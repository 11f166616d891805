import { estimateWait, type AgentLoad } from '../src/queue/ewt';

/** What the simulator knows of one agent at a moment: when its current call started, when the call and its after-call work end. */
export interface AgentTruth {
  talkStartSec: number;
  talkEndSec: number;
  busyUntilSec: number;
}

/**
 * The best a predictor can do with what an ACD knows (who is busy since when, who is in after-call work, the
 * line) if it also had the *true* talk-time distribution and the *true* patience instead of learned ones:
 * 'erlang-a' fed with the simulator's parameters. The gap between it and 'erlang-a' is the cost of learning;
 * the gap between it and the oracle is what the ACD cannot know (when calls in progress will end).
 */
export function idealWait(nowSec: number, agents: AgentTruth[], ahead: number, talkMeanSec: number, talkCv: number, acwSec: number, patienceMeanSec: number): number {
  const loads: AgentLoad[] = agents.map((a) => {
    if (a.busyUntilSec <= nowSec) return { kind: 'free' };
    if (nowSec >= a.talkEndSec) return { kind: 'acw', acwRemainingSec: a.busyUntilSec - nowSec };
    return { kind: 'busy', talkElapsedSec: nowSec - a.talkStartSec };
  });
  const sigma2 = Math.log(1 + talkCv * talkCv);
  const talk = { mu: Math.log(talkMeanSec) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
  const snap = { agents: loads, talk, talkMeanSec, acwSec, abandonment: { ratePerSec: 1 / patienceMeanSec, mayAbandon: new Array<boolean>(ahead).fill(true) } };
  return estimateWait(snap, ahead, 'erlang-a') ?? Infinity;
}

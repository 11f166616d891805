import assert from 'node:assert/strict';
import { erlangCdf, erlangMedian, mmnEwtFloor, occupancyForFloor } from '../../../sim/floor';
import { runMultiSkill, type MultiSkillScenario } from '../../../sim/multi-skill';
import { Random } from '../../../src/queue/random';

/**
 * An M/M/N queue simulated directly (FCFS, nobody hangs up): each caller's wait and the number of callers ahead
 * at arrival; the EWT error of a predictor `predict(k)` for callers who wait (0 for those who find an agent free),
 * as a share of the mean wait.
 */
function mmnError(n: number, rho: number, callers: number, predict: (ahead: number) => number, seed = 11): number {
  const rng = new Random(seed);
  const freeAt = new Float64Array(n);
  const starts: number[] = []; // service start times of callers still waiting at some later arrival (nondecreasing)
  let head = 0;
  let t = 0;
  let abs = 0;
  let waitSum = 0;
  for (let i = 0; i < callers; i++) {
    t += rng.exponential(1 / (rho * n)); // talk mean 1, so the arrival rate is ρN
    while (head < starts.length && starts[head]! <= t) head++;
    const ahead = starts.length - head;
    let a = 0;
    for (let j = 1; j < n; j++) if (freeAt[j]! < freeAt[a]!) a = j;
    const start = Math.max(t, freeAt[a]!);
    freeAt[a] = start + rng.exponential(1);
    const wait = start - t;
    // all agents busy: the caller waits, with `ahead` callers before it; otherwise every predictor says 0
    const predicted = start > t ? predict(ahead) : 0;
    if (start > t) starts.push(start);
    abs += Math.abs(predicted - wait);
    waitSum += wait;
  }
  return abs / waitSum;
}

describe('simulator: the least EWT error any predictor can have (M/M/N, closed form)', () => {
  it('the Erlang CDF and median are right', () => {
    assert.ok(Math.abs(erlangCdf(1, 1) - (1 - Math.exp(-1))) < 1e-12);
    assert.ok(Math.abs(erlangMedian(1) - Math.LN2) < 1e-9);
    for (const s of [2, 7, 40, 41, 200]) assert.ok(Math.abs(erlangCdf(s, erlangMedian(s)) - 0.5) < 1e-6, `s = ${s}`);
  });

  it('tends to ln 2 when hardly anyone waits more than one departure, and falls as occupancy rises', () => {
    assert.ok(Math.abs(mmnEwtFloor(0.001) - Math.LN2) < 0.01);
    assert.ok(mmnEwtFloor(0.7) > mmnEwtFloor(0.85) && mmnEwtFloor(0.85) > mmnEwtFloor(0.95));
    assert.ok(Math.abs(mmnEwtFloor(0.85) - 0.273) < 0.001, String(mmnEwtFloor(0.85)));
    const rho = occupancyForFloor(0.15);
    assert.ok(rho > 0.95 && rho < 0.96 && Math.abs(mmnEwtFloor(rho) - 0.15) < 1e-3, String(rho));
  });

  it('matches an M/M/N queue simulated caller by caller, for 5 and 20 agents; a worse predictor does worse', () => {
    for (const n of [5, 20]) {
      const median = (k: number) => erlangMedian(k + 1) / n;
      const measured = mmnError(n, 0.85, 400_000, median);
      assert.ok(Math.abs(measured - mmnEwtFloor(0.85)) < 0.015, `${n} agents: ${measured} vs ${mmnEwtFloor(0.85)}`);
      // the mean (k + 1) / N instead of the median is worse: the median is what minimises the absolute error
      const mean = mmnError(n, 0.85, 400_000, (k) => (k + 1) / n);
      assert.ok(mean > measured + 0.001, `${mean} vs ${measured}`);
    }
  });
});

describe('simulator: multi-skill agents', () => {
  const s: MultiSkillScenario = {
    targets: [
      { name: 'sales', talkMeanSec: 240, talkCv: 0.8, acwSec: 10, share: 0.5 },
      { name: 'billing', talkMeanSec: 150, talkCv: 0.8, acwSec: 10, share: 0.5 },
    ],
    groups: [{ count: 10, targets: ['sales', 'billing'] }],
    occupancy: 0.88,
    patienceMeanSec: 300,
    hours: 5,
    warmupHours: 1,
    seed: 5,
    multiSkillEwt: 'joint',
  };

  it('the same callers either way; the joint EWT errs less than counting shared agents fully in each target', async () => {
    const joint = await runMultiSkill(s);
    const perTarget = await runMultiSkill({ ...s, multiSkillEwt: 'per-target' });
    assert.equal(joint.served, perTarget.served);
    assert.equal(joint.byTarget.all!.meanWaitSec, perTarget.byTarget.all!.meanWaitSec);
    assert.ok(joint.served > 300, String(joint.served));
    for (const m of ['erlang', 'erlang-a'] as const) {
      assert.ok(joint.byTarget.all!.maeSec[m] < 0.85 * perTarget.byTarget.all!.maeSec[m], `${m}: ${joint.byTarget.all!.maeSec[m]} vs ${perTarget.byTarget.all!.maeSec[m]}`);
    }
    // counting a shared agent fully in each target predicts too short a wait
    assert.ok(perTarget.byTarget.all!.biasSec.erlang < joint.byTarget.all!.biasSec.erlang);
  });
});

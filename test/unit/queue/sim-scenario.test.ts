import assert from 'node:assert/strict';
import { calibrateOccupancy, runScenario, type Scenario } from '../../../sim/scenario';

const small: Scenario = { agents: 5, talkMeanSec: 240, talkCv: 0.8, acwSec: 10, occupancy: 0.85, patienceMeanSec: 300, hours: 8, warmupHours: 1, seed: 7, serviceLevelSec: 20 };

describe('simulator: EWT scoring', () => {
  it('scores every method and both references on served callers, and excludes those who hung up', async () => {
    const r = await runScenario(small);
    assert.deepEqual(r.ewt.map((e) => e.method), ['simple', 'erlang', 'erlang-a', 'ideal', 'oracle']);
    assert.ok(r.served > 100 && r.abandoned > 0, `${r.served} served, ${r.abandoned} abandoned`);
    const mae = Object.fromEntries(r.ewt.map((e) => [e.method, e.maeSec]));
    // the oracle knows when calls in progress end: far better than any method
    assert.ok(mae.oracle! < 0.5 * mae['erlang-a']!, JSON.stringify(mae));
    assert.ok(mae['erlang-a']! < mae.simple!, JSON.stringify(mae));
    // the buckets split the served callers; those who found an agent free cost no error
    assert.equal(r.ewtBuckets.reduce((n, b) => n + b.served, 0), r.served);
    const free = r.ewtBuckets.find((b) => b.label === 'agent free')!;
    assert.ok(free.served > 0);
    assert.equal(free.meanWaitSec, 0);
    for (const m of ['simple', 'erlang', 'erlang-a', 'ideal', 'oracle'] as const) assert.equal(free.maeSec[m], 0);
    // abandoned callers add a lower bound of their error over all arrivals (served + abandoned)
    for (const e of r.ewt) assert.ok(Number.isFinite(e.maeWithAbandonedLowerBoundSec) && e.maeWithAbandonedLowerBoundSec > 0, e.method);
  });

  it('calibrates the offered load to a measured occupancy', async () => {
    const offered = await calibrateOccupancy(small, 0.85, 8);
    assert.ok(offered > 0.85, `offered ${offered}: callers who hang up are offered but not served`);
    const r = await runScenario({ ...small, occupancy: offered, scoreEwt: false });
    assert.ok(Math.abs(r.measuredOccupancy - 0.85) < 0.02, String(r.measuredOccupancy));
    assert.equal(r.ewt.every((e) => e.maeSec === 0), true, 'no EWT scored');
  });
});

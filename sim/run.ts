/**
 * `npm run sim`: discrete-event simulation of one target on the real QueueService with a simulated clock.
 * Prints (1) the EWT error of each method at several occupancies and (2) abandonment and service level with
 * and without callback offers. Deterministic: the same seeds give the same figures. `--hours N` shortens it.
 */
import { EWT_METHODS } from '../src/queue/queue-service';
import { mmnEwtFloor, occupancyForFloor } from './floor';
import { calibrateMultiSkill, runMultiSkill, type AgentGroup, type MultiSkillScenario } from './multi-skill';
import { calibrateOccupancy, runScenario, type Scenario, type ScenarioResult, type Scored } from './scenario';

const argHours = process.argv.indexOf('--hours');
const HOURS = argHours > 0 ? Number(process.argv[argHours + 1]) : 30;

const base: Scenario = {
  agents: 20,
  talkMeanSec: 240,
  talkCv: 0.8,
  acwSec: 10,
  occupancy: 0.85,
  patienceMeanSec: 300,
  hours: HOURS,
  warmupHours: 1,
  seed: 42,
  serviceLevelSec: 20,
};

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const sec = (x: number) => `${x.toFixed(1)} s`;
const pad = (s: string, n: number) => s.padStart(n);
const METHODS: Scored[] = [...EWT_METHODS, 'ideal', 'oracle'];

function ewtRow(label: string, offered: number, r: ScenarioResult): string {
  const cells = r.ewt.map((e) => `${pad(sec(e.maeSec), 7)} ${pad(pct(e.maeSec / r.meanWaitSec), 7)} ${pad(sec(e.biasSec), 7)}`);
  return `${label.padEnd(34)} ${pad(pct(offered), 7)} ${pad(pct(r.measuredOccupancy), 7)} ${pad(String(r.served), 6)} ${pad(String(r.abandoned), 5)} ${pad(pct(r.waitedShare), 7)} ${pad(sec(r.meanWaitSec), 7)}  ${cells.join('  ')}`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`Simulator: log-normal talk time mean ${base.talkMeanSec} s, after-call work ${base.acwSec} s, Poisson arrivals,`);
  console.log(`exponential patience mean ${base.patienceMeanSec} s, ${HOURS} h per run (first hour not counted), seed ${base.seed}.`);
  console.log('');
  console.log('1) EWT predicted at each arrival (before the caller joins the line) vs the actual wait of that caller');
  console.log('   actual wait = arrival to agent reserved, live callers who reached an agent; callers who hung up have no');
  console.log('   wait to an agent and are excluded (column "aband."; their censored error is bounded below further down).');
  console.log('   mean wt = mean actual wait of those served, zero waits included; % wait = MAE / mean wt; bias = mean(predicted - actual).');
  console.log('   occup. = measured occupancy (talk + after-call work / agent time); "85 % occupancy" rows calibrate the offered');
  console.log('   load to it (callers who hang up are offered but not served). waited = share of served callers who waited at all.');
  console.log('   ideal = erlang-a given the true talk-time distribution and patience instead of learned ones: the best an ACD can do.');
  console.log('   oracle = also knows when every call in progress ends (no ACD can): what is left is unpredictable.');
  const head = METHODS.map((m) => `${pad(m + ' MAE', 7)} ${pad('% wait', 7)} ${pad('bias', 7)}`).join('  ');
  console.log(`${'scenario'.padEnd(34)} ${pad('offered', 7)} ${pad('occup.', 7)} ${pad('served', 6)} ${pad('aband.', 5)} ${pad('waited', 7)} ${pad('mean wt', 7)}  ${head}`);
  const calHours = Math.max(4, HOURS);
  const at85 = async (o: Partial<Scenario>) => calibrateOccupancy({ ...base, ...o }, 0.85, calHours);
  const rows: [string, Partial<Scenario>, 'calibrate' | 'offered'][] = [
    ['85 % occupancy, 5 agents', { agents: 5 }, 'calibrate'],
    ['85 % occupancy, 10 agents', { agents: 10 }, 'calibrate'],
    ['85 % occupancy, 20 agents (goal)', { agents: 20 }, 'calibrate'],
    ['85 % occupancy, 20 ag., CV 0.4', { agents: 20, talkCv: 0.4 }, 'calibrate'],
    ['offered 70 %, 20 agents', { agents: 20, occupancy: 0.7 }, 'offered'],
    ['offered 95 %, 20 agents', { agents: 20, occupancy: 0.95 }, 'offered'],
  ];
  let goal: ScenarioResult | undefined;
  for (const [label, o, how] of rows) {
    const offered = how === 'calibrate' ? await at85(o) : o.occupancy!;
    const r = await runScenario({ ...base, ...o, occupancy: offered });
    if (label.endsWith('(goal)')) goal = r;
    console.log(ewtRow(label, offered, r));
  }
  if (goal) {
    console.log('');
    console.log('   goal scenario (85 % occupancy, 20 agents), where the error comes from: callers by what they found at arrival');
    console.log(`   ${'found at arrival'.padEnd(14)} ${pad('served', 6)} ${pad('mean wt', 7)}  ${METHODS.map((m) => pad(m + ' MAE', 13)).join(' ')}`);
    for (const b of goal.ewtBuckets) {
      console.log(`   ${b.label.padEnd(14)} ${pad(String(b.served), 6)} ${pad(sec(b.meanWaitSec), 7)}  ${METHODS.map((m) => pad(`${sec(b.maeSec[m])} ${b.meanWaitSec > 0 ? pct(b.maeSec[m] / b.meanWaitSec) : ''}`, 13)).join(' ')}`);
    }
    console.log(`   abandoned callers counted with their censored error max(0, time in line - predicted) (a lower bound), MAE over all arrivals:`);
    console.log(`   ${goal.ewt.map((e) => `${e.method} ${sec(e.maeWithAbandonedLowerBoundSec)}`).join(', ')}`);
    console.log(`   CPU per prediction (estimatedWaitSeconds at arrival, mean): ${goal.ewt.filter((e) => e.method !== 'oracle' && e.method !== 'ideal').map((e) => `${e.method} ${e.costUs.toFixed(0)} µs`).join(', ')}`);
  }
  console.log('');
  console.log('   The floor for any predictor, in closed form (sim/floor.ts): in M/M/N (exponential talk times, nobody hangs up)');
  console.log('   the wait of a caller with k ahead is Gamma(k + 1, N/h) whatever an ACD knows, so the least MAE is that of its');
  console.log(`   median: ${pct(mmnEwtFloor(0.7))} of the mean wait at 70 % occupancy, ${pct(mmnEwtFloor(0.85))} at 85 %, ${pct(mmnEwtFloor(0.95))} at 95 %, for any number`);
  console.log(`   of agents. 15 % is reached only from ${pct(occupancyForFloor(0.15))} occupancy.`);

  console.log('');
  console.log('2) Callback offers: when the EWT (erlang) at arrival is above 60 s, 50 % of callers accept; the callback keeps');
  console.log('   the caller\'s place, is dialed when canDispatchCallback allows, rings 5-20 s, then waits on the line for its agent.');
  console.log('   abandon rate = abandoned / all arrivals; service level = live callers answered within 20 s / (answered + abandoned after 20 s)');
  console.log(`${'offered load'.padEnd(14)} ${'callbacks'.padEnd(10)} ${pad('abandon', 8)} ${pad('SL 20 s', 8)} ${pad('live wait', 10)} ${pad('accepted', 9)} ${pad('cb on line', 11)} ${pad('cb total', 9)}`);
  for (const occupancy of [0.85, 0.95, 1.05]) {
    for (const withCallbacks of [false, true]) {
      const r = await runScenario({
        ...base,
        occupancy,
        ...(withCallbacks ? { callbacks: { method: 'erlang' as const, offerAboveSec: 60, acceptProbability: 0.5, ringMinSec: 5, ringMaxSec: 20 } } : {}),
      });
      console.log(
        `${pct(occupancy).padEnd(14)} ${(withCallbacks ? 'offered' : 'none').padEnd(10)} ${pad(pct(r.abandonRate), 8)} ${pad(pct(r.serviceLevel), 8)} ${pad(sec(r.meanWaitSec), 10)} ${pad(String(r.callbacksAccepted), 9)} ${pad(withCallbacks ? sec(r.callbackOnLineWaitSec) : '-', 11)} ${pad(withCallbacks ? sec(r.callbackTotalWaitSec) : '-', 9)}`,
      );
    }
  }
  await multiSkill();
  console.log('');
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** 3) agents shared between targets: EWT with the targets simulated together vs each counting its agents fully */
async function multiSkill(): Promise<void> {
  console.log('');
  console.log('3) Agents shared between targets (multi-skill): sales (talk 240 s) and billing (talk 150 s), half the callers each,');
  console.log('   after-call work 10 s, CV 0.8, patience 300 s, calibrated to 85 % measured occupancy. EWT at each arrival as in 1).');
  console.log('   per-target = each target counts its shared agents fully (before); joint = the targets that share agents simulated together.');
  console.log(`${'agents'.padEnd(36)} ${'EWT'.padEnd(10)} ${pad('served', 6)} ${pad('mean wt', 7)}  ${EWT_METHODS.map((m) => `${pad(m + ' MAE', 14)} ${pad('bias', 7)}`).join('  ')}  ${pad('CPU erlang-a', 12)}`);
  const groups: [string, AgentGroup[]][] = [
    ['20 serving both', [{ count: 20, targets: ['sales', 'billing'] }]],
    ['6 sales, 6 billing, 8 serving both', [{ count: 6, targets: ['sales'] }, { count: 6, targets: ['billing'] }, { count: 8, targets: ['sales', 'billing'] }]],
  ];
  for (const [label, g] of groups) {
    const s: MultiSkillScenario = {
      targets: [
        { name: 'sales', talkMeanSec: 240, talkCv: 0.8, acwSec: 10, share: 0.5 },
        { name: 'billing', talkMeanSec: 150, talkCv: 0.8, acwSec: 10, share: 0.5 },
      ],
      groups: g,
      occupancy: 0.85,
      patienceMeanSec: base.patienceMeanSec,
      hours: HOURS,
      warmupHours: 1,
      seed: base.seed,
      multiSkillEwt: 'joint',
    };
    const offered = await calibrateMultiSkill(s, 0.85, Math.max(4, HOURS / 3));
    for (const mode of ['per-target', 'joint'] as const) {
      const r = await runMultiSkill({ ...s, occupancy: offered, multiSkillEwt: mode });
      const all = r.byTarget.all!;
      const cells = EWT_METHODS.map((m) => `${pad(`${sec(all.maeSec[m])} ${pct(all.maeSec[m] / all.meanWaitSec)}`, 14)} ${pad(sec(all.biasSec[m]), 7)}`);
      console.log(`${label.padEnd(36)} ${mode.padEnd(10)} ${pad(String(r.served), 6)} ${pad(sec(all.meanWaitSec), 7)}  ${cells.join('  ')}  ${pad(`${r.costUs['erlang-a'].toFixed(0)} µs`, 12)}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

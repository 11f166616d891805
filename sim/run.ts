/**
 * `npm run sim`: discrete-event simulation of one target on the real QueueService with a simulated clock.
 * Prints (1) the EWT error of each method at several occupancies and (2) abandonment and service level with
 * and without callback offers. Deterministic: the same seeds give the same figures. `--hours N` shortens it.
 */
import { runScenario, type Scenario, type ScenarioResult } from './scenario';

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

function ewtRow(label: string, r: ScenarioResult): string {
  const cells = r.ewt.map((e) => `${pad(sec(e.maeSec), 8)} ${pad(pct(e.maeSec / r.meanWaitSec), 8)} ${pad(sec(e.biasSec), 8)}`);
  return `${label.padEnd(26)} ${pad(pct(r.measuredOccupancy), 7)} ${pad(String(r.served), 7)} ${pad(sec(r.meanWaitSec), 8)}  ${cells.join('  ')}`;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`Simulator: ${base.agents} agents, log-normal talk time mean ${base.talkMeanSec} s, after-call work ${base.acwSec} s,`);
  console.log(`Poisson arrivals, exponential patience mean ${base.patienceMeanSec} s, ${HOURS} h per run (first hour not counted), seed ${base.seed}.`);
  console.log('');
  console.log('1) EWT at arrival vs actual wait of live callers who reached an agent (MAE, MAE as % of mean wait, bias = mean(predicted - actual))');
  console.log('   oracle = knows when every call in progress ends (no ACD can); it shows the part of the error that is unpredictable');
  const head = ['simple', 'erlang', 'oracle'].map((m) => `${pad(m + ' MAE', 8)} ${pad('% wait', 8)} ${pad('bias', 8)}`).join('  ');
  console.log(`${'scenario'.padEnd(26)} ${pad('occup.', 7)} ${pad('served', 7)} ${pad('mean wt', 8)}  ${head}`);
  const ewtScenarios: [string, Partial<Scenario>][] = [
    ['70 %, talk CV 0.8', { occupancy: 0.7 }],
    ['85 %, talk CV 0.8', { occupancy: 0.85 }],
    ['95 %, talk CV 0.8', { occupancy: 0.95 }],
    ['85 %, talk CV 0.4', { occupancy: 0.85, talkCv: 0.4 }],
    ['85 %, 5 agents, CV 0.8', { occupancy: 0.85, agents: 5 }],
  ];
  for (const [label, o] of ewtScenarios) console.log(ewtRow(label, await runScenario({ ...base, ...o })));

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
  console.log('');
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

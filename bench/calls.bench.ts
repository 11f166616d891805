/**
 * npm run bench:calls — inbound IVR calls per second through drachtio-server + FreeSWITCH, with the app's
 * CPU per call, compared in the same run with a minimal drachtio-srf + fsmrf app (answer, 1 s tone; the caller
 * hangs up in both cases).
 * SIPp's caller-hangup-ivr.xml (answer, 2.5 s, BYE) drives both at BENCH_CPS for BENCH_CALLS calls.
 * Needs the e2e environment (DRACHTIO_*, FREESWITCH_*, SIP_TARGET); without it prints one line and exits 0.
 */
import Mrf from 'drachtio-fsmrf';
import Srf from 'drachtio-srf';
import { e2eEnv, type E2eEnv } from '../test/e2e/env';
import { runSipp } from '../test/e2e/sipp';
import { DID, startStack } from '../test/e2e/stack';

const CPS = Number(process.env.BENCH_CPS ?? 10);
const CALLS = Number(process.env.BENCH_CALLS ?? 200);

async function drive(env: E2eEnv, logDir: string, port: number): Promise<{ wallMs: number; ok: boolean; output: string }> {
  const t0 = Date.now();
  const run = runSipp('caller-hangup-ivr.xml', {
    port,
    mediaPort: 16500,
    target: env.sipTarget,
    args: ['-s', DID, '-key', 'caller', '12025550199', '-r', String(CPS), '-m', String(CALLS), '-l', String(CPS * 5)],
    logDir,
    timeoutSec: Math.ceil(CALLS / CPS) + 60,
  });
  const r = await run.done;
  return { wallMs: Date.now() - t0, ok: r.code === 0, output: r.output.slice(-400) };
}

/** the baseline: answer, play a 1 s tone, hang up */
async function minimalApp(env: E2eEnv): Promise<{ close(): void }> {
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.connect({ host: env.drachtio.host, port: env.drachtio.port, secret: env.drachtio.secret });
    srf.once('connect', (err: Error | null) => (err ? reject(err) : resolve()));
  });
  const mrf = new Mrf(srf);
  const ms = await mrf.connect({ address: env.freeswitch.host, port: env.freeswitch.port, secret: env.freeswitch.secret, listenAddress: '127.0.0.1' });
  srf.invite(async (req, res) => {
    try {
      const { endpoint, dialog } = await ms.connectCaller(req, res);
      dialog.on('destroy', () => void endpoint.destroy().catch(() => undefined));
      // play 1 s of tone; the caller hangs up (as with the app's IVR), which releases the endpoint
      await endpoint.play('tone_stream://%(1000,0,440)').catch(() => undefined);
    } catch {
      /* caller gone */
    }
  });
  return {
    close() {
      ms.disconnect();
      srf.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const env = await e2eEnv();
  if (typeof env === 'string') {
    console.log(`bench:calls skipped: ${env}`);
    return;
  }
  type Side = { cpuMsPerCall: number; cps: number; ok: boolean };
  // BENCH_ONLY=app|minimal runs one side (e.g. under node --cpu-prof). BENCH_ROUNDS alternates minimal and
  // app that many times (other load on a shared machine moves CPU per call by 30% between runs; the
  // median of alternating rounds is what is compared)
  const only = process.env.BENCH_ONLY;
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
  const runs: { minimal: Side[]; app: Side[] } = { minimal: [], app: [] };
  let port = 5195;
  for (let round = 0; round < rounds; round++) {
    if (only !== 'app') {
      const base = await minimalApp(env);
      const cpu0 = process.cpuUsage();
      const a = await drive(env, '/tmp', port++);
      const cpu = process.cpuUsage(cpu0);
      runs.minimal.push({ cpuMsPerCall: (cpu.user + cpu.system) / 1000 / CALLS, cps: (CALLS * 1000) / a.wallMs, ok: a.ok });
      if (!a.ok) console.log(`minimal run: ${a.output}`);
      base.close();
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (only !== 'minimal') {
      const stack = await startStack(env, []);
      const cpu0 = process.cpuUsage();
      const b = await drive(env, stack.logDir, port++);
      const cpu = process.cpuUsage(cpu0);
      runs.app.push({ cpuMsPerCall: (cpu.user + cpu.system) / 1000 / CALLS, cps: (CALLS * 1000) / b.wallMs, ok: b.ok });
      if (!b.ok) console.log(`app run: ${b.output}`);
      await stack.close();
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
  const summary = (xs: Side[]) =>
    xs.length ? { cpuMsPerCall: Number(median(xs.map((x) => x.cpuMsPerCall)).toFixed(2)), cps: Number(median(xs.map((x) => x.cps)).toFixed(2)), ok: xs.every((x) => x.ok), runs: xs.map((x) => Number(x.cpuMsPerCall.toFixed(2))) } : undefined;
  const minimal = summary(runs.minimal);
  const app = summary(runs.app);
  const ratio = minimal && app ? Number((app.cpuMsPerCall / minimal.cpuMsPerCall).toFixed(2)) : undefined;
  console.log(JSON.stringify({ calls: CALLS, offeredCps: CPS, rounds, minimal, app, ...(ratio ? { cpuRatio: ratio, goal: '<= 1.2' } : {}) }, null, 2));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

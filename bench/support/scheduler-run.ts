import fs from 'node:fs';
import pino from 'pino';
import { CallbackService } from '../../src/callback/callback-service';
import { Scheduler } from '../../src/callback/scheduler';
import { ServiceRegistry } from '../../src/callback/service-registry';
import { SimulatedDialer } from '../../src/callback/simulated-dialer';
import type { Dialer } from '../../src/ports/dialer';
import { PostgresStore } from '../../src/store/postgres-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';
import { scheduledCallback } from './scheduler-rows';

/**
 * One measured round of the scheduler bench, in a process of its own (its peak RSS is the scheduler's, not the
 * bulk load's): open the loaded store, accept `measured` callbacks through the store's insert (due evenly over
 * the window, `perSecond` a second), run the scheduler over the window with a simulated dialer, and report the
 * lag of every dial (the dialer's call time - the callback's due time) and the process's peak RSS.
 */
export interface RunConfig {
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };
  idPrefix: string;
  measured: number;
  perSecond: number;
  /** the first measured callback is due this long after the process starts inserting them */
  leadMs: number;
}

export interface RunResult {
  dispatched: number;
  measured: number;
  lagsMs: { p50: number; p99: number; max: number };
  peakRssBytes: number;
  /** this process's CPU time (user + system) over the window, per dispatched callback */
  cpuMsPerDispatch: number;
  /** the measured callbacks' insert ended after the first was due (the lags would be the insert's): no figures */
  overran: boolean;
}

/** BENCH_DEBUG: the process's RSS after each step, on stderr */
const step = (what: string) => process.env.BENCH_DEBUG && console.error(`  [rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB] ${what}`);
/**
 * this process's peak RSS: VmHWM (Linux), the high-water mark of this process image. Not getrusage's maxRSS:
 * on Linux that keeps the forked parent's RSS across the exec (the bench's parent, after the bulk load).
 */
function peakRss(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS * 1024;
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(cfg: RunConfig): Promise<RunResult> {
  const store: Store = cfg.store.kind === 'sqlite' ? new SqliteStore({ path: cfg.store.path }) : await PostgresStore.open({ connectionString: cfg.store.url, schema: cfg.store.schema });
  step('store open');
  const logger = pino({ level: 'silent' });
  const clock = { now: () => Date.now() };
  const services = await ServiceRegistry.open(store);
  const callbacks = new CallbackService(store, services, clock, logger);

  const acceptedAt = Date.now();
  // the insert's speed, timed on a few callbacks due after the window (dispatched then, not measured): the
  // window starts once all measured callbacks are surely in
  const sample = 200;
  const t0 = performance.now();
  await store.transaction(async () => {
    for (let k = 0; k < sample; k++) await store.insertCallback(scheduledCallback(`${cfg.idPrefix}s`, k, acceptedAt + 3_600_000, acceptedAt), []);
  });
  const perRowMs = (performance.now() - t0) / sample;
  const start = Date.now() + Math.max(cfg.leadMs, 3000 + Math.ceil(3 * perRowMs * cfg.measured));
  const due = new Map<string, number>();
  await store.transaction(async () => {
    for (let k = 0; k < cfg.measured; k++) {
      const c = scheduledCallback(cfg.idPrefix, k, start + Math.floor((k * 1000) / cfg.perSecond), acceptedAt);
      due.set(c.id, c.nextAttemptAt!);
      await store.insertCallback(c, []);
    }
  });
  // setup over: the measured callbacks' insert leaves a large WAL, copied back before the window as a running store would have
  if (store instanceof SqliteStore) store.checkpoint();
  const overran = Date.now() > start;
  step('measured callbacks inserted');

  const lags: number[] = [];
  const simulated = new SimulatedDialer({ delayMs: 50 });
  const dialer: Dialer = {
    dial: (req, signal) => {
      const at = due.get(req.callbackId);
      if (at !== undefined) {
        lags.push(Date.now() - at);
        if (process.env.BENCH_DEBUG && Date.now() - at > 100) console.error(`  lag ${Date.now() - at} ms for one due ${at - start} ms into the window`);
      }
      return simulated.dial(req, signal);
    },
  };
  const scheduler = new Scheduler({ store, callbacks, dialer, clock, logger, maxConcurrentAttempts: 500 });
  const cpu0 = process.cpuUsage();
  await scheduler.start();
  step('scheduler started');
  const end = start + Math.ceil((cfg.measured * 1000) / cfg.perSecond) + 2000;
  while (Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  step('window over');
  await scheduler.close();
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  lags.sort((a, b) => a - b);
  return {
    dispatched: lags.length,
    measured: cfg.measured,
    lagsMs: { p50: pct(lags, 50), p99: pct(lags, 99), max: lags.at(-1) ?? NaN },
    peakRssBytes: peakRss(),
    cpuMsPerDispatch: (cpu.user + cpu.system) / 1000 / Math.max(1, lags.length),
    overran,
  };
}

if (require.main === module) {
  run(JSON.parse(process.env.BENCH_RUN ?? '{}') as RunConfig).then(
    (r) => process.send?.(r, () => process.exit(0)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

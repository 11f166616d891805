import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CallbackService } from '../src/callback/callback-service';
import { newId } from '../src/callback/ids';
import { Scheduler } from '../src/callback/scheduler';
import { ServiceRegistry } from '../src/callback/service-registry';
import { SimulatedDialer } from '../src/callback/simulated-dialer';
import type { CallbackRecord } from '../src/ports/callback-records';
import { SqliteStore } from '../src/store/sqlite-store';

/**
 * Scheduler dispatch lag with 1,000,000 scheduled callbacks in the store: 1 M callbacks spread over the
 * next 30 days, plus DUE_PER_SECOND callbacks due every second of the measured window; the lag of each
 * dispatch (attempt start - due time) is recorded. Memory is the process RSS while dispatching.
 */
const SCHEDULED = Number(process.env.BENCH_SCHEDULED ?? 1_000_000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const DUE_PER_SECOND = Number(process.env.BENCH_DUE_PER_SECOND ?? 500);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-sched-'));
  const store = new SqliteStore({ path: path.join(dir, 'sched.db') });
  const logger = pino({ level: 'silent' });
  const services = await ServiceRegistry.open(store);
  await services.put('bench', 'user-terminated-delayed', { _max_time_to_reach_customer: 86_400 * 40 }, Date.now());
  const callbacks = new CallbackService(store, services, { now: () => Date.now() }, logger);

  const base = Date.now();
  const row = (i: number, due: number): CallbackRecord => ({
    id: newId(base) + i.toString(16),
    serviceName: 'bench',
    customerNumber: `+1415${String(i).padStart(7, '0')}`,
    state: 'SCHEDULED',
    reason: null,
    requestReason: null,
    direction: 'USERTERMINATED',
    target: 'default',
    desiredTime: due,
    acceptedAt: base,
    serviceStart: due,
    expirationTime: due + 86_400_000 * 10,
    nextAttemptAt: due,
    attempts: 0,
    originatingInteractionId: null,
    clientId: 'bench',
    userData: {},
    overrides: {},
    updatedAt: base,
  });
  let t = Date.now();
  const start = base + 60_000; // measured window starts after the bulk insert
  const windowStart = start + 5 * 60_000;
  for (let i = 0; i < SCHEDULED; i += 10_000) {
    await store.transaction(async () => {
      for (let j = i; j < Math.min(i + 10_000, SCHEDULED); j++) {
        await store.insertCallback(row(j, windowStart + WINDOW_S * 1000 + Math.floor((j / SCHEDULED) * 30 * 86_400_000)), []);
      }
    });
  }
  store.checkpoint(); // setup is over: start from the steady state of a running store
  console.log(`inserted ${SCHEDULED} scheduled callbacks in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  // the measured callbacks: due spread evenly over the window, starting a moment from now
  const measuredStart = Date.now() + 2000;
  const measured = WINDOW_S * DUE_PER_SECOND;
  await store.transaction(async () => {
    for (let k = 0; k < measured; k++) await store.insertCallback(row(SCHEDULED + k, measuredStart + Math.floor((k * 1000) / DUE_PER_SECOND)), []);
  });

  const lags: number[] = [];
  const dialer = new SimulatedDialer({ delayMs: 50 });
  const scheduler = new Scheduler({
    store,
    callbacks,
    dialer,
    clock: { now: () => Date.now() },
    logger,
    maxConcurrentAttempts: 500,
    metrics: { dispatchLag: (s) => { lags.push(s * 1000); if (process.env.BENCH_DEBUG && s > 0.02) console.log('lag', (s * 1000).toFixed(0), 'at', Date.now() - measuredStart); }, attemptEnded: () => {}, completed: () => {} },
  });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  t = Date.now();
  await scheduler.start();
  while (Date.now() < measuredStart + WINDOW_S * 1000 + 2000) await new Promise((r) => setTimeout(r, 200));
  clearInterval(sampler);
  await scheduler.close();
  await store.close();
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]?.toFixed(1);
  console.log(`scheduler with ${SCHEDULED.toLocaleString('en')} scheduled callbacks: dispatched ${lags.length}/${measured} due in a ${WINDOW_S} s window (${DUE_PER_SECOND}/s)`);
  console.log(`dispatch lag p50 ${pct(50)} ms   p99 ${pct(99)} ms   max ${lags.at(-1)?.toFixed(1)} ms   (goal p99 <= 100 ms)`);
  console.log(`memory: peak RSS ${mb(peakRss)} while dispatching (goal <= 300 MB at 1 M scheduled)`);
  fs.rmSync(dir, { recursive: true, force: true });
  if (lags.length < measured) process.exitCode = 1;
}

void main();

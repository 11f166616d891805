import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { newId } from '../src/callback/ids';
import { ServiceRegistry } from '../src/callback/service-registry';
import { PostgresStore } from '../src/store/postgres-store';
import { SqliteStore } from '../src/store/sqlite-store';
import type { Store } from '../src/store/store';
import { bulkLoadPostgres, bulkLoadSqlite, type RowSource } from './support/bulk-load';
import type { RunConfig, RunResult } from './support/scheduler-run';
import { BENCH_SERVICE, scheduledCallback } from './support/scheduler-rows';

/**
 * Scheduler dispatch lag and memory with BENCH_SCHEDULED callbacks scheduled in the store (default 1,000,000;
 * the goal is stated for 10,000,000), on SQLite and, with BENCH_DATABASE_URL or TEST_DATABASE_URL, on
 * PostgreSQL (BENCH_STORES=sqlite,postgres picks). The scheduled callbacks are bulk loaded (not measured) in
 * the store's own schema, spread over 30 days starting 3 h from now. Then BENCH_ROUNDS rounds (default 3),
 * each in a fresh process: BENCH_DUE_PER_SECOND callbacks (default 500) accepted through the store's insert
 * and due every second of a BENCH_WINDOW_S window (default 20 s), dispatched by the scheduler to a simulated
 * dialer. Printed per round and as medians: dispatch lag (dial time - due time) p50/p99/max and the round
 * process's peak RSS. Figures, not assertions.
 */
const SCHEDULED = Number(process.env.BENCH_SCHEDULED ?? 1_000_000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const DUE_PER_SECOND = Number(process.env.BENCH_DUE_PER_SECOND ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(',');
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function runRound(cfg: RunConfig): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'support', 'scheduler-run.ts'), [], {
      execArgv: ['-r', 'tsx/cjs'],
      env: { ...process.env, BENCH_RUN: JSON.stringify(cfg) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: RunResult | undefined;
    child.once('message', (m) => (result = m as RunResult));
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`scheduler round exited with ${code}`))));
  });
}

/** the store made and migrated with the bench's service, closed again */
async function prepare(open: () => Promise<Store>): Promise<void> {
  const store = await open();
  const services = await ServiceRegistry.open(store);
  await services.put(BENCH_SERVICE, 'user-terminated-delayed', { _max_time_to_reach_customer: 86_400 * 40 }, Date.now());
  await store.close();
}

/** a few bulk-loaded rows read back through the store equal the records they came from */
async function checkRows(open: () => Promise<Store>, row: RowSource): Promise<void> {
  const store = await open();
  try {
    for (const i of [0, Math.floor(SCHEDULED / 2), SCHEDULED - 1]) assert.deepEqual(await store.getCallback(row(i).id), row(i));
  } finally {
    await store.close();
  }
}

async function benchStore(label: string, open: () => Promise<Store>, load: (row: RowSource) => Promise<void>, target: RunConfig['store'], size: () => Promise<number>): Promise<boolean> {
  await prepare(open);
  const base = Date.now();
  const first = base + 3 * 3_600_000;
  const prefix = newId(base);
  const row: RowSource = (i) => scheduledCallback(prefix, i, first + Math.floor((i / SCHEDULED) * 30 * 86_400_000), base);
  const t = Date.now();
  await load(row);
  const loadS = (Date.now() - t) / 1000;
  await checkRows(open, row);
  console.log(`${label}: loaded ${SCHEDULED.toLocaleString('en')} scheduled callbacks in ${loadS.toFixed(0)} s (${mb(await size())} on disk)`);
  const rounds: RunResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const measured = WINDOW_S * DUE_PER_SECOND;
    const res = await runRound({ store: target, idPrefix: newId(), measured, perSecond: DUE_PER_SECOND, leadMs: 3000 + measured });
    rounds.push(res);
    console.log(
      `  round ${r + 1}: dispatched ${res.dispatched}/${res.measured} in ${WINDOW_S} s; lag p50 ${res.lagsMs.p50} ms p99 ${res.lagsMs.p99} ms max ${res.lagsMs.max} ms; peak RSS ${mb(res.peakRssBytes)}; CPU ${res.cpuMsPerDispatch.toFixed(2)} ms/dispatch; machine load ${os.loadavg()[0]!.toFixed(1)}${res.overran ? '  (insert overran the lead: not counted)' : ''}`,
    );
  }
  const ok = rounds.filter((r) => !r.overran);
  if (!ok.length) return false;
  console.log(
    `${label} with ${SCHEDULED.toLocaleString('en')} scheduled: dispatch lag p50 ${median(ok.map((r) => r.lagsMs.p50))} ms, p99 ${median(ok.map((r) => r.lagsMs.p99))} ms (goal <= 100 ms); peak RSS ${mb(median(ok.map((r) => r.peakRssBytes)))} (goal <= 300 MB); load ${loadS.toFixed(0)} s; medians of ${ok.length} rounds`,
  );
  return ok.every((r) => r.dispatched === r.measured);
}

async function sqlite(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-sched-'));
  const file = path.join(dir, 'sched.db');
  try {
    return await benchStore(
      'SQLite',
      async () => new SqliteStore({ path: file }),
      async (row) => bulkLoadSqlite(file, SCHEDULED, row),
      { kind: 'sqlite', path: file },
      async () => fs.statSync(file).size,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(url: string): Promise<boolean> {
  const schema = `bench_sched_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await benchStore(
      'PostgreSQL',
      () => PostgresStore.open({ connectionString: url, schema }),
      (row) => bulkLoadPostgres(url, schema, SCHEDULED, row),
      { kind: 'postgres', url, schema },
      async () => Number((await admin.query<{ n: string }>(`SELECT pg_total_relation_size('${schema}.callbacks') AS n`)).rows[0]!.n),
    );
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

async function main() {
  let ok = true;
  if (STORES.includes('sqlite')) ok = (await sqlite()) && ok;
  if (STORES.includes('postgres')) {
    if (PG_URL) ok = (await postgres(PG_URL)) && ok;
    else console.log('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
  }
  if (!ok) process.exitCode = 1;
}

void main();

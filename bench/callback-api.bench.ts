import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { forkTs, freePort, post, type LoadResult } from './support/load';

/**
 * Accepted start-callback requests per second over real HTTP (durable before the 200), next to a bare
 * Fastify route that only inserts the same row into SQLite, measured in the same run on the same machine,
 * alternated for BENCH_ROUNDS rounds (default 3), the median of each.
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) set, the same on PostgreSQL: a bare route inserting the row
 * into PostgreSQL (a pool of the app's default size, 10), the app on `store.kind: postgres` as one process, and
 * as two processes on the same schema (the load split over both, the same connections in all), alternated for
 * BENCH_ROUNDS rounds (default 3), the median of each; the load average printed with each round.
 * BENCH_STORES=postgres (or sqlite) runs one store's rows.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const STORES = (process.env.BENCH_STORES ?? 'sqlite,postgres').split(/[,|]/);
const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

async function measure(name: string, script: string, pathName: string, headers: Record<string, string>, args?: (dir: string, port: number) => string[], env: NodeJS.ProcessEnv = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-bench-'));
  const port = await freePort();
  const child = await forkTs(path.join(__dirname, 'support', script), args ? args(dir, port) : [path.join(dir, 'bench.db'), String(port)], env);
  try {
    await post(`http://127.0.0.1:${port}${pathName}`, headers, 2, CONNECTIONS); // warm-up
    const r = await post(`http://127.0.0.1:${port}${pathName}`, headers, SECONDS, CONNECTIONS);
    return { name, ...r };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `instances` processes of the app on one PostgreSQL schema, loaded at once (CONNECTIONS split over them); the sum */
async function measureInstances(name: string, instances: number, url: string, schema: string): Promise<LoadResult & { name: string }> {
  const children = [];
  const ports: number[] = [];
  const headers = { 'x-api-key': 'bench-key-0001' };
  const route = '/genesys/1/service/callback/bench';
  try {
    // one after the other: the first runs the migrations, the next finds them done
    for (let i = 0; i < instances; i++) {
      const port = await freePort();
      ports.push(port);
      children.push(await forkTs(path.join(__dirname, 'support', 'serve-app.ts'), ['', String(port)], { BENCH_PG_URL: url, BENCH_PG_SCHEMA: schema, BENCH_INSTANCE: `bench-${i + 1}` }));
    }
    const each = Math.max(1, Math.floor(CONNECTIONS / instances));
    await Promise.all(ports.map((p) => post(`http://127.0.0.1:${p}${route}`, headers, 2, each))); // warm-up
    const rs = await Promise.all(ports.map((p) => post(`http://127.0.0.1:${p}${route}`, headers, SECONDS, each)));
    return {
      name,
      rps: rs.reduce((a, r) => a + r.rps, 0),
      p50: Math.max(...rs.map((r) => r.p50)),
      p99: Math.max(...rs.map((r) => r.p99)),
      non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

const line = (r: LoadResult & { name: string }) =>
  `${r.name.padEnd(46)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** the PostgreSQL pair, each round in fresh schemas (dropped after) */
async function postgresRows(url: string): Promise<boolean> {
  const schemas: string[] = [];
  const schema = () => {
    const s = `bench_${randomBytes(5).toString('hex')}`;
    schemas.push(s);
    return s;
  };
  const minimal: (LoadResult & { name: string })[] = [];
  const one: (LoadResult & { name: string })[] = [];
  const two: (LoadResult & { name: string })[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const before = loadavg();
      minimal.push(await measure('minimal PostgreSQL-insert route', 'minimal-pg-insert-server.ts', '/insert', {}, (_dir, port) => [url, schema(), String(port)]));
      one.push(await measureInstances('POST .../callback/bench, postgres, 1 instance', 1, url, schema()));
      two.push(await measureInstances('POST .../callback/bench, postgres, 2 instances', 2, url, schema()));
      console.log(`  round ${round + 1} (load average ${before} before, ${loadavg()} after):`);
      for (const r of [minimal.at(-1)!, one.at(-1)!, two.at(-1)!]) console.log(`    ${line(r)}`);
    }
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
  const m = median(minimal.map((r) => r.rps));
  const a1 = median(one.map((r) => r.rps));
  const a2 = median(two.map((r) => r.rps));
  console.log(`minimal PostgreSQL-insert route (median of ${ROUNDS})`.padEnd(46) + ` ${m.toFixed(0).padStart(7)} req/s`);
  console.log(`app, store postgres, 1 instance (median of ${ROUNDS})`.padEnd(46) + ` ${a1.toFixed(0).padStart(7)} req/s`);
  console.log(`app, store postgres, 2 instances (median of ${ROUNDS})`.padEnd(46) + ` ${a2.toFixed(0).padStart(7)} req/s`);
  console.log(`ratio 1 instance / minimal PostgreSQL insert: ${(a1 / m).toFixed(2)} (goal >= 0.9)`);
  console.log(`ratio 2 instances / 1 instance: ${(a2 / a1).toFixed(2)} (goal >= 1.6; needs cores for a second process: ${os.cpus().length} here, shared with the load generator and PostgreSQL)`);
  return [...one, ...two].every((r) => r.non2xx === 0 && r.errors === 0);
}

/** the SQLite pair, alternated for ROUNDS rounds (the machine's load moves both alike), medians */
async function sqliteRows(): Promise<boolean> {
  const minimal: (LoadResult & { name: string })[] = [];
  const app: (LoadResult & { name: string })[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    minimal.push(await measure('minimal SQLite-insert route', 'minimal-insert-server.ts', '/insert', {}));
    app.push(await measure('POST /genesys/1/service/callback/bench', 'serve-app.ts', '/genesys/1/service/callback/bench', { 'x-api-key': 'bench-key-0001' }));
    for (const r of [minimal.at(-1)!, app.at(-1)!]) console.log(`  round ${round + 1}: ${line(r)}`);
  }
  const m = median(minimal.map((r) => r.rps));
  const a = median(app.map((r) => r.rps));
  console.log(`minimal SQLite-insert route (median of ${ROUNDS})`.padEnd(46) + ` ${m.toFixed(0).padStart(7)} req/s`);
  console.log(`POST .../callback/bench, store sqlite (median of ${ROUNDS})`.padEnd(46) + ` ${a.toFixed(0).padStart(7)} req/s`);
  console.log(`ratio app / minimal insert: ${(a / m).toFixed(2)} (goal >= 0.9; goal >= 5000 accepts/s)`);
  return app.every((r) => r.non2xx === 0 && r.errors === 0);
}

async function main() {
  console.log(`callback API benchmark: ${SECONDS} s, ${CONNECTIONS} connections, load generator on the same ${os.cpus().length} cores`);
  console.log(`load average (1, 5, 15 min) at start: ${loadavg()}`);
  if (STORES.includes('sqlite')) {
    console.log(`SQLite (${ROUNDS} rounds, alternated):`);
    if (!(await sqliteRows())) process.exitCode = 1;
  }
  if (!STORES.includes('postgres')) return;
  if (!PG_URL) {
    console.log('PostgreSQL rows (minimal insert, 1 and 2 instances) skipped: no PostgreSQL given (set BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    return;
  }
  console.log(`PostgreSQL (${ROUNDS} rounds, alternated: minimal, 1 instance, 2 instances):`);
  if (!(await postgresRows(PG_URL))) process.exitCode = 1;
}

void main();

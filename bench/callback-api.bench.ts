import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forkTs, freePort, post } from './support/load';

/**
 * Accepted start-callback requests per second over real HTTP (durable before the 200), next to a bare
 * Fastify route that only inserts the same row into SQLite, measured in the same run on the same machine.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function measure(name: string, script: string, pathName: string, headers: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-bench-'));
  const port = await freePort();
  const child = await forkTs(path.join(__dirname, 'support', script), [path.join(dir, 'bench.db'), String(port)]);
  try {
    await post(`http://127.0.0.1:${port}${pathName}`, headers, 2, CONNECTIONS); // warm-up
    const r = await post(`http://127.0.0.1:${port}${pathName}`, headers, SECONDS, CONNECTIONS);
    return { name, ...r };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`callback API benchmark: ${SECONDS} s, ${CONNECTIONS} connections, load generator on the same ${os.cpus().length} cores`);
  const minimal = await measure('minimal SQLite-insert route', 'minimal-insert-server.ts', '/insert', {});
  const app = await measure('POST /genesys/1/service/callback/bench', 'serve-app.ts', '/genesys/1/service/callback/bench', { 'x-api-key': 'bench-key-0001' });
  for (const r of [minimal, app]) {
    console.log(`${r.name.padEnd(42)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   non-2xx ${r.non2xx}   errors ${r.errors}`);
  }
  console.log(`ratio app / minimal insert: ${(app.rps / minimal.rps).toFixed(2)} (goal >= 0.5; goal >= 5000 accepts/s)`);
  if (app.non2xx > 0 || app.errors > 0) process.exitCode = 1;
}

void main();

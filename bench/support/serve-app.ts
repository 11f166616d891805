import { buildApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/observability/logger';

/**
 * The real service (all validation, safety rules, store, scheduler) for the load benchmark: on SQLite (the
 * file given), or on PostgreSQL when BENCH_PG_URL and BENCH_PG_SCHEMA are set.
 */
const [dbPath, port] = [process.argv[2], Number(process.argv[3])];
const pgUrl = process.env.BENCH_PG_URL;
const config = parseAppConfig(
  {
    server: { host: '127.0.0.1', port },
    store: pgUrl ? { kind: 'postgres', url: pgUrl, schema: process.env.BENCH_PG_SCHEMA } : { path: dbPath },
    log: { level: process.env.BENCH_LOG_LEVEL ?? 'warn' },
    auth: { clients: [{ id: 'bench', key: 'bench-key-0001' }] },
    services: [{ name: 'bench', template: 'user-terminated-immediate', options: { _rate_limit_per_client: 10_000_000 } }],
    // callbacks are dispatched to a simulated dialer while the load runs, as in production
    dialer: { kind: 'simulated', simulated: { delayMs: 20_000 } },
    // several on one PostgreSQL schema (bench/callback-api.bench.ts): each under its own name
    ...(process.env.BENCH_INSTANCE ? { scheduler: { instanceName: process.env.BENCH_INSTANCE } } : {}),
  },
  'bench',
);
// the callback core alone (no queue, no telephony)
buildApp(config, createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn'))
  .then((app) => app.listen())
  .then(() => process.send?.('ready'));

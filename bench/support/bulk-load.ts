import Database from 'better-sqlite3';
import pg from 'pg';
import type { CallbackRecord } from '../../src/ports/callback-records';
import { CALLBACK_COLUMNS, CALLBACK_VALUES, callbackParams } from '../../src/store/rows';

/**
 * Bulk load of callbacks into a store's own schema (already migrated), for benchmarks only: the rows are
 * `callbackParams` of the records, as the store's insert writes them (no events, no lease). The callbacks
 * table's secondary indexes are dropped during the load and created again after from their own definitions
 * (read from the catalog), so the schema after the load is the store's.
 */
export type RowSource = (i: number) => CallbackRecord;

const COLUMNS = CALLBACK_COLUMNS.split(', ') as (keyof ReturnType<typeof callbackParams>)[];
const BATCH = 10_000;

function progress(label: string, done: number, total: number, t0: number): void {
  if (done % 1_000_000 === 0 || done === total) console.log(`  ${label}: ${done.toLocaleString('en')} rows, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export function bulkLoadSqlite(file: string, count: number, row: RowSource): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144'); // 256 MB for the index builds (this process is not the measured one)
    const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'callbacks' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
    const insert = db.prepare(`INSERT INTO callbacks (${CALLBACK_COLUMNS}) VALUES (${CALLBACK_VALUES})`);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(callbackParams(row(i)));
    });
    const t0 = Date.now();
    for (let i = 0; i < count; i += BATCH * 10) {
      batch(i, Math.min(i + BATCH * 10, count));
      progress('sqlite', Math.min(i + BATCH * 10, count), count, t0);
    }
    for (const ix of indexes) db.exec(ix.sql);
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

const PG_TYPES: Record<string, string> = { desired_time: 'bigint', accepted_at: 'bigint', service_start: 'bigint', expiration_time: 'bigint', next_attempt_at: 'bigint', updated_at: 'bigint', attempts: 'integer' };

export async function bulkLoadPostgres(url: string, schema: string, count: number, row: RowSource): Promise<void> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'callbacks' AND indexname <> 'callbacks_pkey'`,
      [schema],
    );
    for (const ix of indexes) await client.query(`DROP INDEX ${ix.indexname}`);
    const sql = `INSERT INTO callbacks (${CALLBACK_COLUMNS}) SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c] ?? 'text'}[]`).join(', ')})`;
    const t0 = Date.now();
    for (let i = 0; i < count; i += BATCH) {
      const to = Math.min(i + BATCH, count);
      const cols: (string | number | null)[][] = COLUMNS.map(() => []);
      for (let j = i; j < to; j++) {
        const p = callbackParams(row(j));
        COLUMNS.forEach((c, k) => cols[k]!.push(p[c]));
      }
      await client.query(sql, cols);
      progress('postgres', to, count, t0);
    }
    for (const ix of indexes) await client.query(ix.indexdef);
    await client.query('VACUUM ANALYZE callbacks');
  } finally {
    await client.end();
  }
}

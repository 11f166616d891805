import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres-store';
import { SqliteStore } from '../../src/store/sqlite-store';
import type { Store } from '../../src/store/store';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The stores the store-backed suites run on: SQLite always, PostgreSQL too when TEST_DATABASE_URL names a
 * database the tests may use (each store gets a schema of its own, dropped when the run ends).
 */
export function storeKinds(): StoreKind[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

const opened: { store: Store; schema?: string }[] = [];

/** a new, empty store of that kind (SQLite: in memory unless `path`) */
export async function openTestStore(kind: StoreKind, path = ':memory:'): Promise<Store> {
  if (kind === 'sqlite') return new SqliteStore({ path });
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await PostgresStore.open({ connectionString: url, schema, poolSize: 4 });
  opened.push({ store, schema });
  return store;
}

/** a new schema name for a PostgreSQL store the test opens itself (e.g. through the app's config); dropped at the end */
export function newTestSchema(): string {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  schemasToDrop.push(schema);
  return schema;
}
const schemasToDrop: string[] = [];

/** `n` PostgreSQL stores opening at once on one new, empty schema (instances starting together) */
export async function openPostgresStoresTogether(n: number): Promise<{ stores: Store[]; schema: string }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const stores = await Promise.all(Array.from({ length: n }, () => PostgresStore.open({ connectionString: process.env.TEST_DATABASE_URL!, schema, poolSize: 2 })));
  stores.forEach((store, i) => opened.push(i === 0 ? { store, schema } : { store }));
  return { stores, schema };
}

/** a second store on the same database as `of` (PostgreSQL: the same schema; another process's view) */
export async function reopenTestStore(of: Store): Promise<Store> {
  const entry = opened.find((o) => o.store === of);
  if (!entry?.schema) throw new Error('not a PostgreSQL test store');
  const store = await PostgresStore.open({ connectionString: process.env.TEST_DATABASE_URL!, schema: entry.schema, poolSize: 4 });
  opened.push({ store });
  return store;
}

/** the current kind of the suites that take it from here (`useStoreKind` in their `before`) */
let current: StoreKind = 'sqlite';
export const useStoreKind = (kind: StoreKind): void => {
  current = kind;
};
export const currentStoreKind = (): StoreKind => current;

// the end of the whole run: close the PostgreSQL stores and drop their schemas
after(async () => {
  const schemas = [...opened.flatMap((o) => (o.schema ? [o.schema] : [])), ...schemasToDrop.splice(0)];
  for (const o of opened.splice(0)) await o.store.close().catch(() => undefined);
  if (schemas.length === 0 || !process.env.TEST_DATABASE_URL) return;
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
});

import type { AppConfig } from '../config/app-config';
import { PostgresStore } from './postgres-store';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';

/** The store the configuration names: SQLite (the embedded default) or PostgreSQL (migrated on open). */
export async function openStore(config: AppConfig['store']): Promise<Store> {
  if (config.kind === 'postgres') {
    if (!config.url) throw new Error('store.url: store.kind postgres needs a connection string (DATABASE_URL)');
    return PostgresStore.open({ connectionString: config.url, poolSize: config.poolSize, ...(config.schema !== undefined ? { schema: config.schema } : {}) });
  }
  return new SqliteStore({ path: config.path, synchronous: config.synchronous });
}

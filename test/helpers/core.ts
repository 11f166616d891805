import pino from 'pino';
import { CallbackService } from '../../src/callback/callback-service';
import { VirtualTime } from '../../src/time';
import { ServiceRegistry } from '../../src/callback/service-registry';
import { currentStoreKind, openTestStore, type StoreKind } from './stores';

export const silentLogger = pino({ level: 'silent' });

/**
 * A core on a new, empty store on virtual time (`clock.advance(ms)` also fires the timers due): SQLite in
 * memory, or PostgreSQL in a schema of its own when the suite runs on it (`useStoreKind`).
 */
export async function makeCore(start = Date.parse('2026-12-01T15:00:00.000Z'), path = ':memory:', clock = new VirtualTime(start), kind: StoreKind = currentStoreKind()) {
  const store = await openTestStore(kind, path);
  const services = await ServiceRegistry.open(store);
  const callbacks = new CallbackService(store, services, clock, silentLogger);
  return { clock, store, services, callbacks };
}

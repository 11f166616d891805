import pino from 'pino';
import { CallbackService } from '../../src/callback/callback-service';
import { VirtualTime } from '../../src/time';
import { ServiceRegistry } from '../../src/callback/service-registry';
import { SqliteStore } from '../../src/store/sqlite-store';

export const silentLogger = pino({ level: 'silent' });

/** A core on an in-memory SQLite store on virtual time (`clock.advance(ms)` also fires the timers due). */
export async function makeCore(start = Date.parse('2026-12-01T15:00:00.000Z'), path = ':memory:', clock = new VirtualTime(start)) {
  const store = new SqliteStore({ path });
  const services = await ServiceRegistry.open(store);
  const callbacks = new CallbackService(store, services, clock, silentLogger);
  return { clock, store, services, callbacks };
}

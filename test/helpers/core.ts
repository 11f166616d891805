import pino from 'pino';
import { CallbackService } from '../../src/callback/callback-service';
import type { Clock } from '../../src/time';
import { ServiceRegistry } from '../../src/callback/service-registry';
import { SqliteStore } from '../../src/store/sqlite-store';

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const silentLogger = pino({ level: 'silent' });

/** A core on an in-memory SQLite store with a controllable clock. */
export function makeCore(start = Date.parse('2026-12-01T15:00:00.000Z'), path = ':memory:') {
  const clock = new FakeClock(start);
  const store = new SqliteStore({ path });
  const services = new ServiceRegistry(store);
  const callbacks = new CallbackService(store, services, clock, silentLogger);
  return { clock, store, services, callbacks };
}

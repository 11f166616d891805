import type { Logger } from 'pino';
import { DomainError } from '../errors';
import type { Store } from '../store/store';
import type { Clock } from '../time';

export interface RetentionSettings {
  /** keep customers' numbers and data this many days after a callback completed (or a call came in); none: forever */
  days?: number;
  /** anonymise (rows stay for reporting, number and user data go) or purge (rows go) */
  mode: 'anonymise' | 'purge';
  checkEveryMin: number;
}

/**
 * What the service keeps of its customers: completed callbacks, their attempts and events, and inbound
 * interactions older than the retention lose the customer's number and data (or go entirely, `purge`), and a
 * customer's deletion request erases one number everywhere while reporting counts stay as they were.
 */
export class CustomerData {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: RetentionSettings,
    private readonly logger: Logger,
  ) {}

  /** apply the retention once; what it changed */
  async applyRetention(): Promise<{ callbacks: number; interactions: number }> {
    if (this.settings.days === undefined) return { callbacks: 0, interactions: 0 };
    const before = this.clock.now() - this.settings.days * 86_400_000;
    const done = this.settings.mode === 'purge' ? await this.store.purgeBefore(before) : await this.store.anonymiseBefore(before);
    if (done.callbacks || done.interactions) this.logger.info({ ...done, mode: this.settings.mode, before: new Date(before).toISOString() }, 'retention applied');
    return done;
  }

  /** a customer's deletion request: refused while the number has callbacks to come (cancel them first) */
  async erase(e164: string): Promise<{ callbacks: number; interactions: number }> {
    if (!/^\+[1-9]\d{5,14}$/.test(e164)) throw new DomainError('INVALID', `customerNumber: "${e164}" is not an E.164 number (+ and 6 to 15 digits)`, 'customerNumber');
    const r = await this.store.eraseCustomerNumber(e164);
    if (r.active) throw new DomainError('CONFLICT', `the number has ${r.active} active callback${r.active === 1 ? '' : 's'}: cancel ${r.active === 1 ? 'it' : 'them'} first`, 'customerNumber');
    return { callbacks: r.callbacks, interactions: r.interactions };
  }

  /** apply the retention now and every `checkEveryMin`; returns the stop */
  start(): () => void {
    if (this.settings.days === undefined) return () => undefined;
    const run = () => void this.applyRetention().catch((err: unknown) => this.logger.error({ err }, 'retention failed'));
    run();
    const timer = setInterval(run, this.settings.checkEveryMin * 60_000);
    timer.unref();
    return () => clearInterval(timer);
  }
}

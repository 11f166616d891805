import type { FastifyInstance } from 'fastify';
import type { ApprovalBoard } from './callback/approvals';
import type { CallbackService } from './callback/callback-service';
import type { Scheduler } from './callback/scheduler';
import type { ServiceRegistry } from './callback/service-registry';
import type { DependencyStatus } from './http/routes/health-routes';
import type { Metrics } from './observability/metrics';
import type { Dialer } from './ports/dialer';
import type { CustomerData } from './privacy/customer-data';
import type { SignInThrottle } from './security/sign-in-throttle';
import type { Store } from './store/store';
import type { Telephony } from './telephony';

/**
 * One part of the running service, as `compose.ts` builds them (store, core, queue, telephony, dispatch):
 * started in build order by `App.listen()`, closed in reverse order by `App.close()` (also when never
 * started); `health` is its entries in /health. The HTTP API is Fastify plugins that close themselves.
 */
export interface Component {
  readonly name: string;
  start?(): void | Promise<void>;
  close(): void | Promise<void>;
  health?(): Record<string, DependencyStatus> | Promise<Record<string, DependencyStatus>>;
}

/** The running service, as `compose.ts` builds it. */
export interface App {
  http: FastifyInstance;
  store: Store;
  services: ServiceRegistry;
  callbacks: CallbackService;
  scheduler: Scheduler;
  metrics: Metrics;
  /** the dialer that places calls (the scheduler reaches it through the approval steps, when the queue runs) */
  dialer: Dialer;
  approvals: ApprovalBoard;
  /** retention and erasure of customers' data */
  customers: CustomerData;
  /** the sign-in throttle every door shares (HTTP and SIP REGISTER) */
  throttle: SignInThrottle;
  /** drachtio-server and FreeSWITCH, when telephony runs */
  telephony?: Telephony;
  /** start the components, then listen on the configured host/port; resolves with the bound address */
  listen(): Promise<string>;
  close(): Promise<void>;
}

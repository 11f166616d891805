import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ApprovalBoard } from './callback/approvals';
import { CallbackService } from './callback/callback-service';
import { startPushNotifier } from './callback/push-notifier';
import { systemClock, type Clock } from './time';
import { Scheduler, type DispatchGate } from './callback/scheduler';
import { ServiceDefinitionError, ServiceRegistry } from './callback/service-registry';
import { SimulatedDialer } from './callback/simulated-dialer';
import { ConfigError, type AppConfig } from './config/app-config';
import type { AgentCredentials } from './http/agent-sessions';
import { buildHttpApp } from './http/app';
import type { AgentDirectory } from './http/routes/agent-routes';
import type { DependencyStatus } from './http/routes/health-routes';
import { Metrics } from './observability/metrics';
import type { Dialer } from './ports/dialer';
import { SqliteStore } from './store/sqlite-store';
import type { Store } from './store/store';
import type { AuditLog } from './audit/audit-log';
import { CustomerData } from './privacy/customer-data';
import { SignInThrottle, throttlePolicyFrom } from './security/sign-in-throttle';
import { observedThrottleEvents } from './security/throttle-events';
import { messageOf } from './errors';

/** What the composition root can plug in besides the core: telephony, the queue, more routes. */
export interface AppExtensions {
  dialer?: Dialer;
  /** the queue's agents, for the agent page's sign-in and self-service routes */
  agents?: AgentDirectory & AgentCredentials;
  gate?: DispatchGate;
  /** put steps in front of the dialer (agent preview / customer confirmation); the scheduler dials through it */
  wrapDialer?: (dialer: Dialer) => Dialer;
  health?: () => Record<string, DependencyStatus>;
  /** deployment warnings for /health (already logged at start) */
  warnings?: () => string[];
  extraRoutes?: (app: FastifyInstance, shared: { audit: AuditLog }) => void | Promise<void>;
  close?: () => Promise<void>;
}

export interface App {
  http: FastifyInstance;
  store: Store;
  services: ServiceRegistry;
  callbacks: CallbackService;
  scheduler: Scheduler;
  metrics: Metrics;
  /** the dialer that places calls (the scheduler reaches it through `wrapDialer`'s steps, if any) */
  dialer: Dialer;
  approvals: ApprovalBoard;
  /** retention and erasure of customers' data */
  customers: CustomerData;
  /** the sign-in throttle every door shares (HTTP and SIP REGISTER) */
  throttle: SignInThrottle;
  /** listen on the configured host/port; resolves with the bound address */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
  /** hook for telephony/queue wiring, called once the core exists */
  extend?: (core: { store: Store; callbacks: CallbackService; services: ServiceRegistry; metrics: Metrics; approvals: ApprovalBoard; throttle: SignInThrottle }) => Promise<AppExtensions> | AppExtensions;
}

/** Compose: config -> store -> core -> adapters. Starts nothing until `listen()`. */
export async function createApp(opts: CreateAppOptions): Promise<App> {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const store = new SqliteStore({ path: config.store.path, synchronous: config.store.synchronous });
  const targetNames = config.targets.flatMap((t) => (t && typeof t === 'object' && typeof (t as { name?: unknown }).name === 'string' ? [(t as { name: string }).name] : []));
  const services = new ServiceRegistry(store, targetNames);
  config.services.forEach((s, i) => {
    try {
      if (services.seed(s.name, s.template, s.options, clock.now())) logger.info({ service: s.name }, 'service created from the config file');
    } catch (err) {
      if (err instanceof ServiceDefinitionError) throw new ConfigError(`invalid configuration: services[${i}].${err.message}`);
      throw err;
    }
  });
  const callbacks = new CallbackService(store, services, clock, logger);
  const metrics = new Metrics();
  const approvals = new ApprovalBoard(clock);
  approvals.onEvent((e) => {
    if (e.outcome) metrics.approvalAnswered(e.approval.kind, e.outcome);
  });
  const throttle = new SignInThrottle(throttlePolicyFrom(config.security.throttle), clock, observedThrottleEvents(metrics, logger));
  const ext = opts.extend ? await opts.extend({ store, callbacks, services, metrics, approvals, throttle }) : {};

  let dialer: Dialer;
  if (config.dialer.kind === 'simulated' || !ext.dialer) {
    if (config.dialer.kind === 'telephony') logger.warn('no telephony dialer is available: callbacks wait QUEUED until one is');
    dialer =
      config.dialer.kind === 'simulated'
        ? new SimulatedDialer(config.dialer.simulated)
        : { isReady: () => false, dial: async () => ({ outcome: 'FAILED', detail: 'no dialer' }) };
  } else {
    dialer = ext.dialer;
  }

  const scheduler = new Scheduler({
    store,
    callbacks,
    dialer: ext.wrapDialer ? ext.wrapDialer(dialer) : dialer,
    clock,
    logger,
    gate: ext.gate,
    metrics,
    maxConcurrentAttempts: config.scheduler.maxConcurrentAttempts,
    holdRetryMs: config.scheduler.holdRetryMs,
  });
  metrics.trackActiveAttempts(() => scheduler.activeAttempts);

  const health = (): Record<string, DependencyStatus> => {
    let storeStatus: DependencyStatus;
    try {
      storeStatus = store.ping() ? { state: 'up', detail: store.kind } : { state: 'down' };
    } catch (err) {
      storeStatus = { state: 'down', detail: messageOf(err) };
    }
    return { store: storeStatus, ...(ext.health?.() ?? {}) };
  };

  const customers = new CustomerData(store, clock, config.retention, logger);
  const http = await buildHttpApp({
    logger,
    store,
    services,
    callbacks,
    metrics,
    health,
    warnings: ext.warnings,
    clients: config.auth.clients,
    clock,
    throttle,
    trustProxy: config.server.trustProxy,
    tls: config.server.tls,
    agentSessionTtlMs: config.security.agentSessionHours * 3600_000,
    customers,
    extraRoutes: ext.extraRoutes,
    approvals,
    agents: ext.agents ? { directory: ext.agents, credentials: ext.agents, softphone: config.softphone } : undefined,
  });

  const stopPush = startPushNotifier({
    approvals,
    urlFor: (serviceName, callbackId) => {
      const c = store.getCallback(callbackId);
      return (c && callbacks.settingsFor(c)?.pushNotificationUrl) || '';
    },
    publicBaseUrl: config.server.publicUrl ?? `http://localhost:${config.server.port}`,
    logger,
  });

  let closed = false;
  let stopRetention = (): void => undefined;
  return {
    http,
    store,
    services,
    callbacks,
    scheduler,
    metrics,
    dialer,
    approvals,
    throttle,
    customers,
    async listen() {
      scheduler.start();
      stopRetention = customers.start();
      const address = await http.listen({ host: config.server.host, port: config.server.port });
      logger.info({ address }, 'REST API listening');
      return address;
    },
    async close() {
      if (closed) return;
      closed = true;
      stopPush();
      stopRetention();
      await http.close();
      await scheduler.close();
      await ext.close?.();
      store.close();
    },
  };
}

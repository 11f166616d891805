import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApprovalBoard } from '../callback/approvals';
import type { CallbackService } from '../callback/callback-service';
import { approvalRoutes } from './routes/approval-routes';
import { agentStreamRoutes } from './routes/agent-stream-routes';
import type { ServiceRegistry } from '../callback/service-registry';
import type { Metrics } from '../observability/metrics';
import type { Store } from '../store/store';
import rateLimit from '@fastify/rate-limit';
import { installAuth, type ConfigClient } from './auth';
import { ApiKeys } from '../security/api-keys';
import { apiKeyRoutes } from './routes/api-key-routes';
import { auditRoutes } from './routes/audit-routes';
import { AuditLog } from '../audit/audit-log';
import { privacyRoutes } from './routes/privacy-routes';
import type { CustomerData } from '../privacy/customer-data';
import { installErrorHandler } from './errors';
import { installSecurityHeaders } from './security-headers';
import { readTls, reloadTlsOnChange, type TlsFiles } from './tls';
import { callbackRoutes } from './routes/callback-routes';
import { healthRoutes, type HealthSource, type WarningSource } from './routes/health-routes';
import { reportRoutes } from './routes/report-routes';
import { interactionRoutes } from './routes/interaction-routes';
import { serviceAdminRoutes } from './routes/service-admin-routes';
import { streamRoutes } from './routes/stream-routes';
import { pageRoutes } from './routes/page-routes';
import { vendorRoutes } from './routes/vendor-routes';
import { agentRoutes, type AgentDirectory, type SoftphoneSettings } from './routes/agent-routes';
import { queueRoutes } from './routes/queue-routes';
import { waitStatisticRoutes, type WaitStatisticDeps } from './routes/statistic-routes';
import type { QueueService } from '../queue/queue-service';
import { agentWrapUpRoutes } from './routes/agent-wrap-up-routes';
import { agentTransferRoutes, type TransferDirectory } from './routes/agent-transfer-routes';
import type { TransferDesk } from '../flows/transfer';
import { customerHistoryRoutes } from './routes/customer-history-routes';
import { AgentSessions, type AgentCredentials } from './agent-sessions';
import type { SignInThrottle } from '../security/sign-in-throttle';
import type { Clock } from '../time';
import { supervisionRoutes, type SupervisionRouteDeps } from './routes/supervision-routes';

export interface HttpAppDeps {
  logger: Logger;
  store: Store;
  services: ServiceRegistry;
  callbacks: CallbackService;
  metrics: Metrics;
  health: HealthSource;
  /** deployment warnings shown in /health */
  warnings?: WarningSource;
  /** keys of the config file (bootstrap); more are kept in the store (/admin/v1/keys) */
  clients: ConfigClient[];
  clock: Clock;
  /** counts wrong secrets (API keys, agent sign-in) and refuses attempts while backing off or locked out */
  throttle?: SignInThrottle;
  /** reverse proxies whose X-Forwarded-For is believed (addresses or CIDR) */
  trustProxy?: string[];
  /** serve HTTPS with these files (reloaded when they change) */
  tls?: TlsFiles;
  /** retention and erasure of customers' data */
  customers?: CustomerData;
  /** how long an agent page sign-in lasts, ms */
  agentSessionTtlMs?: number;
  /** the agent page's sign-in and self-service routes, when the queue's agents are available */
  agents?: { directory: AgentDirectory; credentials: AgentCredentials; softphone: SoftphoneSettings };
  /** pending agent previews and customer confirmations (their answer routes, the live stream) */
  approvals?: ApprovalBoard;
  /** the queue's routes (agents, targets, EWT) and the wait-time statistic, when the queue runs */
  queue?: { queue: QueueService; statistic: WaitStatisticDeps };
  /** agents transfer their calls (the agent page), when the queue runs */
  transfers?: { transfers: TransferDesk; directory: TransferDirectory };
  /** supervisors on agents' calls (listen, whisper, barge), when the queue runs */
  supervision?: Omit<SupervisionRouteDeps, 'audit'>;
}

/**
 * The HTTP API as Fastify plugins, each a factory given its dependencies, registered in order: external
 * plugins (body parsers, security headers, OpenAPI), auth and rate limit, then the routes. Not listening
 * yet; `close()` closes what the plugins opened (TLS watcher, streams).
 */

export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.tls ? { https: readTls(deps.tls) } : {}),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // one log line per domain event, not per HTTP request
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // the client's address (throttling, audit) comes from X-Forwarded-For only when a configured proxy sent it
    trustProxy: deps.trustProxy?.length ? deps.trustProxy : false,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(formbody);
  await installSecurityHeaders(app, { https: deps.tls !== undefined });
  if (deps.tls) {
    const stop = reloadTlsOnChange(app.server as import('node:https').Server, deps.tls, deps.logger);
    app.addHook('onClose', async () => stop());
  }
  await app.register(swagger, {
    openapi: {
      info: { title: 'SIP callback service', version: '0.1.0', description: 'GMS-compatible callback API, admin, reports, queue.' },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          basic: { type: 'http', scheme: 'basic' },
        },
      },
      security: [{ apiKey: [] }, { basic: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  installErrorHandler(app, (status) => deps.metrics.rejected.inc({ status: String(status) }));
  const sessions = deps.agents ? new AgentSessions(deps.agents.credentials, deps.store, deps.agentSessionTtlMs, deps.clock) : undefined;
  const apiKeys = new ApiKeys(deps.store, deps.clock);
  const audit = new AuditLog(deps.store, deps.clock);
  installAuth(app, { clients: deps.clients, apiKeys, agents: sessions, throttle: deps.throttle });
  // a key's own rate limit (set per data key); after auth, so the limit and the count are the key's
  await app.register(rateLimit, {
    global: true,
    hook: 'preHandler',
    timeWindow: 60_000,
    max: (req) => req.client?.rateLimitPerMinute ?? 0,
    allowList: (req) => req.client?.rateLimitPerMinute === undefined,
    keyGenerator: (req) => `key:${req.client?.id ?? req.ip}`,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: 'Too Many Requests', message: `rate limit: this key may send ${ctx.max} requests a minute; retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });

  await app.register(healthRoutes({ health: deps.health, metrics: deps.metrics, warnings: deps.warnings }));
  await app.register(
    callbackRoutes({
      callbacks: deps.callbacks,
      store: deps.store,
      onAccepted: (service, existing) => deps.metrics.accepted.inc({ service, existing: String(existing) }),
      audit,
    }),
  );
  await app.register(serviceAdminRoutes({ services: deps.services, store: deps.store, clock: deps.clock, audit }));
  await app.register(apiKeyRoutes({ apiKeys, audit }));
  await app.register(auditRoutes({ audit }));
  if (deps.customers) await app.register(privacyRoutes({ customers: deps.customers, audit }));
  await app.register(reportRoutes({ store: deps.store }));
  await app.register(interactionRoutes({ store: deps.store, clock: deps.clock }));
  await app.register(streamRoutes({ store: deps.store, approvals: deps.approvals, services: deps.services }));
  if (deps.approvals) await app.register(approvalRoutes({ approvals: deps.approvals, callbacks: deps.callbacks }));
  await app.register(pageRoutes());
  await app.register(vendorRoutes());
  if (deps.agents && sessions) {
    await app.register(agentRoutes({ agents: deps.agents.directory, sessions, store: deps.store, softphone: deps.agents.softphone, services: deps.services, throttle: deps.throttle, audit }));
    await app.register(agentWrapUpRoutes({ agents: deps.agents.directory, store: deps.store, services: deps.services, clock: deps.clock }));
    await app.register(customerHistoryRoutes({ store: deps.store }));
    if (deps.transfers) await app.register(agentTransferRoutes({ ...deps.transfers, audit }));
    if (deps.approvals) await app.register(agentStreamRoutes({ agents: deps.agents.directory, approvals: deps.approvals }));
  }
  if (deps.queue) {
    await app.register(queueRoutes({ queue: deps.queue.queue, audit }));
    await app.register(waitStatisticRoutes(deps.queue.statistic));
  }
  if (deps.supervision) await app.register(supervisionRoutes({ ...deps.supervision, audit }));
  return app;
}

import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../observability/metrics';

export interface DependencyStatus {
  state: 'up' | 'down';
  detail?: string;
}

/** Each dependency's status: the store, and (when telephony runs) drachtio-server and FreeSWITCH. */
export type HealthSource = () => Promise<Record<string, DependencyStatus>>;

/** What a deployer should fix though everything runs (e.g. a private media address advertised to a public trunk). */
export type WarningSource = () => string[];

export const healthRoutes =
  (deps: { health: HealthSource; metrics: Metrics; warnings?: WarningSource }): FastifyPluginAsync =>
  async (app) => {
    app.get('/health', { schema: { tags: ['ops'], summary: 'Dependencies up/down and deployment warnings; 503 when the store is down' } }, async (_req, reply) => {
      const dependencies = await deps.health();
      for (const [name, s] of Object.entries(dependencies)) deps.metrics.dependencyUp.set({ dependency: name }, s.state === 'up' ? 1 : 0);
      const storeUp = dependencies.store?.state === 'up';
      const allUp = Object.values(dependencies).every((d) => d.state === 'up');
      void reply.status(storeUp ? 200 : 503);
      return { status: !storeUp ? 'down' : allUp ? 'ok' : 'degraded', dependencies, warnings: deps.warnings?.() ?? [] };
    });
    app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics' } }, async (_req, reply) => {
      void reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };

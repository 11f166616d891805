import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CommittedEvent, Store } from '../../store/store';

/**
 * Live callback events as Server-Sent Events: every committed state change and attempt, as it happens.
 * For supervisors' pages and integrations; `service` filters by callback service.
 */
export const streamRoutes =
  (deps: { store: Store; heartbeatMs?: number }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/v1/stream',
      {
        schema: {
          tags: ['reports'],
          summary: 'Live callback events (text/event-stream)',
          description: 'Browsers\' EventSource cannot send headers: this route also takes the key as `api_key` in the query.',
          querystring: Type.Object({ service: Type.Optional(Type.String()), api_key: Type.Optional(Type.String()) }),
        },
      },
      (req, reply) => {
        const service = req.query.service;
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        reply.raw.write(': connected\n\n');
        const send = (events: CommittedEvent[]) => {
          for (const e of events) {
            if (service && e.serviceName !== service) continue;
            reply.raw.write(`event: callback\ndata: ${JSON.stringify(e)}\n\n`);
          }
        };
        const unsubscribe = deps.store.onCommitted(send);
        const heartbeat = setInterval(() => reply.raw.write(': heartbeat\n\n'), deps.heartbeatMs ?? 15_000);
        const stop = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        req.raw.on('close', stop);
        reply.hijack();
      },
    );
  };

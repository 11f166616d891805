import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApprovalBoard, ApprovalEvent } from '../../callback/approvals';
import type { ServiceRegistry } from '../../callback/service-registry';
import type { CommittedEvent, Store } from '../../store/store';
import { confirmView, previewView } from './approval-routes';

/**
 * Live callback events as Server-Sent Events: every committed state change and attempt, as it happens.
 * For supervisors' pages and integrations; `service` filters by callback service. Agent previews and
 * customer confirmation requests (which are not stored) come as `event: approval`; a service created,
 * changed or deleted as `event: service` (its name).
 */
export const streamRoutes =
  (deps: { store: Store; approvals?: ApprovalBoard; services?: Pick<ServiceRegistry, 'onChange'>; heartbeatMs?: number }): FastifyPluginAsyncTypebox =>
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
        const sendApproval = (e: ApprovalEvent) => {
          if (service && e.approval.serviceName !== service) return;
          const view = e.approval.kind === 'agent_preview' ? { ...previewView(e.approval), agentId: e.approval.agentId } : confirmView(e.approval);
          reply.raw.write(`event: approval\ndata: ${JSON.stringify({ type: e.type, at: new Date(e.at).toISOString(), outcome: e.outcome, ...view })}\n\n`);
        };
        const unsubscribeCommitted = deps.store.onCommitted(send);
        const unsubscribeApprovals = deps.approvals?.onEvent(sendApproval);
        // a service created, changed or deleted (name only: the admin page reads the rest with its admin key)
        const unsubscribeServices = deps.services?.onChange((c) => {
          if (service && c.name !== service) return;
          reply.raw.write(`event: service\ndata: ${JSON.stringify({ type: c.type, name: c.name, at: new Date(c.at).toISOString() })}\n\n`);
        });
        const unsubscribe = () => {
          unsubscribeCommitted();
          unsubscribeApprovals?.();
          unsubscribeServices?.();
        };
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

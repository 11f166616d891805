import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApprovalBoard, ApprovalEvent } from '../../callback/approvals';
import { HttpError } from '../errors';
import { previewView } from './approval-routes';
import type { AgentDirectory } from './agent-routes';

/**
 * The signed-in agent's own live view, as server-sent events, so the agent page needs no polling:
 * `event: agent` (state, reservation, call) whenever it changes (checked every second), and `event: preview`
 * (the callback offered for preview, or null) at once when a preview is offered, answered or lapses.
 * EventSource cannot send headers: the agent's session token comes as `access_token` in the query.
 */
export const agentStreamRoutes =
  (deps: { agents: AgentDirectory; approvals: ApprovalBoard; checkEveryMs?: number }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/v1/agent/stream',
      {
        schema: {
          tags: ['agent'],
          summary: "The signed-in agent's state and previews, pushed (text/event-stream)",
          querystring: Type.Object({ access_token: Type.Optional(Type.String()) }),
        },
      },
      (req, reply) => {
        const agentId = req.client?.agentId;
        if (!agentId) throw new HttpError('FORBIDDEN', 'sign in as an agent (POST /api/v1/agent/sessions) to use this route');
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        let lastAgent = '';
        const pushAgent = () => {
          const data = JSON.stringify(deps.agents.getAgent(agentId));
          if (data === lastAgent) return;
          lastAgent = data;
          reply.raw.write(`event: agent\ndata: ${data}\n\n`);
        };
        const pushPreview = () => {
          const p = deps.approvals.previewFor(agentId);
          reply.raw.write(`event: preview\ndata: ${JSON.stringify(p ? previewView(p) : null)}\n\n`);
        };
        const onApproval = (e: ApprovalEvent) => {
          if (e.approval.kind !== 'agent_preview' || e.approval.agentId !== agentId) return;
          // the board settles the preview before it emits the answer: previewFor() is current here
          pushPreview();
          pushAgent();
        };
        pushAgent();
        pushPreview();
        const unsubscribe = deps.approvals.onEvent(onApproval);
        const timer = setInterval(pushAgent, deps.checkEveryMs ?? 1000);
        req.raw.on('close', () => {
          clearInterval(timer);
          unsubscribe();
        });
        reply.hijack();
      },
    );
  };

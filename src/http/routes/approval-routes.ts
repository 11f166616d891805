import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApprovalBoard, PendingConfirm, PendingPreview } from '../../callback/approvals';
import type { CallbackService } from '../../callback/callback-service';
import { HttpError } from '../errors';

const iso = (ms: number) => new Date(ms).toISOString();

export const previewView = (p: PendingPreview) => ({
  _id: p.callbackId,
  _service_name: p.serviceName,
  _customer_number: p.customerNumber,
  _attempt_id: p.attemptId,
  allowReject: p.allowReject,
  offeredAt: iso(p.offeredAt),
  expiresAt: iso(p.expiresAt),
  userData: p.userData,
});

export const confirmView = (p: PendingConfirm) => ({
  _id: p.callbackId,
  _service_name: p.serviceName,
  _action: 'ConfirmationDialog',
  agentId: p.agentId,
  requestedAt: iso(p.requestedAt),
  expiresAt: iso(p.expiresAt),
});

/**
 * The person-in-the-loop answers:
 *  - the customer's application confirms or declines once an agent is ready (`_wait_for_user_confirm`),
 *    next to the GMS callback API, with the same API keys;
 *  - the reserved agent accepts or rejects a preview (`_agent_preview`), behind the agent's sign-in.
 */
export const approvalRoutes =
  (deps: { approvals: ApprovalBoard; callbacks: CallbackService }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const IdParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ minLength: 1, maxLength: 64 }) });

    app.get(
      '/genesys/1/service/callback/:service/:id/user-confirm',
      { schema: { tags: ['callback'], summary: 'The confirmation the customer is asked for now (404 when none)', params: IdParams } },
      async (req) => {
        await deps.callbacks.get(req.params.service, req.params.id); // 404 for an unknown callback or service
        const p = deps.approvals.confirmFor(req.params.id);
        if (!p) throw new HttpError('NOT_FOUND', `callback "${req.params.id}" is not waiting for the customer's confirmation`);
        return confirmView(p);
      },
    );

    app.post(
      '/genesys/1/service/callback/:service/:id/user-confirm',
      {
        schema: {
          tags: ['callback'],
          summary: 'The customer confirms (or declines) that they are ready for the agent (_wait_for_user_confirm)',
          description: '`_confirm=true`: the customer is dialed for the reserved agent. `_confirm=false`: the callback ends as USER_DECLINED.',
          params: IdParams,
          body: Type.Object({ _confirm: Type.Boolean() }, { additionalProperties: false }),
        },
      },
      async (req) => {
        await deps.callbacks.get(req.params.service, req.params.id);
        const outcome = deps.approvals.answerConfirm(req.params.id, req.body._confirm);
        return { _id: req.params.id, outcome };
      },
    );

    app.get('/api/v1/agent/me/preview', { schema: { tags: ['agent'], summary: 'The callback offered to the signed-in agent for preview (404 when none)' } }, async (req) => {
      const agentId = req.client?.agentId;
      if (!agentId) throw new HttpError('FORBIDDEN', 'sign in as an agent (POST /api/v1/agent/sessions) to use this route');
      const p = deps.approvals.previewFor(agentId);
      if (!p) throw new HttpError('NOT_FOUND', `no callback is offered to agent "${agentId}" for preview`);
      return previewView(p);
    });

    app.post(
      '/api/v1/agent/callbacks/:id/preview',
      {
        schema: {
          tags: ['agent'],
          summary: 'Accept or reject the callback offered for preview (_agent_preview)',
          description: 'accept: the customer is dialed and connected to this agent. reject: the callback goes to the next agent.',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          body: Type.Object({ action: Type.Union([Type.Literal('accept'), Type.Literal('reject')]) }, { additionalProperties: false }),
        },
      },
      async (req) => {
        const agentId = req.client?.agentId;
        if (!agentId) throw new HttpError('FORBIDDEN', 'sign in as an agent (POST /api/v1/agent/sessions) to use this route');
        return { _id: req.params.id, outcome: deps.approvals.answerPreview(req.params.id, agentId, req.body.action) };
      },
    );
  };

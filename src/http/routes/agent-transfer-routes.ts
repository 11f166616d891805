import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import type { TransferDesk, TransferRequest, TransferStatus, TransferTo } from '../../flows/transfer';
import { HttpError } from '../errors';
import { agentOf, type AgentDirectory } from './agent-routes';

const To = Type.Union([
  Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ target: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
]);

const Status = Type.Object({
  phase: Type.Union([Type.Literal('talking'), Type.Literal('consult-ringing'), Type.Literal('consulting')]),
  to: Type.Optional(To),
  toAgentId: Type.Optional(Type.String()),
  last: Type.Optional(Type.String()),
});

const ErrorReply = Type.Object({ error: Type.String() }, { additionalProperties: true });

/** what the transfer routes need of the queue: who can be picked, and the targets */
export interface TransferDirectory extends Pick<AgentDirectory, 'hasAgent'> {
  listAgents(): { agentId: string; name: string; state: string }[];
  targetNames(): string[];
}

/**
 * The signed-in agent transfers the call they are on (agent page): blind or with a consultation, to an agent
 * or a target; complete or cancel a consultation. Each request is in the audit log, subject the call's
 * agent (`agent:<id>`); the attempt's ATTEMPT_ENDED event lists the call's transfers.
 */
export const agentTransferRoutes =
  (deps: { transfers: TransferDesk; directory: TransferDirectory; audit: AuditLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['agent'];

    app.get(
      '/api/v1/agent/transfer-targets',
      {
        schema: {
          tags,
          summary: 'Whom the signed-in agent can transfer to: the other agents (with their state) and the targets',
          response: { 200: Type.Object({ agents: Type.Array(Type.Object({ agentId: Type.String(), name: Type.String(), state: Type.String() })), targets: Type.Array(Type.String()) }) },
        },
      },
      async (req) => {
        const me = agentOf(req);
        return {
          agents: deps.directory
            .listAgents()
            .filter((a) => a.agentId !== me)
            .map((a) => ({ agentId: a.agentId, name: a.name, state: a.state })),
          targets: deps.directory.targetNames(),
        };
      },
    );

    app.get('/api/v1/agent/me/transfer', { schema: { tags, summary: "The transfer status of the signed-in agent's call (404: on no call)", response: { 200: Status, 404: ErrorReply } } }, async (req) => {
      const s = deps.transfers.status(agentOf(req));
      if (!s) throw new HttpError('NOT_FOUND', 'you are on no call that can be transferred');
      return s;
    });

    app.post(
      '/api/v1/agent/me/transfer',
      {
        schema: {
          tags,
          summary: "Transfer the signed-in agent's call: blind (the agent leaves at once) or consult (the customer on hold while the agents talk)",
          body: Type.Object({ mode: Type.Union([Type.Literal('blind'), Type.Literal('consult')]), to: To }, { additionalProperties: false }),
          response: { 202: Status, 404: ErrorReply, 409: ErrorReply },
        },
      },
      async (req, reply) => {
        const me = agentOf(req);
        const to = req.body.to as TransferTo;
        if ('agentId' in to && !deps.directory.hasAgent(to.agentId)) throw new HttpError('NOT_FOUND', `no agent "${to.agentId}"`);
        const request: TransferRequest = req.body.mode === 'blind' ? { kind: 'blind', to } : { kind: 'consult', to };
        const status = await deps.transfers.request(me, request);
        await deps.audit.record(actorOf(req), `call.transfer-${req.body.mode}`, `agent:${me}`, { after: { to, status } });
        return reply.status(202).send(status);
      },
    );

    for (const action of ['complete', 'cancel'] as const) {
      app.post(
        `/api/v1/agent/me/transfer/${action}`,
        {
          schema: {
            tags,
            summary: action === 'complete' ? 'Complete the consultation: the customer joins the second agent, the first leaves into wrap-up' : 'Cancel the consultation: back to the customer',
            response: { 200: Status, 409: ErrorReply },
          },
        },
        async (req) => {
          const me = agentOf(req);
          const status: TransferStatus = await deps.transfers.request(me, { kind: action });
          await deps.audit.record(actorOf(req), action === 'complete' ? 'call.transfer-completed' : 'call.transfer-cancelled', `agent:${me}`, { after: { status } });
          return status;
        },
      );
    }
  };

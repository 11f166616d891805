import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import { type SupervisionService, type SupervisionSessionView } from '../../supervision/supervision';

const Mode = Type.Union(
  [Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge')],
  { description: 'listen: hear the agent and the customer, unheard; whisper: the agent hears you, the customer does not; barge: both hear you' },
);

const Session = Type.Object({
  id: Type.String(),
  supervisorId: Type.String(),
  agentId: Type.String(),
  callId: Type.String({ description: "the agent leg's SIP Call-ID" }),
  mode: Mode,
  state: Type.Union([Type.Literal('ringing'), Type.Literal('active')]),
  startedAt: Type.String(),
});

const LiveCall = Type.Object({
  agentId: Type.String(),
  callId: Type.String(),
  customerCallId: Type.String(),
  since: Type.String(),
  supervision: Type.Array(Session),
});

const Softphone = Type.Object({
  wsUrl: Type.String(),
  domain: Type.String(),
  iceServers: Type.Array(Type.Unknown()),
  tellAgent: Type.Boolean({ description: "the agent's page shows that a supervisor is on the call" }),
  supervisors: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), registered: Type.Boolean() })),
});

const view = (s: SupervisionSessionView) => ({ ...s, startedAt: new Date(s.startedAt).toISOString() });
const ErrorReply = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String() });

export interface SupervisionRouteDeps {
  supervision: SupervisionService;
  /** the supervisor page's softphone settings (softphone.* in the config) and the supervisors' phones */
  softphone: () => { wsUrl: string; domain: string; iceServers: unknown[]; supervisors: { id: string; name: string; registered: boolean }[] };
  audit: AuditLog;
}

/**
 * Supervisors on agents' calls (scope `calls:supervise`): the live calls, and a session per supervisor that
 * rings their softphone into a call in a mode, switches the mode, and ends. Every start, change and end by a
 * person is in the audit log, subject `call:<agent leg Call-ID>`.
 */
export const supervisionRoutes =
  (deps: SupervisionRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['supervision'];
    const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

    app.get('/api/v1/supervision/softphone', { schema: { tags, summary: "The supervisor page's softphone: where it registers, and the supervisors", response: { 200: Softphone } } }, async () => ({
      ...deps.softphone(),
      tellAgent: deps.supervision.tellAgent,
    }));

    app.get('/api/v1/supervision/calls', { schema: { tags, summary: "Agents' calls in progress, each with the supervisors on it", response: { 200: Type.Array(LiveCall) } } }, async () => {
      const sessions = deps.supervision.list();
      return deps.supervision
        .liveCalls()
        .map((c) => ({ ...c, since: new Date(c.since).toISOString(), supervision: sessions.filter((s) => s.callId === c.callId).map(view) }))
        .sort((a, b) => a.agentId.localeCompare(b.agentId));
    });

    app.get('/api/v1/supervision/sessions', { schema: { tags, summary: 'Supervisors on calls now', response: { 200: Type.Array(Session) } } }, async () => deps.supervision.list().map(view));

    app.post(
      '/api/v1/supervision/sessions',
      {
        schema: {
          tags,
          summary: "Ring the supervisor's softphone into the agent's call, in a mode; answers once the phone has joined",
          body: Type.Object({ supervisorId: Type.String({ minLength: 1, maxLength: 64 }), agentId: Type.String({ minLength: 1, maxLength: 64 }), mode: Mode }, { additionalProperties: false }),
          response: { 201: Session, 404: ErrorReply, 409: ErrorReply },
        },
      },
      async (req, reply) => {
        const s = await deps.supervision.start(req.body.supervisorId, req.body.agentId, req.body.mode);
        await deps.audit.record(actorOf(req), 'supervision.started', `call:${s.callId}`, { after: { session: s.id, supervisorId: s.supervisorId, agentId: s.agentId, mode: s.mode } });
        return reply.status(201).send(view(s));
      },
    );

    app.patch(
      '/api/v1/supervision/sessions/:id',
      { schema: { tags, summary: 'Switch between listen, whisper and barge', params: Id, body: Type.Object({ mode: Mode }, { additionalProperties: false }), response: { 200: Session, 404: ErrorReply, 409: ErrorReply } } },
      async (req) => {
        const { before, after } = await deps.supervision.setMode(req.params.id, req.body.mode);
        if (before.mode !== after.mode) {
          await deps.audit.record(actorOf(req), 'supervision.mode-changed', `call:${after.callId}`, { before: { session: before.id, mode: before.mode }, after: { session: after.id, mode: after.mode } });
        }
        return view(after);
      },
    );

    app.delete('/api/v1/supervision/sessions/:id', { schema: { tags, summary: 'The supervisor leaves the call (the call goes on)', params: Id, response: { 200: Session, 404: ErrorReply } } }, async (req) => {
      const s = await deps.supervision.stop(req.params.id);
      await deps.audit.record(actorOf(req), 'supervision.ended', `call:${s.callId}`, { before: { session: s.id, supervisorId: s.supervisorId, agentId: s.agentId, mode: s.mode } });
      return view(s);
    });
  };

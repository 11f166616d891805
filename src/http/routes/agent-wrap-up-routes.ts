import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox';
import type { ServiceRegistry } from '../../callback/service-registry';
import { DEFAULT_DISPOSITION_CODES } from '../../callback/templates';
import type { AttemptRecord } from '../../ports/callback-records';
import type { AgentView } from '../../queue/views';
import type { Store } from '../../store/store';
import type { Clock } from '../../time';
import { HttpError } from '../errors';
import { agentOf, type AgentDirectory } from './agent-routes';

export const WrapUpBody = Type.Object(
  {
    disposition: Type.String({ minLength: 1, maxLength: 64, description: "one of the service's `_disposition_codes`" }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    then: Type.Optional(Type.Union([Type.Literal('READY'), Type.Literal('NOT_READY')], { default: 'READY', description: 'the state to go to once wrapped up' })),
  },
  { additionalProperties: false },
);
export type WrapUpBody = Static<typeof WrapUpBody>;

const WrapUpView = Type.Object({
  call: Type.Union([
    Type.Null(),
    Type.Object({
      contactId: Type.String(),
      kind: Type.Union([Type.Literal('caller'), Type.Literal('callback')]),
      target: Type.String(),
      endedAt: Type.String(),
      wrappedUp: Type.Boolean(),
      serviceName: Type.Union([Type.String(), Type.Null()]),
      customerNumber: Type.Union([Type.String(), Type.Null()]),
    }),
  ]),
  codes: Type.Array(Type.String()),
  acwEndsAt: Type.Union([Type.String(), Type.Null()]),
});

type LastCall = NonNullable<AgentView['lastCall']>;

/**
 * The agent's wrap-up of its last call (agent page): after the call the agent is in after-call work (for the
 * service's `_wrap_up_time`, else the target's afterCallWorkSec) and records a disposition code, one of the
 * service's `_disposition_codes`, and a note. A callback's go on its attempt (history, attempts report), an IVR
 * caller's on its interaction (interactions report); the agent then goes READY (or NOT_READY).
 */
export const agentWrapUpRoutes =
  (deps: { agents: AgentDirectory; store: Store; services: Pick<ServiceRegistry, 'get'>; clock: Clock }): FastifyPluginAsyncTypebox =>
  async (app) => {
    /** the record the wrap-up goes on, and the codes its service allows */
    const subjectOf = async (agentId: string, call: LastCall): Promise<{ serviceName: string | null; customerNumber: string | null; attempt?: AttemptRecord }> => {
      if (call.contactKind === 'callback') {
        const c = await deps.store.getCallback(call.contactId);
        if (!c) return { serviceName: null, customerNumber: null };
        // the attempt that connected this agent: the latest; its agent is written when the attempt ends, which
        // may be just after the agent's call ended
        const attempt = (await deps.store.attemptsOf(c.id)).at(-1);
        return { serviceName: c.serviceName, customerNumber: c.customerNumber, ...(attempt && (attempt.agentId === null || attempt.agentId === agentId) ? { attempt } : {}) };
      }
      const i = await deps.store.getInteraction(call.contactId);
      return { serviceName: i?.serviceName ?? null, customerNumber: i?.ani ?? null };
    };
    const codesOf = (serviceName: string | null): string[] =>
      (serviceName ? deps.services.get(serviceName)?.settings.dispositionCodes : undefined) ?? [...DEFAULT_DISPOSITION_CODES];

    app.get(
      '/api/v1/agent/me/wrap-up',
      { schema: { tags: ['agent'], summary: "The signed-in agent's last call to wrap up, and the disposition codes its service allows", response: { 200: WrapUpView } } },
      async (req) => {
        const agentId = agentOf(req);
        const view = deps.agents.getAgent(agentId);
        const call = view.lastCall;
        if (!call) return { call: null, codes: codesOf(null), acwEndsAt: null };
        const s = await subjectOf(agentId, call);
        return {
          call: { contactId: call.contactId, kind: call.contactKind, target: call.target, endedAt: call.endedAt, wrappedUp: call.wrappedUp, serviceName: s.serviceName, customerNumber: s.customerNumber },
          codes: codesOf(s.serviceName),
          acwEndsAt: view.acwEndsAt ?? null,
        };
      },
    );

    app.post(
      '/api/v1/agent/me/wrap-up',
      {
        schema: {
          tags: ['agent'],
          summary: 'Wrap up the last call: a disposition code and a note, stored with the attempt (or the IVR caller\'s interaction); then READY or NOT_READY',
          body: WrapUpBody,
        },
      },
      async (req) => {
        const agentId = agentOf(req);
        const call = deps.agents.getAgent(agentId).lastCall;
        if (!call) throw new HttpError('CONFLICT', 'no call to wrap up');
        if (call.wrappedUp) throw new HttpError('CONFLICT', 'the last call is already wrapped up');
        const s = await subjectOf(agentId, call);
        const codes = codesOf(s.serviceName);
        const code = req.body.disposition;
        if (!codes.includes(code)) throw new HttpError('INVALID', `disposition: "${code}" is not one of ${codes.join(', ')}`, 'disposition');
        if (call.contactKind === 'callback' && !s.attempt && s.serviceName === null) throw new HttpError('CONFLICT', `no callback ${call.contactId} to wrap up`);
        // the state first: a refusal (no phone to be READY at) leaves the wrap-up to be sent again
        if (req.body.then === 'NOT_READY') deps.agents.setNotReady(agentId);
        else deps.agents.setReady(agentId);
        const disposition = { code, note: req.body.note?.trim() || null, at: deps.clock.now() };
        // the attempt keeps the disposition of the agent it ended with: an agent who transferred the callback to a
        // colleague wraps up their own part (state, today's figures) without overwriting the colleague's
        if (s.attempt) await deps.store.setAttemptDisposition(s.attempt.id, disposition);
        else if (call.contactKind === 'caller') await deps.store.setInteractionDisposition(call.contactId, agentId, disposition);
        deps.agents.wrappedUp(agentId, req.body.disposition);
        req.log.info({ agentId, contactId: call.contactId, kind: call.contactKind, ...(s.attempt ? { callbackId: call.contactId, attemptId: s.attempt.id } : {}), disposition: code }, 'agent wrapped up a call');
        return { agent: deps.agents.getAgent(agentId), disposition: { code, note: disposition.note, at: new Date(disposition.at).toISOString() }, serviceName: s.serviceName };
      },
    );
  };

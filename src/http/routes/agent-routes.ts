import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ServiceRegistry } from '../../callback/service-registry';
import type { AgentView } from '../../queue/views';
import type { Store } from '../../store/store';
import type { AgentSessions } from '../agent-sessions';
import { callbackView } from '../callback-view';
import { HttpError } from '../errors';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import { TooManyAttemptsError, type SignInAttempt, type SignInThrottle } from '../../security/sign-in-throttle';

/** What the agent page needs from the queue's agents (QueueService provides it). */
export interface AgentDirectory {
  hasAgent(agentId: string): boolean;
  getAgent(agentId: string): AgentView;
  /** the agent recorded the wrap-up of its last call; false when it had none to wrap up */
  wrappedUp(agentId: string, disposition?: string): boolean;
  login(agentId: string): object;
  logout(agentId: string): object;
  setReady(agentId: string): object;
  setNotReady(agentId: string): object;
}

export interface SoftphoneSettings {
  /** WebSocket URL of drachtio-server's SIP over WebSocket listener (wss:// in production) */
  wsUrl: string;
  /** SIP domain agents register in */
  domain: string;
}

export const agentOf = (req: FastifyRequest): string => {
  const id = req.client?.agentId;
  if (!id) throw new HttpError('FORBIDDEN', 'sign in as an agent (POST /api/v1/agent/sessions) to use this route');
  return id;
};

/** The agent's self-service API, behind the agent's own sign-in. */
export const agentRoutes =
  (deps: {
    agents: AgentDirectory;
    sessions: AgentSessions;
    store: Store;
    softphone: SoftphoneSettings;
    services?: Pick<ServiceRegistry, 'get'>;
    throttle?: SignInThrottle;
    audit?: AuditLog;
  }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api/v1/agent/sessions',
      {
        schema: {
          tags: ['agent'],
          summary: 'Agent sign-in (the softphone credentials); logs the agent in NOT_READY',
          body: Type.Object({ agentId: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        },
      },
      async (req) => {
        // the account is the agent's password, which the softphone's REGISTER digest uses too
        const attempt: SignInAttempt = { kind: 'agent', account: `agent:${req.body.agentId}`, source: req.ip };
        const refusal = deps.throttle?.refusal(attempt);
        if (refusal) throw new TooManyAttemptsError(refusal);
        const token = deps.agents.hasAgent(req.body.agentId) ? await deps.sessions.signIn(req.body.agentId, req.body.password) : undefined;
        if (!token) {
          deps.throttle?.failed(attempt);
          throw new HttpError('UNAUTHENTICATED', 'unknown agent or wrong password');
        }
        deps.throttle?.succeeded(attempt);
        deps.agents.login(req.body.agentId);
        // agents start their shift NOT_READY and choose when to take calls
        const agent = deps.agents.setNotReady(req.body.agentId);
        return { token, agent, sip: { ...deps.softphone, username: req.body.agentId } };
      },
    );

    app.delete('/api/v1/agent/sessions', { schema: { tags: ['agent'], summary: "Sign out everywhere: end every session of the signed-in agent (this one too)" } }, async (req) => ({
      signedOut: await deps.sessions.signOutEverywhere(agentOf(req)),
    }));

    app.delete(
      '/admin/v1/agents/:agentId/sessions',
      { schema: { tags: ['admin'], summary: "End every agent page session of an agent (admin)", params: Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }) }) } },
      async (req) => {
        const id = req.params.agentId;
        if (!deps.agents.hasAgent(id)) throw new HttpError('NOT_FOUND', `no agent "${id}"`);
        const signedOut = await deps.sessions.signOutEverywhere(id);
        await deps.audit?.record(actorOf(req), 'agent.signed-out', `agent:${id}`, { after: { sessionsEnded: signedOut } });
        return { signedOut };
      },
    );

    app.get('/api/v1/agent/me', { schema: { tags: ['agent'], summary: 'The signed-in agent, with state' } }, async (req) => deps.agents.getAgent(agentOf(req)));

    app.put(
      '/api/v1/agent/me/state',
      {
        schema: {
          tags: ['agent'],
          summary: 'Go READY, NOT_READY, or log out',
          body: Type.Object({ state: Type.Union([Type.Literal('READY'), Type.Literal('NOT_READY'), Type.Literal('LOGGED_OUT')]) }, { additionalProperties: false }),
        },
      },
      async (req) => {
        const id = agentOf(req);
        if (req.body.state === 'READY') return deps.agents.setReady(id);
        if (req.body.state === 'NOT_READY') return deps.agents.setNotReady(id);
        const view = deps.agents.logout(id);
        const token = req.headers.authorization?.slice(7);
        if (token) await deps.sessions.signOut(token);
        return view;
      },
    );

    app.get(
      '/api/v1/agent/callbacks/:id',
      {
        schema: {
          tags: ['agent'],
          summary: 'The callback an offered call is for: number, user data, attempt (of the service\'s maximum), AMD',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        },
      },
      async (req) => {
        agentOf(req);
        const c = await deps.store.getCallback(req.params.id);
        if (!c) throw new HttpError('NOT_FOUND', `no callback "${req.params.id}"`);
        const attempts = await deps.store.attemptsOf(c.id);
        const last = attempts.at(-1);
        const settings = deps.services?.get(c.serviceName)?.settings;
        return { ...callbackView(c), _attempt: attempts.length, _max_attempts: settings?.maxNumberOfAttempts ?? null, _amd: last?.amdDecision ?? null };
      },
    );
  };

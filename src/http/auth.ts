import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentSessions } from './agent-sessions';
import { HttpError } from './errors';
import { TooManyAttemptsError, type SignInAttempt, type SignInThrottle } from '../security/sign-in-throttle';

export interface ApiClient {
  id: string;
  key: string;
  admin: boolean;
  /** set for an agent signed in to the agent page: it may use /api/v1/agent/... only */
  agentId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    client?: ApiClient;
  }
}

const PUBLIC = [/^\/health$/, /^\/metrics$/, /^\/docs(\/|$)/, /^\/supervisor$/, /^\/agent$/, /^\/favicon\.ico$/, /^\/vendor\//, /^\/api\/v1\/agent\/sessions$/];
const AGENT_ROUTES = /^\/api\/v1\/agent\//;

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * API keys: `X-API-Key: <key>`, or HTTP basic auth with the client id as user and the key as password.
 * Routes under /admin need a client marked `admin`. /health, /metrics and /docs are public.
 */
export function installAuth(app: FastifyInstance, clients: ApiClient[], agents?: AgentSessions, throttle?: SignInThrottle): void {
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const path = req.url.split('?')[0];
    if (PUBLIC.some((re) => re.test(path))) return;
    const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : agentTokenInQuery(req, path);
    if (bearer !== undefined && agents) {
      const agentId = agents.agentFor(bearer);
      if (!agentId) throw new HttpError(401, 'agent session expired or unknown: sign in again');
      if (!AGENT_ROUTES.test(path)) throw new HttpError(403, `agent "${agentId}" may only use /api/v1/agent/ routes`);
      req.client = { id: `agent:${agentId}`, key: '', admin: false, agentId };
      return;
    }
    const presented = presentedKey(req, path);
    if (!presented) throw new HttpError(401, clients.length ? 'missing API key (X-API-Key header or basic auth)' : 'no API clients are configured (auth.clients)');
    const attempt: SignInAttempt = { kind: 'api-key', account: presented.id === undefined ? undefined : `key:${presented.id}`, source: req.ip };
    const refusal = throttle?.refusal(attempt);
    if (refusal) throw new TooManyAttemptsError(refusal);
    const client = identify(presented, clients);
    if (!client) {
      throttle?.failed(attempt);
      throw new HttpError(401, clients.length ? 'wrong API key (X-API-Key header or basic auth)' : 'no API clients are configured (auth.clients)');
    }
    throttle?.succeeded(attempt);
    if (path.startsWith('/admin/') && !client.admin) throw new HttpError(403, `client "${client.id}" is not an admin client`);
    req.client = client;
  });
}

/** the agent's own stream is an EventSource too: its session token may come as `access_token` */
const AGENT_TOKEN_IN_QUERY = /^\/api\/v1\/agent\/stream$/;
function agentTokenInQuery(req: FastifyRequest, path: string): string | undefined {
  if (!AGENT_TOKEN_IN_QUERY.test(path)) return undefined;
  const token = (req.query as { access_token?: unknown } | undefined)?.access_token;
  return typeof token === 'string' ? token : undefined;
}

/** routes a browser's EventSource calls, which cannot set headers: the key may come as `api_key` */
const KEY_IN_QUERY = /^\/api\/v1\/stream(\/queues)?$/;

/** a key as the request presents it; `id` when it names its client (basic auth) */
interface PresentedKey {
  key: string;
  id?: string;
}

function presentedKey(req: FastifyRequest, path: string): PresentedKey | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return { key: header };
  const query = (req.query as { api_key?: unknown } | undefined)?.api_key;
  if (typeof query === 'string' && KEY_IN_QUERY.test(path)) return { key: query };
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    return { id: decoded.slice(0, i), key: decoded.slice(i + 1) };
  }
  return undefined;
}

function identify(p: PresentedKey, clients: ApiClient[]): ApiClient | undefined {
  return clients.find((c) => (p.id === undefined || c.id === p.id) && same(c.key, p.key));
}

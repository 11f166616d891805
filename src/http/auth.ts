import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentSessions } from './agent-sessions';
import { HttpError } from './errors';

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
export function installAuth(app: FastifyInstance, clients: ApiClient[], agents?: AgentSessions): void {
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
    const client = identify(req, clients);
    if (!client) {
      throw new HttpError(401, clients.length ? 'missing or wrong API key (X-API-Key header or basic auth)' : 'no API clients are configured (auth.clients)');
    }
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

function identify(req: FastifyRequest, clients: ApiClient[]): ApiClient | undefined {
  const header = req.headers['x-api-key'];
  const query = (req.query as { api_key?: unknown } | undefined)?.api_key;
  if (typeof header !== 'string' && typeof query === 'string' && KEY_IN_QUERY.test(req.url.split('?')[0])) {
    return clients.find((c) => same(c.key, query));
  }
  if (typeof header === 'string') return clients.find((c) => same(c.key, header));
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    const id = decoded.slice(0, i);
    const key = decoded.slice(i + 1);
    return clients.find((c) => c.id === id && same(c.key, key));
  }
  return undefined;
}

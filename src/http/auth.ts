import { timingSafeEqual } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentSessions } from './agent-sessions';
import { HttpError } from './errors';
import { addressAllowed, ApiKeys, networksOf } from '../security/api-keys';
import { accessOf, defaultScopes, type ApiScope, type RouteAccess } from '../security/scopes';
import { TooManyAttemptsError, type SignInAttempt, type SignInThrottle } from '../security/sign-in-throttle';

/** who made a request: an API key's client, or an agent signed in to the agent page */
export interface ApiClient {
  /** the config client's id, or the data key's id */
  id: string;
  /** how people call it (the key's name); the id when it has none */
  name: string;
  scopes: ReadonlySet<ApiScope>;
  /** set for an agent signed in to the agent page: it may use /api/v1/agent/... only */
  agentId?: string;
  /** requests per minute allowed to this key (data keys that set one) */
  rateLimitPerMinute?: number;
}

/** a client of the config file (bootstrap): `admin` gives every scope unless `scopes` says otherwise */
export interface ConfigClient {
  id: string;
  key: string;
  admin: boolean;
  scopes?: ApiScope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    client?: ApiClient;
  }
}

const same = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export interface AuthDeps {
  clients: ConfigClient[];
  /** keys kept in the store (created over the admin API) */
  apiKeys?: ApiKeys;
  agents?: AgentSessions;
  throttle?: SignInThrottle;
}

/**
 * Every route's access comes from one table (src/security/scopes.ts): public, the agent page's sign-in token,
 * or an API key holding the route's scope. Keys come as `X-API-Key: <key>`, or as HTTP basic auth with the
 * client id as user and the key as password. Wrong keys count in the sign-in throttle (per source; per
 * account when the key names its id). A key restricted to networks is refused from other addresses.
 */
export function installAuth(app: FastifyInstance, deps: AuthDeps): void {
  const { clients, apiKeys, agents, throttle } = deps;
  const networks = new Map<string, BlockList>();
  const table: RouteAccessEntry[] = [];
  ROUTE_TABLES.set(app, table);
  // a route that no access rule covers does not start: it would be refused to everyone
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      const access = accessOf(method, route.url);
      if (access === undefined) throw new Error(`no access rule covers ${method} ${route.url}: add one to src/security/scopes.ts`);
      table.push({ method, url: route.url, access });
    }
  });
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const pattern = req.routeOptions.url;
    // no route: the not-found handler answers, there is nothing to protect
    if (pattern === undefined) return;
    const access = accessOf(req.method, pattern);
    if (access === 'public') return;
    const path = req.url.split('?')[0]!;
    const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : agentTokenInQuery(req, path);
    if (bearer !== undefined && agents) {
      const agentId = await agents.agentFor(bearer);
      if (!agentId) throw new HttpError('UNAUTHENTICATED', 'agent session expired or unknown: sign in again');
      if (access !== 'agent-session') throw new HttpError('FORBIDDEN', `agent "${agentId}" may only use /api/v1/agent/ routes`);
      req.client = { id: `agent:${agentId}`, name: agentId, scopes: new Set(), agentId };
      return;
    }
    if (access === undefined) throw new HttpError('FORBIDDEN', `no access rule covers ${req.method} ${pattern}: nobody may call it`);

    const presented = presentedKey(req, path);
    if (!presented) {
      if (access === 'agent-session') throw new HttpError('UNAUTHENTICATED', 'sign in as an agent (POST /api/v1/agent/sessions) to use this route');
      throw new HttpError('UNAUTHENTICATED', clients.length || apiKeys ? 'missing API key (X-API-Key header or basic auth)' : 'no API clients are configured (auth.clients)');
    }
    const keyId = presented.id ?? ApiKeys.idOf(presented.key);
    const attempt: SignInAttempt = { kind: 'api-key', account: keyId === undefined ? undefined : `key:${keyId}`, source: req.ip };
    const refusal = throttle?.refusal(attempt);
    if (refusal) throw new TooManyAttemptsError(refusal);
    const client = await identify(presented, clients, apiKeys, networks);
    if (!client) {
      throttle?.failed(attempt);
      throw new HttpError('UNAUTHENTICATED', 'wrong or revoked API key (X-API-Key header or basic auth)');
    }
    throttle?.succeeded(attempt);
    if (access === 'agent-session') throw new HttpError('FORBIDDEN', 'an API key is not an agent: sign in as an agent (POST /api/v1/agent/sessions)');
    if (!client.scopes.has(access)) throw new HttpError('FORBIDDEN', `API key "${client.name}" lacks the scope "${access}" that ${req.method} ${pattern} needs`);
    const allowed = client.networks;
    if (allowed && !addressAllowed(allowed, req.ip)) throw new HttpError('FORBIDDEN', `API key "${client.name}" may not be used from ${req.ip}`);
    req.client = client;
  });
}

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess;
}
const ROUTE_TABLES = new WeakMap<FastifyInstance, RouteAccessEntry[]>();

/** every route registered after installAuth, with the access it needs (the scope tests walk it) */
export const routeAccessTable = (app: FastifyInstance): readonly RouteAccessEntry[] => ROUTE_TABLES.get(app) ?? [];

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

async function identify(p: PresentedKey, clients: ConfigClient[], apiKeys: ApiKeys | undefined, networks: Map<string, BlockList>): Promise<(ApiClient & { networks?: BlockList }) | undefined> {
  if (apiKeys && ApiKeys.isDataKey(p.key)) {
    const row = await apiKeys.verify(p.key);
    if (!row || (p.id !== undefined && p.id !== row.id)) return undefined;
    let allowed: BlockList | undefined;
    if (row.allowedNetworks.length) {
      const cacheKey = row.allowedNetworks.join(',');
      allowed = networks.get(cacheKey) ?? networksOf(row.allowedNetworks);
      networks.set(cacheKey, allowed);
    }
    return { id: row.id, name: row.name, scopes: new Set(row.scopes), ...(row.rateLimitPerMinute !== null ? { rateLimitPerMinute: row.rateLimitPerMinute } : {}), ...(allowed ? { networks: allowed } : {}) };
  }
  const c = clients.find((c) => (p.id === undefined || c.id === p.id) && same(c.key, p.key));
  return c && { id: c.id, name: c.id, scopes: new Set(c.scopes ?? defaultScopes(c.admin)) };
}

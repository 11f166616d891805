import { Type } from '@sinclair/typebox';

/** What an API key may do. A key holds one or more; `admin` is the admin API (services, keys, audit). */
export const ApiScopeSchema = Type.Union([
  Type.Literal('callbacks:write'),
  Type.Literal('callbacks:read'),
  Type.Literal('reports:read'),
  Type.Literal('queue:agent'),
  /** listen to, whisper to and barge in on agents' calls (never given by default: see defaultScopes) */
  Type.Literal('calls:supervise'),
  Type.Literal('admin'),
]);
export const API_SCOPES = ApiScopeSchema.anyOf.map((s) => s.const);
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Who may call a route: `public` (no key: health, metrics, docs, the pages and their static files),
 * `agent-session` (the agent page's sign-in token, /api/v1/agent/...), or an API key with the scope.
 */
export type RouteAccess = 'public' | 'agent-session' | ApiScope;

type Rule = [methods: string, pattern: RegExp, access: RouteAccess];

const READ = 'GET HEAD';
const WRITE = 'POST PUT DELETE PATCH';

/**
 * Every route's access, in one table matched on the route's pattern (as registered, e.g.
 * `/genesys/1/service/callback/:service/:id`). A route no rule matches is refused to everyone: a new route
 * must be added here (test/component/api-scopes.test.ts walks every registered route).
 */
const RULES: Rule[] = [
  [READ, /^\/(health|metrics|favicon\.ico)$/, 'public'],
  [READ, /^\/docs(\/|$)/, 'public'],
  [READ, /^\/(agent|supervisor|admin)$/, 'public'],
  [READ, /^\/(vendor|assets)\//, 'public'],
  ['POST', /^\/api\/v1\/agent\/sessions$/, 'public'],
  [READ + ' ' + WRITE, /^\/api\/v1\/agent\//, 'agent-session'],

  [WRITE, /^\/genesys\/1\/service\/callback\//, 'callbacks:write'],
  [READ, /^\/genesys\/1\/service\/callback\//, 'callbacks:read'],
  [READ, /^\/genesys\/1\/statistic\//, 'callbacks:read'],
  // the originating interactions of an IVR that is not ours (they carry the _CB_* keys of its callbacks)
  [WRITE, /^\/api\/v1\/interactions(\/|$)/, 'callbacks:write'],
  [READ, /^\/api\/v1\/interactions(\/|$)/, 'callbacks:read'],

  [READ, /^\/api\/v1\/reports\//, 'reports:read'],
  [READ, /^\/api\/v1\/stream$/, 'reports:read'],

  [READ + ' ' + WRITE, /^\/api\/v1\/(agents|targets)(\/|$)/, 'queue:agent'],
  [READ, /^\/api\/v1\/stream\/queues$/, 'queue:agent'],

  [READ + ' ' + WRITE, /^\/api\/v1\/supervision(\/|$)/, 'calls:supervise'],

  [READ + ' ' + WRITE, /^\/admin\/v1\//, 'admin'],
];

/** the access a route needs, or undefined when no rule covers it (then nobody may call it) */
export function accessOf(method: string, routePattern: string): RouteAccess | undefined {
  for (const [methods, pattern, access] of RULES) {
    if (methods.split(' ').includes(method) && pattern.test(routePattern)) return access;
  }
  return undefined;
}

/**
 * config clients of old (no `scopes`): an admin client may do everything, another everything but admin and
 * listening to calls (a key made before supervision existed does not gain it silently)
 */
export const defaultScopes = (admin: boolean): ApiScope[] => (admin ? [...API_SCOPES] : API_SCOPES.filter((s) => s !== 'admin' && s !== 'calls:supervise'));

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKeys } from '../../security/api-keys';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import { ApiScopeSchema } from '../../security/scopes';

const Scope = ApiScopeSchema;
const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Scope),
  allowedNetworks: Type.Array(Type.String()),
  rateLimitPerMinute: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revokedBy: Type.Union([Type.String(), Type.Null()]),
  replacedBy: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});
const Created = Type.Object({ key: Type.String({ description: 'the key itself: shown this once, stored only hashed' }), ...KeyView.properties });
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });


/** Admin API: API keys kept in the store, hashed; the secret is shown once, at creation or rotation. */
export const apiKeyRoutes =
  (deps: { apiKeys: ApiKeys; audit: AuditLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['admin'];

    app.get('/admin/v1/keys', { schema: { tags, summary: 'API keys (never their secrets)', response: { 200: Type.Object({ keys: Type.Array(KeyView) }) } } }, async () => ({
      keys: await deps.apiKeys.list(),
    }));

    app.get('/admin/v1/keys/:id', { schema: { tags, summary: 'One API key', params: IdParam, response: { 200: KeyView } } }, async (req) => deps.apiKeys.get(req.params.id));

    app.post(
      '/admin/v1/keys',
      {
        schema: {
          tags,
          summary: 'Create an API key; the answer holds the key, shown this once',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              scopes: Type.Array(Scope, { minItems: 1, uniqueItems: true }),
              allowedNetworks: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, description: 'CIDR blocks the key may be used from (none: anywhere)' })),
              rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'requests per minute for this key (none: unlimited)' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Created },
        },
      },
      async (req, reply) => {
        const by = actorOf(req);
        // the entry holds the key's view (name, scopes, networks, limit), never its secret
        const created = await deps.audit.within(by, 'key.created', (c) => `key:${c.view.id}`, () => deps.apiKeys.create(req.body, by.actor), (c) => ({ after: c.view }));
        void reply.status(201).header('cache-control', 'no-store');
        return { key: created.key, ...created.view };
      },
    );

    app.post(
      '/admin/v1/keys/:id/rotate',
      {
        schema: {
          tags,
          summary: 'Replace a key by a new one with the same scopes, networks and limit; the old one stops after graceSec (default 0: now)',
          params: IdParam,
          body: Type.Optional(Type.Union([Type.Object({ graceSec: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })) }, { additionalProperties: false }), Type.Null()])),
          response: { 201: Type.Object({ key: Type.String(), ...KeyView.properties, replaces: KeyView }) },
        },
      },
      async (req, reply) => {
        const by = actorOf(req);
        const r = await deps.audit.within(by, 'key.rotated', `key:${req.params.id}`, () => deps.apiKeys.rotate(req.params.id, by.actor, req.body?.graceSec ?? 0), (r) => ({
          before: { revokedAt: null },
          after: { revokedAt: r.old.revokedAt, replacedBy: r.view.id },
        }));
        void reply.status(201).header('cache-control', 'no-store');
        return { key: r.key, ...r.view, replaces: r.old };
      },
    );

    app.delete('/admin/v1/keys/:id', { schema: { tags, summary: 'Revoke a key: refused at once, on every instance', params: IdParam, response: { 200: KeyView } } }, async (req) => {
      const by = actorOf(req);
      const r = await deps.audit.within(by, 'key.revoked', `key:${req.params.id}`, () => deps.apiKeys.revoke(req.params.id, by.actor), (r) => ({ before: { revokedAt: r.before.revokedAt }, after: { revokedAt: r.after.revokedAt } }));
      return r.after;
    });
  };

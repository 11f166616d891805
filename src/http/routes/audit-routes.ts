import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuditLog } from '../../audit/audit-log';
import { HttpError } from '../errors';

const Entry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String({ description: "the API key's name, or agent:<id>" }),
  source: Type.String({ description: "the client's address" }),
  action: Type.String(),
  subject: Type.String({ description: 'service:<name>, callback:<id>, agent:<id>, key:<id>' }),
  before: Type.Unknown(),
  after: Type.Unknown(),
});

const time = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError('INVALID', `${name}: "${v}" is not an ISO 8601 date-time`, name);
  return t;
};

/** Admin API: the audit log, newest first (page back with `before`, the last seq you got). */
export const auditRoutes =
  (deps: { audit: AuditLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/admin/v1/audit',
      {
        schema: {
          tags: ['admin'],
          summary: 'Admin and supervisor actions: who, when, from where, what changed',
          querystring: Type.Object(
            {
              from: Type.Optional(Type.String({ description: 'at or after (ISO 8601)' })),
              to: Type.Optional(Type.String({ description: 'at or before (ISO 8601)' })),
              actor: Type.Optional(Type.String({ maxLength: 200 })),
              action: Type.Optional(Type.String({ maxLength: 64 })),
              subject: Type.Optional(Type.String({ maxLength: 200, description: 'exact, or a kind with its colon: `service:`' })),
              before: Type.Optional(Type.Integer({ minimum: 1, description: 'entries older than this seq' })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ entries: Type.Array(Entry) }) },
        },
      },
      async (req) => {
        const q = req.query;
        return {
          entries: await deps.audit.search({ from: time('from', q.from), to: time('to', q.to), actor: q.actor, action: q.action, subject: q.subject, beforeSeq: q.before, limit: q.limit ?? 100 }),
        };
      },
    );
  };

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';
import { reportingKeys } from '../../callback/reporting-keys';
import type { CallbackEventType, CallbackState } from '../../ports/callback-records';
import type { Store } from '../../store/store';
import { HttpError } from '../errors';

const Filter = Type.Object(
  {
    service: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    from: Type.Optional(Type.String({ description: 'ISO 8601' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 })),
  },
  { additionalProperties: false },
);

const time = (name: string, v?: string): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError('INVALID', `${name}: "${v}" is not an ISO 8601 date-time`, name);
  return t;
};
const STATES: readonly CallbackState[] = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING', 'COMPLETED'];
const EVENT_TYPES: readonly CallbackEventType[] = ['CREATED', 'STATE_CHANGED', 'ATTEMPT_STARTED', 'ATTEMPT_ENDED', 'RESCHEDULED', 'CANCELLED', 'RECOVERED'];

/** a comma-separated filter whose every value must be one of `allowed` */
function listOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (v === undefined) return undefined;
  const values = v.split(',').map((x) => x.trim().toUpperCase());
  const bad = values.find((x) => !(allowed as readonly string[]).includes(x));
  if (bad !== undefined) throw new HttpError('INVALID', `${name}: "${bad}" is not one of ${allowed.join(', ')}`, name);
  return values as T[];
}

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '');

function send(reply: FastifyReply, format: string | undefined, name: string, rows: Record<string, unknown>[]) {
  if (format === 'csv') {
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`);
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, typeof r[c] === 'object' && r[c] !== null ? JSON.stringify(r[c]) : r[c]]))), { header: true, columns, cast: { boolean: (v: boolean) => String(v) } });
  }
  return rows;
}

/** Historical reporting: callbacks (with the _CB_* keys), their events and attempts, and originating interactions. */
export const reportRoutes =
  (deps: { store: Store }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { store } = deps;
    app.get('/api/v1/reports/callbacks', { schema: { tags: ['reports'], summary: 'Callbacks, one row each (JSON or CSV)', querystring: Filter } }, async (req, reply) => {
      const q = req.query;
      const rows = (
        await store.searchCallbacks({
          serviceName: q.service,
          states: listOf('state', q.state, STATES),
          from: time('from', q.from),
          to: time('to', q.to),
          limit: q.limit ?? 10_000,
        })
      ).map((c) => ({
        id: c.id,
        service: c.serviceName,
        customer_number: c.customerNumber,
        state: c.state,
        reason: c.reason ?? '',
        target: c.target,
        scheduled: c.desiredTime !== null,
        accepted_at: iso(c.acceptedAt),
        service_start: iso(c.serviceStart),
        expiration_time: iso(c.expirationTime),
        attempts: c.attempts,
        originating_interaction_id: c.originatingInteractionId ?? '',
        ...reportingKeys(c),
      }));
      return send(reply, q.format, 'callbacks', rows);
    });

    app.get('/api/v1/reports/events', { schema: { tags: ['reports'], summary: 'State changes and attempts as events (JSON or CSV)', querystring: Filter } }, async (req, reply) => {
      const q = req.query;
      const rows = (
        await store.events({
          serviceName: q.service,
          types: listOf('type', q.type, EVENT_TYPES),
          from: time('from', q.from),
          to: time('to', q.to),
          limit: q.limit ?? 10_000,
        })
      ).map((e) => ({ seq: e.seq, callback_id: e.callbackId, at: iso(e.at), type: e.type, state: e.state, reason: e.reason ?? '', ...e.data }));
      return send(reply, q.format, 'events', rows);
    });

    app.get(
      '/api/v1/reports/attempts',
      { schema: { tags: ['reports'], summary: "Dial attempts, one row each, with the agent's wrap-up (disposition code and note) (JSON or CSV)", querystring: Filter } },
      async (req, reply) => {
        const q = req.query;
        const rows = (await store.searchAttempts({ serviceName: q.service, from: time('from', q.from), to: time('to', q.to), limit: q.limit ?? 10_000 })).map((a) => ({
          attempt_id: a.id,
          callback_id: a.callbackId,
          service: a.serviceName,
          customer_number: a.customerNumber,
          number: a.number,
          started_at: iso(a.startedAt),
          ended_at: iso(a.endedAt),
          outcome: a.outcome ?? '',
          sip_status: a.sipStatus ?? '',
          amd_decision: a.amdDecision ?? '',
          agent_id: a.agentId ?? '',
          answered_at: iso(a.answeredAt),
          connected_at: iso(a.connectedAt),
          disposition: a.disposition ?? '',
          disposition_note: a.dispositionNote ?? '',
          disposition_at: iso(a.dispositionAt),
        }));
        return send(reply, q.format, 'attempts', rows);
      },
    );

    app.get('/api/v1/reports/interactions', { schema: { tags: ['reports'], summary: 'Originating (inbound) interactions with their outcome and attached data', querystring: Filter } }, async (req, reply) => {
      const q = req.query;
      const rows = (await store.searchInteractions({ from: time('from', q.from), to: time('to', q.to), limit: q.limit ?? 10_000 })).map((i) => ({
        interaction_id: i.interactionId,
        call_id: i.callId ?? '',
        ani: i.ani ?? '',
        dnis: i.dnis ?? '',
        service: i.serviceName ?? '',
        target: i.target ?? '',
        started_at: iso(i.startedAt),
        ended_at: iso(i.endedAt),
        outcome: i.outcome ?? 'OPEN',
        agent_id: i.agentId ?? '',
        disposition: i.disposition ?? '',
        disposition_note: i.dispositionNote ?? '',
        ...i.attached,
      }));
      return send(reply, q.format, 'interactions', rows);
    });

    const HistoryQuery = Type.Object(
      {
        target: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        from: Type.Optional(Type.String({ description: 'ISO 8601; default: 6 hours before `to`' })),
        to: Type.Optional(Type.String({ description: 'ISO 8601; default: now' })),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100_000 })),
      },
      { additionalProperties: false },
    );
    app.get(
      '/api/v1/reports/queue-history',
      { schema: { tags: ['reports'], summary: 'Each target\'s waiting contacts, EWT and agents over time (sampled every history.sampleSec)', querystring: HistoryQuery } },
      async (req, reply) => {
        const q = req.query;
        const to = time('to', q.to) ?? Date.now();
        const from = time('from', q.from) ?? to - 6 * 3_600_000;
        if (from >= to) throw new HttpError('INVALID', 'from: must be before to', 'from');
        const rows = (await store.queueSamples({ target: q.target, from, to, limit: q.limit ?? 100_000 })).map((s) => ({
          at: iso(s.at),
          target: s.target,
          waiting: s.waiting,
          ewt_sec: s.ewtSec,
          agents_ready: s.agentsReady,
          agents_busy: s.agentsBusy,
          staffed: s.staffed,
        }));
        return send(reply, q.format, 'queue-history', rows);
      },
    );
  };

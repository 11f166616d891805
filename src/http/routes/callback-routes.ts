import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CallbackService } from '../../callback/callback-service';
import type { CallbackState } from '../../ports/callback-records';
import type { Store } from '../../store/store';
import { callbackView } from '../callback-view';
import { HttpError } from '../errors';
import { actorOf, type AuditLog } from '../../audit/audit-log';

const STATES: CallbackState[] = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING', 'COMPLETED'];
const ServiceParam = Type.Object({ service: Type.String({ minLength: 1, maxLength: 64 }) });
const IdParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ minLength: 1, maxLength: 64 }) });
const Record_ = Type.Object({ _id: Type.String(), _callback_state: Type.String() }, { additionalProperties: true });
const ErrorBody = Type.Object({ statusCode: Type.Integer(), error: Type.String(), message: Type.String(), parameter: Type.Optional(Type.String()) });
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody };

const parseTime = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError('INVALID', `${name}: "${v}" is not an ISO 8601 date-time`, name);
  return t;
};

export interface CallbackRouteDeps {
  callbacks: CallbackService;
  store: Store;
  onAccepted?: (service: string, existing: boolean) => void;
  /** cancellations and reschedules (a supervisor's, or a client's) are audited */
  audit?: AuditLog;
}

/** what the audit log keeps of a callback: its state and times, not the customer's number */
const auditedState = (c: { state: string; reason: string | null; desiredTime: number | null }) => ({
  state: c.state,
  reason: c.reason,
  desiredTime: c.desiredTime === null ? null : new Date(c.desiredTime).toISOString(),
});

/** The GMS Callback Services API: /genesys/1/service/callback/{service}. */
export const callbackRoutes =
  (deps: CallbackRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { callbacks } = deps;
    const base = '/genesys/1/service/callback/:service';

    app.post(
      base,
      {
        schema: {
          tags: ['callback'],
          summary: 'Start a callback',
          description:
            'Form-encoded or JSON. `_customer_number` is required; `_desired_time` (ISO 8601 with zone) schedules it; `_originating_interaction_id` attaches the reporting keys to the originating call; other `_` options only if the service lists them in `_overwritable_options`; keys without `_` are user data.',
          params: ServiceParam,
          body: Type.Record(Type.String(), Type.Unknown()),
          response: { 200: Type.Object({ _id: Type.String() }), ...errors },
        },
      },
      async (req) => {
        const result = await callbacks.start(req.params.service, req.body, req.client?.id ?? 'anonymous');
        deps.onAccepted?.(req.params.service, result.existing);
        return { _id: result.id };
      },
    );

    app.get(
      `${base}/availability`,
      {
        schema: {
          tags: ['callback'],
          summary: 'Time slots with remaining capacity',
          description: 'Slots of `_request_time_bucket` minutes inside business hours; keys are slot starts (UTC), values the remaining capacity.',
          params: ServiceParam,
          querystring: Type.Object({
            _start: Type.Optional(Type.String()),
            _end: Type.Optional(Type.String()),
            '_number-of-days': Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
            '_max-time-slots': Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
          }),
          response: { 200: Type.Record(Type.String(), Type.Integer()), ...errors },
        },
      },
      async (req) => {
        const q = req.query;
        const start = parseTime('_start', q._start);
        const days = q['_number-of-days'];
        const end = parseTime('_end', q._end) ?? (days !== undefined ? (start ?? Date.now()) + days * 86_400_000 : undefined);
        return (await callbacks.availability(req.params.service, { start, end, maxSlots: q['_max-time-slots'] ?? 100 })).slots;
      },
    );

    app.get(
      base,
      {
        schema: {
          tags: ['callback'],
          summary: 'Query callbacks by properties',
          params: ServiceParam,
          querystring: Type.Object(
            {
              _customer_number: Type.Optional(Type.String()),
              _callback_state: Type.Optional(Type.String({ description: 'one state or a comma-separated list' })),
              _start_time: Type.Optional(Type.String({ description: 'service start at or after (ISO 8601)' })),
              _end_time: Type.Optional(Type.String({ description: 'service start at or before (ISO 8601)' })),
              _max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })),
              _offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Array(Record_), ...errors },
        },
      },
      async (req) => {
        const q = req.query;
        const states = q._callback_state?.split(',').map((s) => s.trim().toUpperCase());
        const bad = states?.find((s) => !STATES.includes(s as CallbackState));
        if (bad) throw new HttpError('INVALID', `_callback_state: "${bad}" is not one of ${STATES.join(', ')}`, '_callback_state');
        return (
          await callbacks.search(req.params.service, {
            customerNumber: q._customer_number,
            states: states as CallbackState[] | undefined,
            from: parseTime('_start_time', q._start_time),
            to: parseTime('_end_time', q._end_time),
            limit: q._max_results ?? 100,
            offset: q._offset,
          })
        ).map(callbackView);
      },
    );

    app.get(
      `${base}/:id`,
      { schema: { tags: ['callback'], summary: 'Query one callback', params: IdParams, response: { 200: Record_, ...errors } } },
      async (req) => callbackView(await callbacks.get(req.params.service, req.params.id)),
    );

    app.get(
      `${base}/:id/history`,
      {
        schema: {
          tags: ['callback'],
          summary: 'Events and attempts of one callback',
          params: IdParams,
          response: { 200: Type.Object({ events: Type.Array(Type.Unknown()), attempts: Type.Array(Type.Unknown()) }), ...errors },
        },
      },
      async (req) => {
        const c = await callbacks.get(req.params.service, req.params.id);
        return { events: await deps.store.events({ callbackId: c.id, limit: 10_000 }), attempts: await deps.store.attemptsOf(c.id) };
      },
    );

    app.delete(
      `${base}/:id`,
      { schema: { tags: ['callback'], summary: 'Cancel a callback', params: IdParams, response: { 200: Record_, ...errors } } },
      async (req) => {
        const before = await callbacks.get(req.params.service, req.params.id);
        const after = await callbacks.cancel(req.params.service, req.params.id);
        // cancel may wait for a running attempt to end: the entry follows the change
        await deps.audit?.record(actorOf(req), 'callback.cancelled', `callback:${after.id}`, { before: auditedState(before), after: auditedState(after) });
        return callbackView(after);
      },
    );

    app.put(
      `${base}/:id`,
      {
        schema: {
          tags: ['callback'],
          summary: 'Reschedule a callback',
          params: IdParams,
          body: Type.Record(Type.String(), Type.Unknown()),
          response: { 200: Record_, ...errors },
        },
      },
      async (req) => {
        const before = await callbacks.get(req.params.service, req.params.id);
        const reschedule = () => callbacks.reschedule(req.params.service, req.params.id, req.body);
        const after = deps.audit ? await deps.audit.within(actorOf(req), 'callback.rescheduled', `callback:${before.id}`, reschedule, (a) => ({ before: auditedState(before), after: auditedState(a) })) : await reschedule();
        return callbackView(after);
      },
    );
  };

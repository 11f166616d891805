import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { InteractionOutcome } from '../../ports/callbacks';
import type { StoredInteraction, Store } from '../../store/store';
import { HttpError } from '../errors';
import type { Clock } from '../../time';

/**
 * The reasons an IVR may end its call with (GMS: `ReasonSystemName`), and the outcome each is reported
 * as. The outcome names themselves are accepted too.
 */
export const END_REASONS: Readonly<Record<string, InteractionOutcome>> = {
  callback: 'CALLBACK',
  connectedtoagent: 'CONNECTED_TO_AGENT',
  abandoned: 'ABANDONED_IN_QUEUE',
  abandonedinqueue: 'ABANDONED_IN_QUEUE',
  hungupinivr: 'HUNG_UP_IN_IVR',
  failed: 'FAILED',
};
const outcomeOf = (reason: string): InteractionOutcome | undefined => END_REASONS[reason.replace(/[_\s-]/g, '').toLowerCase()];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** an interaction as the REST API shows it: times in ISO 8601, OPEN until it has an outcome */
export const interactionView = (i: StoredInteraction) => ({
  interactionId: i.interactionId,
  state: i.outcome === null ? ('OPEN' as const) : ('ENDED' as const),
  outcome: i.outcome,
  startedAt: iso(i.startedAt || null),
  endedAt: iso(i.endedAt),
  ...(i.callId !== undefined ? { callId: i.callId } : {}),
  ...(i.ani !== undefined ? { ani: i.ani } : {}),
  ...(i.dnis !== undefined ? { dnis: i.dnis } : {}),
  ...(i.serviceName !== undefined ? { serviceName: i.serviceName } : {}),
  ...(i.target !== undefined ? { target: i.target } : {}),
  ...(i.callbackId !== undefined ? { callbackId: i.callbackId } : {}),
  attached: i.attached,
});

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const time = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HttpError('INVALID', `${name}: "${v}" is not an ISO 8601 date-time`, name);
  return t;
};

/**
 * Originating interactions for an IVR that is not this service's own (another PBX, a voice bot): read one,
 * announce one when its call starts (so reports carry its start time), end one with a reason. A callback
 * requested with `_originating_interaction_id` ends its interaction as CALLBACK on acceptance, with the
 * `_CB_*` keys attached; such an interaction is never reported abandoned.
 */
export const interactionRoutes =
  (deps: { store: Store; clock: Clock }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { store } = deps;
    const find = async (id: string): Promise<StoredInteraction> => {
      const i = await store.getInteraction(id);
      if (!i) throw new HttpError('NOT_FOUND', `unknown interaction "${id}"`, 'id');
      return i;
    };

    app.get('/api/v1/interactions/:id', { schema: { tags: ['interactions'], summary: 'An originating interaction: times, outcome, attached data (the _CB_* keys)', params: IdParam } }, async (req) =>
      interactionView(await find(req.params.id)),
    );

    app.post(
      '/api/v1/interactions',
      {
        schema: {
          tags: ['interactions'],
          summary: 'Announce an originating interaction (its call started)',
          description:
            'Optional: an outside IVR that announces its call when it starts gets that start time in the reports; otherwise the interaction starts when its callback is accepted. `attached`: data to keep with it.',
          body: Type.Object(
            {
              id: Type.String({ minLength: 1, maxLength: 128 }),
              startedAt: Type.Optional(Type.String({ description: 'ISO 8601; default: now' })),
              ani: Type.Optional(Type.String({ maxLength: 64 })),
              dnis: Type.Optional(Type.String({ maxLength: 64 })),
              service: Type.Optional(Type.String({ maxLength: 64 })),
              attached: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number()]))),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req, reply) => {
        const b = req.body;
        const startedAt = time('startedAt', b.startedAt) ?? deps.clock.now();
        // checked and written in one transaction: two announcements of one id cannot both succeed
        const opened = await store.transaction(async () => {
          if (await store.getInteraction(b.id)) throw new HttpError('CONFLICT', `interaction "${b.id}" is already recorded`, 'id');
          await store.openInteraction({
            interactionId: b.id,
            startedAt,
            ...(b.ani !== undefined ? { ani: b.ani } : {}),
            ...(b.dnis !== undefined ? { dnis: b.dnis } : {}),
            ...(b.service !== undefined ? { serviceName: b.service } : {}),
            ...(b.attached ? { attached: b.attached } : {}),
          });
          return find(b.id);
        });
        void reply.status(201);
        return interactionView(opened);
      },
    );

    app.post(
      '/api/v1/interactions/:id/end',
      {
        schema: {
          tags: ['interactions'],
          summary: 'End an originating interaction with a reason (e.g. {"reason":"Callback"})',
          description: `Reasons: Callback, ConnectedToAgent, Abandoned, HungUpInIvr, Failed (or the outcome names). An interaction that led to a callback ends as Callback only: any other reason is a 409. Ending again with the same reason changes nothing.`,
          params: IdParam,
          body: Type.Object(
            {
              reason: Type.String({ minLength: 1, maxLength: 64 }),
              endedAt: Type.Optional(Type.String({ description: 'ISO 8601; default: now' })),
              startedAt: Type.Optional(Type.String({ description: 'ISO 8601, for an interaction not announced before' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (req) => {
        const { id } = req.params;
        const outcome = outcomeOf(req.body.reason);
        if (!outcome) throw new HttpError('INVALID', `reason: "${req.body.reason}" is not one of Callback, ConnectedToAgent, Abandoned, HungUpInIvr, Failed`, 'reason');
        const endedAt = time('endedAt', req.body.endedAt) ?? deps.clock.now();
        const requestedStart = time('startedAt', req.body.startedAt);
        // read, checked and written in one transaction (a callback linked meanwhile is seen)
        return store.transaction(async () => {
          const before = await store.getInteraction(id);
          const callbackId = before?.callbackId ?? (typeof before?.attached._CB_SERVICE_ID === 'string' ? before.attached._CB_SERVICE_ID : undefined);
          if (callbackId !== undefined && outcome !== 'CALLBACK') {
            throw new HttpError('CONFLICT', `interaction "${id}" led to callback "${callbackId}": it ends as Callback, not ${outcome}`, 'reason');
          }
          if (before?.outcome) {
            if (before.outcome === outcome) return interactionView(before);
            throw new HttpError('CONFLICT', `interaction "${id}" already ended as ${before.outcome}`, 'reason');
          }
          const startedAt = (before?.startedAt || undefined) ?? requestedStart ?? endedAt;
          if (endedAt < startedAt) throw new HttpError('INVALID', `endedAt: before the interaction's start (${new Date(startedAt).toISOString()})`, 'endedAt');
          await store.recordInteraction({
            interactionId: id,
            ...(before?.serviceName !== undefined ? { serviceName: before.serviceName } : {}),
            startedAt,
            endedAt,
            outcome,
            attached: {},
          });
          req.log.info({ interactionId: id, outcome, callbackId }, 'interaction ended over REST');
          return interactionView(await find(id));
        });
      },
    );
  };

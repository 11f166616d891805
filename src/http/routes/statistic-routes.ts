import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decideOffer } from '../../callback/offer-decision';
import type { ServiceRegistry } from '../../callback/service-registry';
import type { SlotAvailability } from '../../ports/callbacks';
import type { EwtMethod } from '../../ports/queue';
import { HttpError } from '../errors';
import type { Clock } from '../../time';

/** what the statistic reads of the queue */
export interface WaitStatisticQueue {
  hasTarget(target: string): boolean;
  /** the target's own EWT method */
  targetMethod(target: string): EwtMethod;
  estimatedWaitSeconds(target: string, method: EwtMethod): number;
  waiting(target: string): number;
  readyAgents(target: string): number;
}

export interface WaitStatisticDeps {
  services: Pick<ServiceRegistry, 'get'>;
  queue: WaitStatisticQueue;
  /** the service's open time slots with room (the REST /availability answer) */
  availability(serviceName: string, q: { maxSlots: number }): Promise<SlotAvailability>;
  /** the IVR threshold of a service and where it comes from (the same as the built-in IVR's) */
  threshold(serviceName: string): { sec: number; from: string };
  clock: Clock;
}

const Query = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a callback service: its `_target`, its `_ewt_method`, and whether it would offer a callback now' })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'a target (queue); with `service`, the target the call would wait in instead of the service\'s `_target`' })),
    '_max-time-slots': Type.Optional(Type.Integer({ minimum: 0, maximum: 20, default: 3, description: 'time slots to list for a service that takes scheduled callbacks' })),
  },
  { additionalProperties: false },
);

const Answer = Type.Object({
  _target: Type.String(),
  _ewt: Type.Integer({ description: 'estimated wait of a caller entering the target now, seconds (rounded up)' }),
  _ewt_method: Type.String(),
  _ewt_method_from: Type.String({ description: '`_ewt_method` (the service) or `target` (the target\'s own method)' }),
  _waiting: Type.Integer(),
  _ready_agents: Type.Integer(),
  _service_name: Type.Optional(Type.String()),
  _ewt_threshold: Type.Optional(Type.Integer()),
  _ewt_threshold_from: Type.Optional(Type.String()),
  _offer_callback: Type.Optional(Type.Boolean({ description: 'offer a callback now: EWT above the threshold, and an immediate or scheduled callback possible' })),
  _reason: Type.Optional(Type.Union([Type.Null(), Type.Literal('EWT_NOT_ABOVE_THRESHOLD'), Type.Literal('OUTSIDE_BUSINESS_HOURS'), Type.Literal('NO_CAPACITY')])),
  _offer_immediate: Type.Optional(Type.Boolean({ description: 'business hours are open now: "as soon as possible" may be offered' })),
  _offer_scheduled: Type.Optional(Type.Boolean({ description: 'the service takes scheduled callbacks and has a slot with room' })),
  _time_slots: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'the next open slots with room: start (ISO 8601) -> remaining' })),
});

/**
 * The wait-time statistic an outside IVR requests before offering a callback (GMS "IVR Classic Callback":
 * "requests a statistic to determine the estimated wait time for the target"), with the service's decision
 * in the same answer: `GET /genesys/1/statistic/ewt?service=S` or `?target=T`.
 */
export const waitStatisticRoutes =
  (deps: WaitStatisticDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/genesys/1/statistic/ewt',
      {
        schema: {
          tags: ['callback'],
          summary: 'Estimated wait of a target or a service, and whether the service offers a callback now',
          description:
            'With `service`: the EWT of its `_target` by its `_ewt_method` (else the target\'s), and `_offer_callback` when the EWT is strictly above its threshold (`_ewt_threshold`, else telephony.ivr.ewtThresholdSec), business hours are open now or a time slot has room; `_reason` says why not. With `target` only: the EWT by the target\'s method.',
          querystring: Query,
          response: { 200: Answer },
        },
      },
      async (req) => {
        const q = req.query;
        if (q.service === undefined && q.target === undefined) throw new HttpError('INVALID', 'service: give a service or a target', 'service');
        const service = q.service !== undefined ? deps.services.get(q.service) : undefined;
        if (q.service !== undefined && !service) throw new HttpError('NOT_FOUND', `unknown callback service "${q.service}"`, 'service');
        const target = q.target ?? service!.settings.target;
        if (target.includes('$')) throw new HttpError('INVALID', `target: service "${q.service}" takes its target from the request (${target}); give target`, 'target');
        if (!deps.queue.hasTarget(target)) throw new HttpError('NOT_FOUND', `unknown target "${target}"`, q.target !== undefined ? 'target' : 'service');
        const serviceMethod = service?.settings.ewtMethod || undefined;
        const method = serviceMethod ?? deps.queue.targetMethod(target);
        const ewtSec = Math.ceil(deps.queue.estimatedWaitSeconds(target, method));
        const stat = {
          _target: target,
          _ewt: ewtSec,
          _ewt_method: method,
          _ewt_method_from: serviceMethod ? '_ewt_method' : 'target',
          _waiting: deps.queue.waiting(target),
          _ready_agents: deps.queue.readyAgents(target),
        };
        if (!service) return stat;
        const threshold = deps.threshold(service.name);
        const slots = service.settings.allowScheduling ? (await deps.availability(service.name, { maxSlots: q['_max-time-slots'] ?? 3 })).slots : {};
        const d = decideOffer({ ewtSec, thresholdSec: threshold.sec, openNow: service.businessHours.isOpen(deps.clock.now()), allowScheduling: service.settings.allowScheduling, slots });
        req.log.info({ service: service.name, target, ewtSec, method, thresholdSec: threshold.sec, offer: d.offer, reason: d.reason }, 'wait statistic requested');
        return {
          ...stat,
          _service_name: service.name,
          _ewt_threshold: threshold.sec,
          _ewt_threshold_from: threshold.from,
          _offer_callback: d.offer,
          _reason: d.reason,
          _offer_immediate: d.immediate,
          _offer_scheduled: d.scheduled,
          _time_slots: slots,
        };
      },
    );
  };

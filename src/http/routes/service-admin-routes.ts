import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OPTION_SPECS } from '../../callback/service-options';
import type { ConfiguredService, ServiceRegistry } from '../../callback/service-registry';
import { isTemplateName, TEMPLATE_DISPLAY_NAMES, TEMPLATE_NAMES, TEMPLATES } from '../../callback/templates';
import type { CallbackState } from '../../ports/callback-records';
import type { Store } from '../../store/store';
import { HttpError } from '../errors';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import type { Clock } from '../../time';

const view = (s: ConfiguredService) => ({
  name: s.name,
  template: s.template,
  templateName: isTemplateName(s.template) ? TEMPLATE_DISPLAY_NAMES[s.template] : s.template,
  options: s.options,
  effectiveOptions: s.effectiveOptions,
});
const ACTIVE: CallbackState[] = ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING'];

/** a service's callbacks by state and outcome, AMD decisions and connect rate over a period */
export interface ServiceFigures {
  byState: Partial<Record<CallbackState, number>>;
  /** completed callbacks by completion reason */
  byReason: Record<string, number>;
  /** attempts by answering-machine decision */
  amd: Record<string, number>;
  completed: number;
  connected: number;
  /** connected ÷ completed; null before any completed */
  connectRate: number | null;
}
const ServiceBody = Type.Object(
  { template: Type.String({ minLength: 1, description: 'a template id (user-terminated-immediate) or its name (User Terminated Immediate)' }), options: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);
const ServiceView = Type.Object({
  name: Type.String(),
  template: Type.String(),
  templateName: Type.String({ description: 'the template\'s display name' }),
  options: Type.Record(Type.String(), Type.Unknown()),
  effectiveOptions: Type.Record(Type.String(), Type.Unknown()),
});
const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

/** Admin API: configured services built from templates. Changes apply at once and are stored durably. */
export const serviceAdminRoutes =
  (deps: { services: ServiceRegistry; store: Store; clock: Clock; audit: AuditLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { services } = deps;
    app.get('/admin/v1/templates', { schema: { tags: ['admin'], summary: 'Service templates and their defaults; every option with its JSON schema and help' } }, async () => ({
      templates: TEMPLATES,
      list: TEMPLATE_NAMES.map((id) => ({ id, name: TEMPLATE_DISPLAY_NAMES[id], defaults: TEMPLATES[id] })),
      // JSON.stringify drops TypeBox's symbol keys: what is left is plain JSON Schema (type, minimum, enum as const...)
      options: OPTION_SPECS.map((s) => ({ name: s.gms, description: s.description, schema: JSON.parse(JSON.stringify(s.schema)) as unknown })),
    }));

    const FiguresQuery = Type.Object(
      {
        from: Type.Optional(Type.String({ description: 'ISO 8601; default: today 00:00 UTC' })),
        to: Type.Optional(Type.String({ description: 'ISO 8601; default: from + 24 h' })),
      },
      { additionalProperties: false },
    );
    app.get(
      '/admin/v1/figures',
      { schema: { tags: ['admin'], summary: "Each service's callbacks by state and completion reason, AMD decisions and connect rate (callbacks whose service start is in the period)", querystring: FiguresQuery } },
      async (req) => {
        const time = (name: string, v?: string) => {
          if (v === undefined) return undefined;
          const t = Date.parse(v);
          if (Number.isNaN(t)) throw new HttpError('INVALID', `${name}: "${v}" is not an ISO 8601 date-time`, name);
          return t;
        };
        const from = time('from', req.query.from) ?? Math.floor(deps.clock.now() / 86_400_000) * 86_400_000;
        const to = time('to', req.query.to) ?? from + 86_400_000;
        if (to <= from) throw new HttpError('INVALID', 'to: must be after from', 'to');
        const figures: Record<string, ServiceFigures> = {};
        const of = (name: string) => (figures[name] ??= { byState: {}, byReason: {}, amd: {}, completed: 0, connected: 0, connectRate: null });
        for (const svc of services.list()) of(svc.name);
        for (const r of await deps.store.serviceFigures(from, to)) {
          const f = of(r.service);
          if (r.kind === 'amd') f.amd[r.decision] = (f.amd[r.decision] ?? 0) + r.n;
          else {
            f.byState[r.state] = (f.byState[r.state] ?? 0) + r.n;
            if (r.state === 'COMPLETED') {
              f.completed += r.n;
              if (r.reason) f.byReason[r.reason] = (f.byReason[r.reason] ?? 0) + r.n;
              if (r.reason === 'CONNECTED_TO_AGENT') f.connected += r.n;
            }
          }
        }
        for (const f of Object.values(figures)) f.connectRate = f.completed ? Math.round((f.connected / f.completed) * 1000) / 1000 : null;
        return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), services: figures };
      },
    );

    app.get('/admin/v1/services', { schema: { tags: ['admin'], summary: 'List configured services', response: { 200: Type.Array(ServiceView) } } }, async () =>
      services.list().map(view),
    );

    app.get('/admin/v1/services/:name', { schema: { tags: ['admin'], params: NameParam, response: { 200: ServiceView } } }, async (req) => {
      const s = services.get(req.params.name);
      if (!s) throw new HttpError('NOT_FOUND', `unknown service "${req.params.name}"`);
      return view(s);
    });

    app.post(
      '/admin/v1/services',
      {
        schema: {
          tags: ['admin'],
          summary: 'Create a service from a template',
          body: Type.Object({ name: Type.String({ minLength: 1 }), ...ServiceBody.properties }, { additionalProperties: false }),
          response: { 201: ServiceView },
        },
      },
      async (req, reply) => {
        if (services.get(req.body.name)) throw new HttpError('CONFLICT', `service "${req.body.name}" already exists; PUT /admin/v1/services/${req.body.name} to change it`, 'name');
        const { name, template, options = {} } = req.body;
        const s = await services.put(name, template, options, deps.clock.now(), (s) => deps.audit.record(actorOf(req), 'service.created', `service:${name}`, { after: { template: s.template, options: s.options } }));
        void reply.status(201);
        return view(s);
      },
    );

    app.put(
      '/admin/v1/services/:name',
      { schema: { tags: ['admin'], summary: 'Create or replace a service', params: NameParam, body: ServiceBody, response: { 200: ServiceView } } },
      async (req) => {
        const before = services.get(req.params.name);
        const change = (s: ConfiguredService) => ({ before: before && { template: before.template, options: before.options }, after: { template: s.template, options: s.options } });
        const audit = (s: ConfiguredService) => deps.audit.record(actorOf(req), before ? 'service.changed' : 'service.created', `service:${req.params.name}`, change(s));
        return view(await services.put(req.params.name, req.body.template, req.body.options ?? {}, deps.clock.now(), audit));
      },
    );

    app.delete('/admin/v1/services/:name', { schema: { tags: ['admin'], params: NameParam } }, async (req, reply) => {
      const before = services.get(req.params.name);
      if (!before) throw new HttpError('NOT_FOUND', `unknown service "${req.params.name}"`);
      // the check commits with the deletion: a callback accepted meanwhile rolls it back
      await services.delete(req.params.name, deps.clock.now(), async () => {
        const pending = (await deps.store.searchCallbacks({ serviceName: req.params.name, states: ACTIVE, limit: 10_000 })).length;
        if (pending) {
          throw new HttpError('CONFLICT', `service "${req.params.name}" has ${pending >= 10_000 ? 'over 10,000' : pending} pending callback${pending === 1 ? '' : 's'}; cancel ${pending === 1 ? 'it' : 'them'} first`);
        }
        await deps.audit.record(actorOf(req), 'service.deleted', `service:${req.params.name}`, { before: { template: before.template, options: before.options } });
      });
      void reply.status(204);
    });
  };

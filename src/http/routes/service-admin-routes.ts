import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OPTION_SPECS } from '../../callback/service-options';
import type { ConfiguredService, ServiceRegistry } from '../../callback/service-registry';
import { TEMPLATES } from '../../callback/templates';
import type { Store } from '../../store/store';
import { HttpError } from '../errors';

const view = (s: ConfiguredService) => ({ name: s.name, template: s.template, options: s.options, effectiveOptions: s.effectiveOptions });
const ServiceBody = Type.Object(
  { template: Type.String({ minLength: 1 }), options: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);
const ServiceView = Type.Object({
  name: Type.String(),
  template: Type.String(),
  options: Type.Record(Type.String(), Type.Unknown()),
  effectiveOptions: Type.Record(Type.String(), Type.Unknown()),
});
const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

/** Admin API: configured services built from templates. Changes apply at once and are stored durably. */
export const serviceAdminRoutes =
  (deps: { services: ServiceRegistry; store: Store; now: () => number }): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { services } = deps;
    app.get('/admin/v1/templates', { schema: { tags: ['admin'], summary: 'Service templates and their defaults' } }, async () => ({
      templates: TEMPLATES,
      options: OPTION_SPECS.map((s) => ({ name: s.gms, description: s.description })),
    }));

    app.get('/admin/v1/services', { schema: { tags: ['admin'], summary: 'List configured services', response: { 200: Type.Array(ServiceView) } } }, async () =>
      services.list().map(view),
    );

    app.get('/admin/v1/services/:name', { schema: { tags: ['admin'], params: NameParam, response: { 200: ServiceView } } }, async (req) => {
      const s = services.get(req.params.name);
      if (!s) throw new HttpError(404, `unknown service "${req.params.name}"`);
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
        if (services.get(req.body.name)) throw new HttpError(409, `service "${req.body.name}" already exists; PUT /admin/v1/services/${req.body.name} to change it`, 'name');
        const s = services.put(req.body.name, req.body.template, req.body.options ?? {}, deps.now());
        void reply.status(201);
        return view(s);
      },
    );

    app.put(
      '/admin/v1/services/:name',
      { schema: { tags: ['admin'], summary: 'Create or replace a service', params: NameParam, body: ServiceBody, response: { 200: ServiceView } } },
      async (req) => view(services.put(req.params.name, req.body.template, req.body.options ?? {}, deps.now())),
    );

    app.delete('/admin/v1/services/:name', { schema: { tags: ['admin'], params: NameParam } }, async (req, reply) => {
      if (!services.get(req.params.name)) throw new HttpError(404, `unknown service "${req.params.name}"`);
      const active = deps.store.searchCallbacks({ serviceName: req.params.name, states: ['SCHEDULED', 'QUEUED', 'ROUTING', 'PROCESSING'], limit: 1 });
      if (active.length) throw new HttpError(409, `service "${req.params.name}" has active callbacks; cancel them first`);
      services.delete(req.params.name);
      void reply.status(204);
    });
  };

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf, type AuditLog } from '../../audit/audit-log';
import { maskNumber } from '../../observability/logger';
import type { CustomerData } from '../../privacy/customer-data';

/** Admin API: a customer's deletion request. */
export const privacyRoutes =
  (deps: { customers: CustomerData; audit: AuditLog }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/admin/v1/erasures',
      {
        schema: {
          tags: ['admin'],
          summary: "Erase a customer's number and callback data everywhere (their callbacks and calls stay, anonymised, so reporting counts do not change); 409 while the number has active callbacks",
          body: Type.Object({ customerNumber: Type.String({ minLength: 1, maxLength: 32, description: 'E.164, as the callbacks hold it' }) }, { additionalProperties: false }),
          response: { 200: Type.Object({ callbacks: Type.Integer(), interactions: Type.Integer() }) },
        },
      },
      async (req) => {
        const done = await deps.customers.erase(req.body.customerNumber);
        // the audit log keeps that an erasure happened, not the number it erased
        await deps.audit.record(actorOf(req), 'customer.erased', `customer:${String(maskNumber(req.body.customerNumber))}`, { after: done });
        return done;
      },
    );
  };

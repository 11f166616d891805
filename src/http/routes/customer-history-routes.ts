import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Store } from '../../store/store';
import { HttpError } from '../errors';
import { agentOf } from './agent-routes';

const iso = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

/**
 * The forms a customer's number is stored in: E.164 for callbacks, and for interactions whatever the trunk
 * sent as the caller (E.164, or its digits without the plus). A number given without a plus is read as
 * digits with their country code. Undefined when it is no phone number.
 */
export function numberForms(raw: string): { e164: string; forms: string[] } | undefined {
  const s = raw.trim();
  const parsed = parsePhoneNumberFromString(s.startsWith('+') ? s : /^\d{8,15}$/.test(s) ? `+${s}` : s);
  if (!parsed) return undefined;
  const e164 = parsed.number;
  return { e164, forms: [...new Set([e164, e164.slice(1), s])] };
}

const Query = Type.Object({
  number: Type.String({ minLength: 3, maxLength: 32, description: 'the customer\'s number: E.164, or digits with the country code' }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});

/**
 * The customer's earlier contacts for the agent on a call with them (agent page): their callbacks (state,
 * reason, each attempt with its outcome, agent, disposition and note) and their calls to the IVR (outcome,
 * the agent who took it, disposition and note), newest first.
 */
export const customerHistoryRoutes =
  (deps: { store: Store }): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/v1/agent/customer-history',
      { schema: { tags: ['agent'], summary: "A customer's earlier callbacks and calls, by number, with outcomes, dispositions and notes (newest first)", querystring: Query } },
      async (req) => {
        const agentId = agentOf(req);
        const n = numberForms(req.query.number);
        if (!n) throw new HttpError('INVALID', `number: "${req.query.number}" is not a phone number`, 'number');
        const limit = req.query.limit ?? 20;
        const found = (await deps.store.searchCallbacks({ customerNumber: n.e164, limit: 1000 })).slice(-limit).reverse();
        const callbacks = [];
        for (const c of found) {
          callbacks.push({
            id: c.id,
            service: c.serviceName,
            state: c.state,
            reason: c.state === 'COMPLETED' ? c.reason : null,
            requestReason: c.requestReason,
            acceptedAt: iso(c.acceptedAt),
            desiredTime: iso(c.desiredTime),
            attempts: (await deps.store.attemptsOf(c.id)).map((a) => ({
              number: a.number,
              startedAt: iso(a.startedAt),
              endedAt: iso(a.endedAt),
              outcome: a.outcome,
              amdDecision: a.amdDecision,
              agentId: a.agentId,
              disposition: a.disposition ?? null,
              dispositionNote: a.dispositionNote ?? null,
            })),
          });
        }
        const interactions = (await deps.store.interactionsOfCallers(n.forms, limit)).map((i) => ({
          interactionId: i.interactionId,
          service: i.serviceName ?? null,
          startedAt: iso(i.startedAt),
          endedAt: iso(i.endedAt),
          outcome: i.outcome,
          callbackId: i.callbackId ?? null,
          agentId: i.agentId ?? null,
          disposition: i.disposition ?? null,
          dispositionNote: i.dispositionNote ?? null,
        }));
        req.log.info({ agentId, callbacks: callbacks.length, interactions: interactions.length }, 'agent read a customer history');
        return { number: n.e164, callbacks, interactions };
      },
    );
  };

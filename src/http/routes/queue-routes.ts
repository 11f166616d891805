import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { EwtMethod } from '../../ports/queue';
import { EWT_METHODS, type QueueService } from '../../queue/queue-service';
import { actorOf, type AuditAction, type AuditLog } from '../../audit/audit-log';

const Method = Type.Union([Type.Literal('simple'), Type.Literal('erlang'), Type.Literal('erlang-a')], { description: 'EWT method: simple (deterministic projection), erlang (simulation-informed M/G/N) or erlang-a (the same with callers ahead hanging up)' },
);
const AgentState = Type.Union([Type.Literal('READY'), Type.Literal('NOT_READY'), Type.Literal('RESERVED'), Type.Literal('BUSY'), Type.Literal('AFTER_CALL_WORK')]);
const EwtByMethod = Type.Object({ simple: Type.Number(), erlang: Type.Number(), 'erlang-a': Type.Number() });

const ReservationView = Type.Object({
  reservationId: Type.String(),
  target: Type.String(),
  contactId: Type.String({ description: 'the live call or callback id the agent is reserved for' }),
  contactKind: Type.Union([Type.Literal('caller'), Type.Literal('callback')]),
  reservedAt: Type.String(),
  expiresAt: Type.String(),
  connectedAt: Type.Optional(Type.String()),
});

const AgentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  targets: Type.Array(Type.String()),
  state: AgentState,
  since: Type.String(),
  loggedIn: Type.Boolean(),
  notReadyReason: Type.Optional(Type.String()),
  afterCall: Type.Optional(Type.String()),
  reachable: Type.Boolean(),
  uri: Type.Optional(Type.String()),
  registration: Type.Optional(Type.Object({ contactUri: Type.String(), expiresAt: Type.String() })),
  reservation: Type.Optional(ReservationView),
  today: Type.Optional(
    Type.Object({
      day: Type.String({ description: 'YYYY-MM-DD (UTC)' }),
      calls: Type.Integer(),
      talkSec: Type.Number(),
      afterCallWorkSec: Type.Number(),
      avgHandleSec: Type.Union([Type.Number(), Type.Null()]),
      dispositions: Type.Record(Type.String(), Type.Integer()),
    }),
  ),
});

const TargetStats = Type.Object({
  waiting: Type.Integer(),
  agents: Type.Record(Type.String(), Type.Integer()),
  staffed: Type.Integer(),
  meanTalkSec: Type.Number(),
  measuredCalls: Type.Integer(),
  serviceLevel: Type.Union([Type.Number(), Type.Null()]),
  forecastServiceLevel: Type.Union([Type.Number(), Type.Null()]),
  answered: Type.Integer(),
  abandoned: Type.Integer(),
  meanWaitSec: Type.Union([Type.Number(), Type.Null()]),
  ewtSec: EwtByMethod,
  ewtAccuracy: Type.Union([
    Type.Object(
      {
        callers: Type.Integer({ description: 'live callers who reached an agent in the last hour' }),
        meanWaitSec: Type.Number({ description: 'their mean wait from joining the line' }),
        maeSec: EwtByMethod,
        biasSec: EwtByMethod,
      },
      { description: 'the EWT each method gave these callers when they joined the line, against their wait' },
    ),
    Type.Null(),
  ]),
});

const TargetSummary = Type.Object({
  name: Type.String(),
  ewtMethod: Method,
  serviceLevelSec: Type.Number(),
  stats: TargetStats,
});

const WaitingContact = Type.Object({
  position: Type.Integer(),
  contactId: Type.String(),
  kind: Type.Union([Type.Literal('caller'), Type.Literal('callback')]),
  enqueuedAt: Type.String(),
  waitedSec: Type.Number(),
  effectivePriority: Type.Number(),
  connecting: Type.Boolean(),
  ewtSec: EwtByMethod,
});

const TargetDetail = Type.Object({
  ...TargetSummary.properties,
  afterCallWorkSec: Type.Number(),
  reservationTimeoutSec: Type.Number(),
  expectedAgentsFreeWithinPacingHorizon: Type.Number(),
  pacingHorizonSec: Type.Number(),
  waiting: Type.Array(WaitingContact, { description: 'the first `limit` contacts in line (stats.waiting counts them all)' }),
  agents: Type.Array(AgentView),
});

const EwtAnswer = Type.Object({
  target: Type.String(),
  method: Method,
  /** the EWT by the chosen method, seconds */
  ewtSec: Type.Number(),
  position: Type.Integer({ description: 'contacts ahead of the contact the estimate is for' }),
  byMethod: EwtByMethod,
  waiting: Type.Integer(),
  readyAgents: Type.Integer(),
  staffedAgents: Type.Integer(),
});

const AgentParams = Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 64 }) });
const TargetParams = Type.Object({ target: Type.String({ minLength: 1, maxLength: 64 }) });
const EwtQuery = Type.Object(
  {
    method: Type.Optional(Method),
    position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'EWT for the contact at this position (0 = first); default: a new contact' })),
  },
  { additionalProperties: false },
);

/** one target as the REST API and the live stream show it: its line (positions, EWT), its agents, its stats */
export function targetDetail(queue: QueueService, name: string, limit = 100) {
  const c = queue.targetConfig(name);
  return {
    name,
    ewtMethod: c.ewtMethod,
    serviceLevelSec: c.serviceLevelSec,
    stats: queue.targetStats(name),
    afterCallWorkSec: c.afterCallWorkSec,
    reservationTimeoutSec: c.reservationTimeoutSec,
    pacingHorizonSec: c.pacingHorizonSec,
    expectedAgentsFreeWithinPacingHorizon: Math.round(queue.expectedAgentsFreeWithin(name, c.pacingHorizonSec) * 100) / 100,
    waiting: queue.waitingContacts(name).slice(0, limit),
    agents: queue.listAgents().filter((a) => a.targets.includes(name)),
  };
}

/**
 * The queue over REST (auth is applied by the app):
 *   GET  /api/v1/agents                         agents with state, current reservation/call
 *   GET  /api/v1/agents/:agentId
 *   POST /api/v1/agents/:agentId/login          READY when reachable (else NOT_READY unreachable); body {"uri": "sip:..."}: at that phone
 *   POST /api/v1/agents/:agentId/logout         now, or after the current call
 *   POST /api/v1/agents/:agentId/ready          409 when the agent has no URI and no registration
 *   POST /api/v1/agents/:agentId/not-ready      now, or after the current call
 *   GET  /api/v1/targets                        targets with waiting count, agents by state, EWT, service level
 *   GET  /api/v1/targets/:target                + the line (positions, EWT per position) and the agents
 *   GET  /api/v1/targets/:target/ewt?method=&position=
 *   GET  /api/v1/stream/queues                  all targets as above, pushed (SSE) when they change
 */
export const queueRoutes =
  ({ queue, audit }: { queue: QueueService; audit?: AuditLog }): FastifyPluginAsync =>
  async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['queue'];

    r.get('/api/v1/agents', { schema: { tags, summary: 'Agents with state and current reservation or call', response: { 200: Type.Object({ agents: Type.Array(AgentView) }) } } }, async () => ({
      agents: queue.listAgents(),
    }));

    r.get('/api/v1/agents/:agentId', { schema: { tags, summary: 'One agent', params: AgentParams, response: { 200: AgentView } } }, async (req) =>
      queue.getAgent(req.params.agentId),
    );

    const LoginBody = Type.Union([
      Type.Object(
        {
          uri: Type.Optional(
            Type.String({ pattern: '^sips?:[^\\s]+$', maxLength: 512, description: 'the phone the agent logs in at (sip: or sips: URI), called for its contacts until logout' }),
          ),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]);
    r.post(
      '/api/v1/agents/:agentId/login',
      { schema: { tags, summary: 'Log in, optionally at a phone (READY when reachable)', params: AgentParams, body: Type.Optional(LoginBody), response: { 200: AgentView } } },
      async (req) => audited(req, 'agent.logged-in', () => queue.login(req.params.agentId, req.body?.uri)),
    );

    /** a supervisor's change to an agent, with the agent's state before and after */
    const stateOf = (a: ReturnType<QueueService['getAgent']>) => ({ state: a.state, loggedIn: a.loggedIn, ...(a.notReadyReason ? { notReadyReason: a.notReadyReason } : {}) });
    const audited = async (req: FastifyRequest, action: AuditAction, run: () => unknown) => {
      const id = (req.params as { agentId: string }).agentId;
      const before = queue.getAgent(id);
      const after = run() as ReturnType<QueueService['getAgent']>;
      await audit?.record(actorOf(req), action, `agent:${id}`, { before: stateOf(before), after: stateOf(after) });
      return after;
    };

    const actions: [string, string, AuditAction, (id: string) => unknown][] = [
      ['logout', 'Log out now, or after the current call', 'agent.logged-out', (id) => queue.logout(id)],
      ['ready', 'Go READY (ends after-call work early)', 'agent.ready', (id) => queue.setReady(id)],
      ['not-ready', 'Go NOT_READY now, or after the current call', 'agent.not-ready', (id) => queue.setNotReady(id, 'supervisor')],
    ];
    for (const [action, summary, auditAction, run] of actions) {
      r.post(`/api/v1/agents/:agentId/${action}`, { schema: { tags, summary, params: AgentParams, response: { 200: AgentView } } }, async (req) =>
        audited(req, auditAction, () => run(req.params.agentId)),
      );
    }

    const summary = (name: string) => {
      const c = queue.targetConfig(name);
      return { name, ewtMethod: c.ewtMethod, serviceLevelSec: c.serviceLevelSec, stats: queue.targetStats(name) };
    };

    r.get('/api/v1/targets', { schema: { tags, summary: 'Targets with waiting contacts, agents, EWT and service level', response: { 200: Type.Object({ targets: Type.Array(TargetSummary) }) } } }, async () => ({
      targets: queue.targetNames().map(summary),
    }));

    const DetailQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 100, description: 'contacts of the line to list' })) });
    r.get('/api/v1/targets/:target', { schema: { tags, summary: 'One target: its line with positions and EWT, its agents', params: TargetParams, querystring: DetailQuery, response: { 200: TargetDetail } } }, async (req) =>
      targetDetail(queue, req.params.target, req.query.limit),
    );

    // every connected page gets the same picture: computed at most once a second, whoever asks first
    let shared: { at: number; data: string } | undefined;
    const queuesNow = (): string => {
      const now = Date.now();
      if (!shared || now - shared.at >= 900) shared = { at: now, data: JSON.stringify({ at: new Date(now).toISOString(), targets: queue.targetNames().map((n) => targetDetail(queue, n)) }) };
      return shared.data;
    };

    r.get(
      '/api/v1/stream/queues',
      {
        schema: {
          tags,
          summary: 'Live queues (text/event-stream): every target as GET /api/v1/targets/:target gives it, pushed as `event: queues` when something changed (at most once a second)',
          description: 'Browsers\' EventSource cannot send headers: this route also takes the key as `api_key` in the query.',
          querystring: Type.Object({ api_key: Type.Optional(Type.String()) }),
        },
      },
      (req, reply) => {
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        let last = '';
        let quietTicks = 0;
        const push = () => {
          const data = queuesNow();
          // ages and EWTs move every second; the page needs no more than one update a second
          const changed = data.replace(/"at":"[^"]*",/, '') !== last;
          if (changed || ++quietTicks >= 15) {
            last = data.replace(/"at":"[^"]*",/, '');
            quietTicks = 0;
            reply.raw.write(`event: queues\ndata: ${data}\n\n`);
          }
        };
        push();
        const timer = setInterval(push, 1000);
        req.raw.on('close', () => clearInterval(timer));
        reply.hijack();
      },
    );

    r.get(
      '/api/v1/targets/:target/ewt',
      { schema: { tags, summary: 'Estimated wait time of a target (what the IVR reads)', params: TargetParams, querystring: EwtQuery, response: { 200: EwtAnswer } } },
      async (req) => {
        const name = req.params.target;
        const c = queue.targetConfig(name);
        const method: EwtMethod = req.query.method ?? c.ewtMethod;
        const position = req.query.position ?? queue.queueLength(name);
        const byMethod = { simple: 0, erlang: 0, 'erlang-a': 0 };
        for (const m of EWT_METHODS) byMethod[m] = Math.round(queue.estimatedWaitAtPosition(name, position, m) * 10) / 10;
        const stats = queue.targetStats(name);
        return { target: name, method, ewtSec: byMethod[method], position, byMethod, waiting: stats.waiting, readyAgents: stats.agents.READY, staffedAgents: stats.staffed };
      },
    );
  };

import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandler } from '../../src/http/errors';
import { queueRoutes } from '../../src/http/routes/queue-routes';
import { parseQueueOptions } from '../../src/queue/parse-options';
import { QueueService } from '../../src/queue/queue-service';
import { VirtualTime } from '../../src/time';

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

describe('queue REST API (Fastify inject)', () => {
  let app: FastifyInstance;
  let queue: QueueService;
  let vt: VirtualTime;

  beforeEach(async () => {
    vt = new VirtualTime(T0);
    queue = new QueueService(
      parseQueueOptions(
        {
          targets: [{ name: 'billing', afterCallWorkSec: 5, initialHandleTimeSec: 120 }, { name: 'sales', ewtMethod: 'simple' }],
          agents: [
            { id: 'alice', name: 'Alice', targets: ['billing'], uri: 'sip:alice@pbx.example' },
            { id: 'bob', name: 'Bob', targets: ['billing', 'sales'], password: 'bob-secret' },
          ],
        },
        '',
      ),
      { clock: vt, timers: vt },
    );
    app = Fastify({ ajv: { customOptions: { coerceTypes: true, removeAdditional: false } } });
    installErrorHandler(app);
    await app.register(queueRoutes({ queue }));
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    queue.close();
  });

  const call = async (method: 'GET' | 'POST', url: string) => {
    const res = await app.inject({ method, url });
    return { status: res.statusCode, json: res.json() };
  };

  it('lists agents NOT_READY after start; login makes a reachable agent READY', async () => {
    const list = await call('GET', '/api/v1/agents');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.agents.map((a: { id: string; state: string }) => [a.id, a.state]), [['alice', 'NOT_READY'], ['bob', 'NOT_READY']]);
    const login = await call('POST', '/api/v1/agents/alice/login');
    assert.equal(login.status, 200);
    assert.equal(login.json.state, 'READY');
    assert.equal(login.json.uri, 'sip:alice@pbx.example');
    assert.equal((await call('POST', '/api/v1/agents/alice/not-ready')).json.state, 'NOT_READY');
    assert.equal((await call('POST', '/api/v1/agents/alice/ready')).json.state, 'READY');
    const out = await call('POST', '/api/v1/agents/alice/logout');
    assert.equal(out.json.loggedIn, false);
    assert.equal(out.json.notReadyReason, 'logged-out');
  });

  it('an agent without a static URI logs in at a phone: READY, called there until logout', async () => {
    const post = (url: string, payload?: unknown) =>
      app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object, headers: { 'content-type': 'application/json' } }) }).then((r) => ({ status: r.statusCode, json: r.json() }));
    assert.equal((await post('/api/v1/agents/bob/login')).json.notReadyReason, 'unreachable');
    const at = await post('/api/v1/agents/bob/login', { uri: 'sip:bob@192.0.2.10:5060' });
    assert.equal(at.status, 200);
    assert.equal(at.json.state, 'READY');
    assert.equal(at.json.uri, 'sip:bob@192.0.2.10:5060');
    // the EWT of bob's targets now counts him
    assert.equal((await call('GET', '/api/v1/targets/sales/ewt')).json.ewtSec, 0);
    await post('/api/v1/agents/bob/logout');
    // the phone is forgotten at logout: logging in again without one leaves him unreachable
    const again = await post('/api/v1/agents/bob/login');
    assert.equal(again.json.state, 'NOT_READY');
    assert.equal(again.json.uri, undefined);
    for (const bad of [{ uri: 'http://example.com' }, { uri: 'sip:bob@host with space' }, { phone: 'sip:bob@x' }]) {
      const r = await post('/api/v1/agents/bob/login', bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.equal((await call('GET', '/api/v1/agents/bob')).json.state, 'NOT_READY');
  });

  it('409 for READY without URI or registration; 404 for unknown agents and targets', async () => {
    const r = await call('POST', '/api/v1/agents/bob/ready');
    assert.equal(r.status, 409);
    assert.match(r.json.message, /no SIP URI/);
    const u = await call('POST', '/api/v1/agents/zed/ready');
    assert.equal(u.status, 404);
    assert.equal(u.json.parameter, 'agentId');
    assert.equal((await call('GET', '/api/v1/agents/zed')).status, 404);
    const t = await call('GET', '/api/v1/targets/nope/ewt');
    assert.equal(t.status, 404);
    assert.match(t.json.message, /unknown target "nope"/);
    assert.equal((await call('GET', '/api/v1/targets/nope')).status, 404);
  });

  it('400 naming the bad parameter', async () => {
    const m = await call('GET', '/api/v1/targets/billing/ewt?method=guess');
    assert.equal(m.status, 400);
    assert.equal(m.json.parameter, 'method');
    const p = await call('GET', '/api/v1/targets/billing/ewt?position=-1');
    assert.equal(p.status, 400);
    assert.equal(p.json.parameter, 'position');
    const x = await call('GET', '/api/v1/targets/billing/ewt?foo=1');
    assert.equal(x.status, 400);
    assert.equal(x.json.parameter, 'foo');
  });

  it('EWT of a target grows as callbacks are queued; the target shows the line and which agent a callback reserved', async () => {
    await call('POST', '/api/v1/agents/alice/login');
    const empty = await call('GET', '/api/v1/targets/billing/ewt');
    assert.equal(empty.status, 200);
    assert.equal(empty.json.ewtSec, 0);
    assert.equal(empty.json.method, 'erlang-a');
    assert.equal(empty.json.readyAgents, 1);

    queue.enqueue({ contactId: 'cb-1', kind: 'callback', target: 'billing', enqueuedAt: T0 });
    queue.enqueue({ contactId: 'cb-2', kind: 'callback', target: 'billing', enqueuedAt: T0 + 1 });
    const two = await call('GET', '/api/v1/targets/billing/ewt?method=simple');
    assert.equal(two.json.waiting, 2);
    assert.equal(two.json.ewtSec, 250, 'one agent, two ahead: (120 + 5) × 2');
    queue.enqueue({ contactId: 'cb-3', kind: 'callback', target: 'billing', enqueuedAt: T0 + 2 });
    const three = await call('GET', '/api/v1/targets/billing/ewt');
    assert.ok(three.json.byMethod.simple > two.json.byMethod.simple);
    assert.ok(three.json.byMethod.erlang > two.json.byMethod.erlang);
    assert.equal(three.json.byMethod['erlang-a'], three.json.byMethod.erlang, 'callbacks ahead do not hang up');
    const chosen = await call('GET', '/api/v1/targets/billing/ewt?method=erlang-a');
    assert.equal(chosen.status, 200);
    assert.equal(chosen.json.method, 'erlang-a');
    assert.equal(chosen.json.ewtSec, three.json.byMethod['erlang-a']);
    const first = await call('GET', '/api/v1/targets/billing/ewt?position=0&method=simple');
    assert.equal(first.json.ewtSec, 0);

    const r = await queue.reserveAgentFor('cb-1', { timeoutMs: 1000 });
    assert.equal(r?.agent.agentId, 'alice');
    const agents = await call('GET', '/api/v1/agents');
    const alice = agents.json.agents.find((a: { id: string }) => a.id === 'alice');
    assert.equal(alice.state, 'RESERVED');
    assert.equal(alice.reservation.contactId, 'cb-1');
    assert.equal(alice.reservation.contactKind, 'callback');

    const detail = await call('GET', '/api/v1/targets/billing');
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.json.waiting.map((c: { contactId: string; position: number }) => [c.position, c.contactId]), [[0, 'cb-2'], [1, 'cb-3']]);
    assert.ok('simple' in detail.json.waiting[1].ewtSec && 'erlang' in detail.json.waiting[1].ewtSec && 'erlang-a' in detail.json.waiting[1].ewtSec);
    assert.deepEqual(detail.json.agents.map((a: { id: string }) => a.id), ['alice', 'bob']);
    assert.equal(detail.json.stats.agents.RESERVED, 1);

    queue.confirm(r!.reservationId);
    vt.advance(60_000);
    queue.callEnded(r!.reservationId);
    const targets = await call('GET', '/api/v1/targets');
    const billing = targets.json.targets.find((t: { name: string }) => t.name === 'billing');
    assert.equal(billing.stats.answered, 1);
    assert.equal(billing.stats.serviceLevel, 1);
    assert.equal(billing.stats.agents.AFTER_CALL_WORK, 1);
    assert.deepEqual(targets.json.targets.map((t: { name: string }) => t.name), ['billing', 'sales']);
  });

  it('an agent with a softphone registration is READY and shows where it is registered', async () => {
    queue.setRegistration('bob', 'sip:bob@192.0.2.10:5060;transport=ws', T0 + 300_000);
    const bob = await call('GET', '/api/v1/agents/bob');
    assert.equal(bob.json.state, 'READY');
    assert.equal(bob.json.registration.contactUri, 'sip:bob@192.0.2.10:5060;transport=ws');
    const sales = await call('GET', '/api/v1/targets/sales/ewt');
    assert.equal(sales.json.method, 'simple', 'the target default method');
    assert.equal(sales.json.staffedAgents, 1);
  });
});

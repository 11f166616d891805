import assert from 'node:assert/strict';
import { SupervisionService } from '../../src/supervision/supervision';
import { systemClock } from '../../src/time';
import { silentLogger } from '../helpers/core';
import { ADMIN_KEY, IVR_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { FakeSupervisionPorts } from '../unit/supervision/fakes';

const SUPERVISOR_KEY = 'test-supervisor-key-1';

describe('supervision REST API (real app, fake telephony)', () => {
  let t: RunningApp;
  let ports: FakeSupervisionPorts;

  beforeEach(async () => {
    ports = new FakeSupervisionPorts();
    const supervision = new SupervisionService(ports, systemClock, silentLogger, true);
    t = await startApp(
      { auth: { clients: [{ id: 'ivr', key: IVR_KEY, admin: false }, { id: 'admin', key: ADMIN_KEY, admin: true }, { id: 'floor', key: SUPERVISOR_KEY, admin: false, scopes: ['reports:read', 'calls:supervise'] }] },
        softphone: { wsUrl: 'ws://127.0.0.1:8088', domain: 'cc.test' },
        supervision: { tellAgent: true, supervisors: [{ id: 'sam', name: 'Sam', password: 'sam-pass-01' }] },
      } as never,
      { supervision },
    );
  });
  afterEach(() => t.close());

  const as = (key: string) => ({ key });

  it('needs calls:supervise: a key of old without scopes (every other non-admin scope) is refused', async () => {
    for (const [method, path, body] of [
      ['GET', '/api/v1/supervision/calls'],
      ['GET', '/api/v1/supervision/softphone'],
      ['POST', '/api/v1/supervision/sessions', { supervisorId: 'sam', agentId: 'alice', mode: 'listen' }],
    ] as const) {
      assert.equal((await t.call(method, path, body, as(IVR_KEY))).status, 403, `${method} ${path}`);
    }
    assert.equal(ports.requests.length, 0);
    assert.equal((await t.call('GET', '/api/v1/supervision/calls', undefined, as(ADMIN_KEY))).status, 200);
  });

  it('lists live calls; listen, then whisper, then barge, then leave: each step in the calls list and the audit log', async () => {
    const calls = await t.call('GET', '/api/v1/supervision/calls', undefined, as(SUPERVISOR_KEY));
    assert.equal(calls.status, 200);
    assert.deepEqual(calls.json.map((c: { agentId: string; callId: string; supervision: unknown[] }) => [c.agentId, c.callId, c.supervision.length]), [['alice', 'agent-call-1', 0]]);

    const started = await t.call('POST', '/api/v1/supervision/sessions', { supervisorId: 'sam', agentId: 'alice', mode: 'listen' }, as(SUPERVISOR_KEY));
    assert.equal(started.status, 201);
    assert.equal(started.json.state, 'active');
    assert.equal(started.json.mode, 'listen');
    const id = started.json.id as string;
    const on = await t.call('GET', '/api/v1/supervision/calls', undefined, as(SUPERVISOR_KEY));
    assert.deepEqual(on.json[0].supervision.map((s: { id: string; mode: string }) => [s.id, s.mode]), [[id, 'listen']]);

    for (const mode of ['whisper', 'barge']) {
      const r = await t.call('PATCH', `/api/v1/supervision/sessions/${id}`, { mode }, as(SUPERVISOR_KEY));
      assert.equal(r.status, 200);
      assert.equal(r.json.mode, mode);
    }
    assert.deepEqual(ports.legs[0]!.modes, ['whisper', 'barge']);
    assert.equal((await t.call('PATCH', `/api/v1/supervision/sessions/${id}`, { mode: 'shout' }, as(SUPERVISOR_KEY))).status, 400);

    const left = await t.call('DELETE', `/api/v1/supervision/sessions/${id}`, undefined, as(SUPERVISOR_KEY));
    assert.equal(left.status, 200);
    assert.equal(ports.legs[0]!.hungUp, true);
    assert.deepEqual((await t.call('GET', '/api/v1/supervision/sessions', undefined, as(SUPERVISOR_KEY))).json, []);

    const audit = await t.call('GET', '/admin/v1/audit?subject=call:agent-call-1', undefined, as(ADMIN_KEY));
    assert.equal(audit.status, 200);
    const entries = (audit.json.entries as { action: string; actor: string; before: { mode?: string } | null; after: { mode?: string } | null }[]).filter((e) => e.action.startsWith('supervision.'));
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor, e.before?.mode ?? null, e.after?.mode ?? null]).sort(),
      [
        ['supervision.ended', 'floor', 'barge', null],
        ['supervision.mode-changed', 'floor', 'listen', 'whisper'],
        ['supervision.mode-changed', 'floor', 'whisper', 'barge'],
        ['supervision.started', 'floor', null, 'listen'],
      ].sort(),
    );
  });

  it('refusals in words: unknown supervisor 404, agent not on a call 409, unregistered phone 409, unknown session 404', async () => {
    const post = (body: unknown) => t.call('POST', '/api/v1/supervision/sessions', body, as(SUPERVISOR_KEY));
    assert.equal((await post({ supervisorId: 'nobody', agentId: 'alice', mode: 'listen' })).status, 404);
    const notOnCall = await post({ supervisorId: 'sam', agentId: 'bob', mode: 'listen' });
    assert.equal(notOnCall.status, 409);
    assert.match(notOnCall.json.message, /not on a call/);
    ports.supervisors.set('sam', undefined);
    const unregistered = await post({ supervisorId: 'sam', agentId: 'alice', mode: 'listen' });
    assert.equal(unregistered.status, 409);
    assert.match(unregistered.json.message, /softphone is not registered/);
    assert.equal((await t.call('DELETE', '/api/v1/supervision/sessions/none', undefined, as(SUPERVISOR_KEY))).status, 404);
    assert.equal(ports.requests.length, 0);
  });

  it("gives the page its softphone's settings and whether agents are told", async () => {
    const r = await t.call('GET', '/api/v1/supervision/softphone', undefined, as(SUPERVISOR_KEY));
    assert.equal(r.status, 200);
    assert.equal(r.json.wsUrl, 'ws://127.0.0.1:8088');
    assert.equal(r.json.tellAgent, true);
    // sam's phone has not registered with the app's registrar (the fake ports stand in for telephony)
    assert.deepEqual(r.json.supervisors, [{ id: 'sam', name: 'Sam', registered: false }]);
  });
});

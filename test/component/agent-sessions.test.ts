import assert from 'node:assert/strict';
import { VirtualTime } from '../../src/time';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';
import { queueWithAgents } from '../helpers/queue-agents';
import { storeKinds, useStoreKind } from '../helpers/stores';

for (const kind of storeKinds()) describe(`agent page tokens: expire, sign out everywhere (injected clock, ${kind})`, () => {
  before(() => useStoreKind(kind));
  after(() => useStoreKind('sqlite'));
  let t: RunningApp;
  let vt: VirtualTime;
  let closeQueue: () => void;
  beforeEach(async () => {
    vt = new VirtualTime(Date.parse('2026-12-04T08:00:00.000Z'));
    const { queue, agents } = queueWithAgents([{ id: 'alice', password: 'alice-right-pw' }]);
    closeQueue = () => queue.close();
    t = await startApp({ security: { throttle: { forgetAfterSec: 3600 }, agentSessionHours: 8 } } as never, { agents }, { clock: vt });
  });
  afterEach(async () => {
    await t.close();
    closeQueue();
  });

  const signIn = async () => (await t.call('POST', '/api/v1/agent/sessions', { agentId: 'alice', password: 'alice-right-pw' }, { key: null })).json.token as string;
  const me = (token: string, url = t.url) => fetch(`${url}/api/v1/agent/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it('sessions are in the store: another instance on the same database (or this one restarted) takes the token, and signing out on one ends it on both', async () => {
    const token = await signIn();
    const { queue, agents } = queueWithAgents([{ id: 'alice', password: 'alice-right-pw' }]);
    const other = await startApp({ store: t.config.store, security: { throttle: { forgetAfterSec: 3600 }, agentSessionHours: 8 } } as never, { agents }, { clock: vt });
    try {
      assert.equal(await me(token, other.url), 200, 'no sign-in again');
      assert.equal(await me('not-a-token', other.url), 401);
      const res = await fetch(`${other.url}/api/v1/agent/sessions`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(await res.json(), { signedOut: 1 });
      assert.equal(await me(token), 401);
      assert.equal(await me(token, other.url), 401);
    } finally {
      await other.close();
      queue.close();
    }
  });

  it('a token stops working when its session hours are over', async () => {
    const token = await signIn();
    vt.advance(8 * 3600_000 - 1);
    assert.equal(await me(token), 200);
    vt.advance(1);
    assert.equal(await me(token), 401);
  });

  it('the agent signs out everywhere: every token of the agent stops at once', async () => {
    const [a, b] = [await signIn(), await signIn()];
    const res = await fetch(`${t.url}/api/v1/agent/sessions`, { method: 'DELETE', headers: { authorization: `Bearer ${a}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { signedOut: 2 });
    assert.equal(await me(a), 401);
    assert.equal(await me(b), 401);
  });

  it('an admin signs an agent out everywhere, and it is audited', async () => {
    const token = await signIn();
    const r = await t.call('DELETE', '/admin/v1/agents/alice/sessions', undefined, { key: ADMIN_KEY });
    assert.equal(r.status, 200);
    assert.equal(r.json.signedOut, 1);
    assert.equal(await me(token), 401);
    const audit = await t.call('GET', '/admin/v1/audit?subject=agent:alice', undefined, { key: ADMIN_KEY });
    assert.equal(audit.json.entries[0].action, 'agent.signed-out');
    assert.equal(audit.json.entries[0].actor, 'admin');
    assert.equal((await t.call('DELETE', '/admin/v1/agents/nobody/sessions', undefined, { key: ADMIN_KEY })).status, 404);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import type { SimulatedDialer } from '../../src/callback/simulated-dialer';
import { BILLING_WITH_ALICE, compose } from '../helpers/compose';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Preview (`_agent_preview`) and customer confirmation (`_wait_for_user_confirm`) over REST, in the
 * composed service with the simulated dialer: the agent sees the preview and accepts it, the customer's
 * application receives the push and answers it.
 */
describe('agent preview and customer confirmation over REST', () => {
  let app: App;
  let url: string;
  let dir: string;
  let receiver: http.Server;
  const pushes: Record<string, string>[] = [];
  const key = { 'x-api-key': 'approve-key-001', 'content-type': 'application/json' };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-approve-'));
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        pushes.push(JSON.parse(body) as Record<string, string>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const pushUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/push`;
    ({ app, url } = await compose({
      store: { path: path.join(dir, 'cb.db') },
      auth: { clients: [{ id: 'web', key: 'approve-key-001' }, { id: 'ops', key: 'approve-admin-01', admin: true }] },
      services: [
        { name: 'preview', template: 'user-terminated-preview', options: { _target: 'billing', _agent_preview_timeout: 30 } },
        {
          name: 'confirm',
          template: 'user-terminated-immediate',
          options: { _target: 'billing', _wait_for_agent: true, _wait_for_user_confirm: true, _push_notification_url: pushUrl },
        },
      ],
      ...BILLING_WITH_ALICE,
      scheduler: { holdRetryMs: 50 },
      dialer: { kind: 'simulated', simulated: { delayMs: 20 } },
    }));
  });
  after(async () => {
    await app.close();
    await new Promise((r) => receiver.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (service: string, number: string): Promise<string> => {
    const res = await fetch(`${url}/genesys/1/service/callback/${service}`, { method: 'POST', headers: key, body: JSON.stringify({ _customer_number: number, account: 'A-77' }) });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { _id: string })._id;
  };
  const get = async (service: string, id: string) =>
    (await (await fetch(`${url}/genesys/1/service/callback/${service}/${id}`, { headers: key })).json()) as Record<string, unknown>;
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 100; i++) {
      const v = await probe();
      if (v !== undefined) return v;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const signIn = async (): Promise<Record<string, string>> => {
    const res = await fetch(`${url}/api/v1/agent/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'alice', password: 'alice-pass-01' }) });
    const { token } = (await res.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const ready = await fetch(`${url}/api/v1/agent/me/state`, { method: 'PUT', headers: auth, body: JSON.stringify({ state: 'READY' }) });
    assert.equal(ready.status, 200);
    return auth;
  };

  it('preview: the reserved agent sees the callback, nothing is dialed until she accepts, then it completes with her', async () => {
    // the live stream carries the preview offer
    const stream = await fetch(`${url}/api/v1/stream?api_key=approve-key-001`);
    const reader = stream.body!.getReader();
    let streamed = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        streamed += Buffer.from(value).toString();
      }
    })().catch(() => undefined);

    const auth = await signIn();
    const id = await start('preview', '+14155550811');
    const preview = await waitFor('the preview', async () => {
      const res = await fetch(`${url}/api/v1/agent/me/preview`, { headers: auth });
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    });
    assert.equal(preview._id, id);
    assert.equal(preview._customer_number, '+14155550811');
    assert.deepEqual(preview.userData, { account: 'A-77' });
    await sleep(150);
    const before = await get('preview', id);
    assert.equal(before._callback_state, 'ROUTING', 'waiting for the agent, not dialing');
    assert.equal((app.dialer as SimulatedDialer).dialed.length, 0, 'nobody dialed before the accept');

    // a client key cannot answer for the agent; another callback id is 404
    assert.equal((await fetch(`${url}/api/v1/agent/callbacks/${id}/preview`, { method: 'POST', headers: key, body: JSON.stringify({ action: 'accept' }) })).status, 403);
    assert.equal((await fetch(`${url}/api/v1/agent/callbacks/nope/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'accept' }) })).status, 404);
    assert.equal((await fetch(`${url}/api/v1/agent/callbacks/${id}/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'maybe' }) })).status, 400);

    const accepted = await fetch(`${url}/api/v1/agent/callbacks/${id}/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'accept' }) });
    assert.equal(accepted.status, 200);
    const done = await waitFor('completion', async () => {
      const c = await get('preview', id);
      return c._callback_state === 'COMPLETED' ? c : undefined;
    });
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
    const history = (await (await fetch(`${url}/genesys/1/service/callback/preview/${id}/history`, { headers: key })).json()) as { attempts?: { agentId?: string }[] };
    assert.equal(history.attempts?.at(-1)?.agentId, 'alice');
    assert.match(streamed, /event: approval\ndata: \{"type":"PREVIEW_OFFERED"/);
    assert.match(streamed, /"type":"PREVIEW_ANSWERED".*"outcome":"ACCEPTED"/);
    await reader.cancel();
    await reading;
  });

  it("the agent's own stream: state and previews pushed, the session token in the query", async () => {
    assert.equal((await fetch(`${url}/api/v1/agent/stream`)).status, 401);
    assert.equal((await fetch(`${url}/api/v1/agent/stream?access_token=not-a-token`)).status, 401);
    assert.equal((await fetch(`${url}/api/v1/agent/me?access_token=not-a-token`)).status, 401, 'only the stream takes the token in the query');
    const auth = await signIn();
    const token = auth.authorization!.slice(7);
    const controller = new AbortController();
    const res = await fetch(`${url}/api/v1/agent/stream?access_token=${token}`, { signal: controller.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: RegExp) => {
      while (!until.test(text)) text += Buffer.from((await reader.read()).value!).toString();
    };
    await read(/event: preview\ndata: null\n\n/);
    assert.match(text, /event: agent\ndata: \{"id":"alice"[^\n]*"state":"READY"/);
    const id = await start('preview', '+14155550819');
    await read(new RegExp(`event: preview\\ndata: \\{"_id":"${id}"`));
    await read(/"state":"RESERVED"/);
    await fetch(`${url}/api/v1/agent/callbacks/${id}/preview`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'reject' }) });
    await read(new RegExp(`_id":"${id}"[\\s\\S]*event: preview\\ndata: null`));
    controller.abort();
    // rejected: the callback waits for the next agent (alice again, once she is the longest idle): cancel it
    await fetch(`${url}/genesys/1/service/callback/preview/${id}`, { method: 'DELETE', headers: key });
  });

  it('confirmation: the push reaches the customer\'s application; declining ends the callback USER_DECLINED', async () => {
    const id = await start('confirm', '+14155550812');
    const push = await waitFor('the push', async () => pushes.find((p) => p._id === id));
    assert.equal(push._action, 'ConfirmationDialog');
    assert.equal(push._customer_number, '+14155550812');
    assert.match(push._confirm_url!, new RegExp(`/genesys/1/service/callback/confirm/${id}/user-confirm$`));
    const pending = await fetch(`${url}/genesys/1/service/callback/confirm/${id}/user-confirm`, { headers: key });
    assert.equal(pending.status, 200);
    assert.equal(((await pending.json()) as { agentId: string }).agentId, 'alice');

    const declined = await fetch(`${url}/genesys/1/service/callback/confirm/${id}/user-confirm`, { method: 'POST', headers: key, body: JSON.stringify({ _confirm: false }) });
    assert.equal(declined.status, 200);
    const done = await waitFor('completion', async () => {
      const c = await get('confirm', id);
      return c._callback_state === 'COMPLETED' ? c : undefined;
    });
    assert.equal(done._callback_reason, 'USER_DECLINED');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /callback_approvals_total\{kind="agent_preview",outcome="ACCEPTED"\} 1/);
    assert.match(metrics, /callback_approvals_total\{kind="user_confirm",outcome="DECLINED"\} 1/);
    const again = await fetch(`${url}/genesys/1/service/callback/confirm/${id}/user-confirm`, { method: 'POST', headers: key, body: JSON.stringify({ _confirm: true }) });
    assert.equal(again.status, 409, 'no confirmation is pending any more');
  });

  it('confirmation: confirming dials the customer for the reserved agent', async () => {
    const id = await start('confirm', '+14155550813');
    await waitFor('the push', async () => pushes.find((p) => p._id === id));
    const ok = await fetch(`${url}/genesys/1/service/callback/confirm/${id}/user-confirm`, { method: 'POST', headers: key, body: 'not json' });
    assert.equal(ok.status, 400);
    const confirmed = await fetch(`${url}/genesys/1/service/callback/confirm/${id}/user-confirm`, { method: 'POST', headers: key, body: JSON.stringify({ _confirm: true }) });
    assert.equal(confirmed.status, 200);
    const done = await waitFor('completion', async () => {
      const c = await get('confirm', id);
      return c._callback_state === 'COMPLETED' ? c : undefined;
    });
    assert.equal(done._callback_reason, 'CONNECTED_TO_AGENT');
  });

  it('refuses a preview service without _wait_for_agent, and targets the queue does not have, naming the option', async () => {
    const res = await fetch(`${url}/admin/v1/services/bad-preview`, {
      method: 'PUT',
      headers: { ...key, 'x-api-key': 'approve-admin-01' },
      body: JSON.stringify({ template: 'user-terminated-immediate', options: { _agent_preview: true } }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { message: string; parameter?: string };
    assert.match(body.message, /_agent_preview: needs _wait_for_agent/);

    // the admin API refuses a target the queue does not have; a $token$ target is checked per request
    const typo = await fetch(`${url}/admin/v1/services/typo`, { method: 'PUT', headers: { ...key, 'x-api-key': 'approve-admin-01' }, body: JSON.stringify({ template: 'user-terminated-immediate', options: { _target: 'biling' } }) });
    assert.equal(typo.status, 400);
    assert.equal(((await typo.json()) as { parameter: string }).parameter, 'options._target');
    const routed = await fetch(`${url}/admin/v1/services/routed`, { method: 'PUT', headers: { ...key, 'x-api-key': 'approve-admin-01' }, body: JSON.stringify({ template: 'user-terminated-immediate', options: { _target: '$queue$' } }) });
    assert.equal(routed.status, 200);
    const bad = await fetch(`${url}/genesys/1/service/callback/routed`, { method: 'POST', headers: key, body: JSON.stringify({ _customer_number: '+14155550899', queue: 'nowhere' }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /_target: "nowhere" is not a configured target/);
  });
});

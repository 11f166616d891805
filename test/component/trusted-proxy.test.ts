import assert from 'node:assert/strict';
import { ADMIN_KEY, startApp, type RunningApp } from '../helpers/http-app';

describe('trusted proxies: X-Forwarded-For is believed only from configured addresses', () => {
  const sourceSeen = async (t: RunningApp) => {
    const created = await fetch(`${t.url}/admin/v1/keys`, {
      method: 'POST',
      headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50' },
      body: JSON.stringify({ name: 'probe', scopes: ['reports:read'] }),
    });
    assert.equal(created.status, 201);
    const audit = await t.call('GET', '/admin/v1/audit?action=key.created', undefined, { key: ADMIN_KEY });
    return audit.json.entries[0].source as string;
  };

  it('ignores the header from a client that is not a configured proxy', async () => {
    const t = await startApp();
    try {
      assert.equal(await sourceSeen(t), '127.0.0.1');
    } finally {
      await t.close();
    }
  });

  it('takes the client address from a configured proxy', async () => {
    const t = await startApp({ server: { host: '127.0.0.1', port: 0, trustProxy: ['127.0.0.0/8'] } });
    try {
      assert.equal(await sourceSeen(t), '203.0.113.50');
    } finally {
      await t.close();
    }
  });
});

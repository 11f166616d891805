import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { App } from '../../src/app';
import { composeApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/observability/logger';

/** the composed service with telephony on (its servers nowhere), a trunk, and this environment; its log lines */
async function start(trunkUri: string, env: NodeJS.ProcessEnv): Promise<{ app: App; url: string; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const config = parseAppConfig(
    {
      server: { host: '127.0.0.1', port: 0 },
      store: { path: ':memory:' },
      telephony: { drachtio: { port: 1 }, mediaServers: [{ host: '127.0.0.1', port: 1 }], audioFork: { port: 0 }, trunk: { uriTemplate: trunkUri } },
    },
    'test',
  );
  const app = await composeApp(config, createLogger('info', sink), env);
  return { app, url: await app.listen(), lines };
}

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as { status: string; warnings: string[] };

describe('deployment check at start: the media address FreeSWITCH advertises', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a private address advertised to a public trunk is a warning in the log and in /health', async () => {
    const s = await start('sip:{number}@sip.carrier.example.com', { MEDIA_LOCAL_IP: '172.18.0.3' });
    app = s.app;
    const warn = s.lines.find((l) => l.level === 40 && /private address 172\.18\.0\.3/.test(String(l.msg)));
    assert.ok(warn, `a warning line in the log: ${JSON.stringify(s.lines.map((l) => l.msg))}`);
    assert.equal(warn.mediaIp, '172.18.0.3');
    const h = await health(s.url);
    assert.equal(h.warnings.length, 1);
    assert.match(h.warnings[0]!, /private address 172\.18\.0\.3 .* public trunk sip\.carrier\.example\.com.*Set PUBLIC_IP/);
  });

  it('with PUBLIC_IP set there is no warning, and the log says what FreeSWITCH advertises', async () => {
    const s = await start('sip:{number}@sip.carrier.example.com', { MEDIA_LOCAL_IP: '172.18.0.3', PUBLIC_IP: '203.0.113.10' });
    app = s.app;
    assert.equal(s.lines.filter((l) => l.level === 40 && /advertise/.test(String(l.msg))).length, 0);
    const info = s.lines.find((l) => l.msg === 'media addresses FreeSWITCH advertises');
    assert.equal(info?.mediaIp, '203.0.113.10');
    assert.equal(info?.bindIp, '172.18.0.3');
    assert.deepEqual((await health(s.url)).warnings, []);
  });

  it('refuses to start on a bad address variable, naming it', async () => {
    await assert.rejects(start('sip:{number}@sip.carrier.example.com', { PUBLIC_IP: 'my-vm.example.com' }), /invalid environment: PUBLIC_IP: must be an IPv4 address/);
  });
});

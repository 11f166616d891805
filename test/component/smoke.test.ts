import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { main } from '../../src/cli/main';
import { hasSipp, testCall } from '../../src/cli/smoke-command';
import { composeApp } from '../../src/compose';
import { parseAppConfig } from '../../src/config/app-config';
import { silentLogger } from '../helpers/core';
import { runSipp } from '../e2e/sipp';

const KEY = 'smoke-key-0001';

async function smoke(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => (out += s) };
  const code = await main(['smoke', ...argv], { out: sink, err: sink });
  return { code, out };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('npm run smoke against the service started without its SIP servers', function () {
  this.timeout(60_000);
  let app: App;
  let url: string;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-smoke-'));
    // drachtio-server and FreeSWITCH nowhere (port 1); the prompts directory empty
    const telephony = { drachtio: { port: 1 }, mediaServers: [{ host: '127.0.0.1', port: 1 }], audioFork: { port: 0 }, prompts: { dir } };
    app = await composeApp(parseAppConfig({ server: { host: '127.0.0.1', port: 0 }, store: { path: ':memory:' }, auth: { clients: [{ id: 'ops', key: KEY }] }, telephony }, 'test'), silentLogger, {});
    url = await app.listen();
  });
  after(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails, saying in words which pieces are missing: drachtio-server, FreeSWITCH, the prompts', async () => {
    const { code, out } = await smoke(url, '--key', KEY, '--did', '18005550100');
    assert.equal(code, 1, out);
    assert.match(out, /^ {2}ok {3}REST API: .* answers/m);
    assert.match(out, /^ {2}ok {3}API key: accepted/m);
    assert.match(out, /^ {2}ok {3}database: up/m);
    assert.match(out, /^ FAIL  drachtio-server: the service is not connected to drachtio-server \(127\.0\.0\.1:1.*\): check that drachtio-server runs and that DRACHTIO_HOST, DRACHTIO_PORT and DRACHTIO_SECRET match it$/m);
    assert.match(out, /^ FAIL  FreeSWITCH: the service is not connected to FreeSWITCH .*FREESWITCH_HOST:FREESWITCH_PORT/m);
    assert.match(out, new RegExp(`^ FAIL  prompts: callers would hear silence: \\d+ of \\d+ prompt files missing: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/.*install-prompts\\.sh`, 'm'));
    assert.match(out, /^ skip  test call: /m);
    assert.match(out, /the install has 3 problems \(3 ok, 3 failing, 1 skipped\)\n$/);
  });

  it('a wrong API key is named as the problem', async () => {
    const { code, out } = await smoke(url, '--key', 'not-the-key');
    assert.equal(code, 1);
    assert.match(out, /^ FAIL  API key: the service refused the key \(401\)/m);
  });

  it('nothing at the URL: says nothing listens there', async () => {
    const port = await freePort();
    const { code, out } = await smoke(`http://127.0.0.1:${port}`, '--key', KEY);
    assert.equal(code, 1);
    assert.match(out, /^ FAIL  REST API: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): nothing listens there: is the service running, on that port\?/m);
    assert.match(out, /^ skip  API key: not tried/m);
  });

  it('no URL, or not a URL: usage, exit code 2', async () => {
    assert.equal((await smoke()).code, 2);
    assert.match((await smoke('not a url')).out, /is not a URL/);
  });
});

describe('smoke test call (SIPp) against a peer that answers and plays audio', function () {
  this.timeout(60_000);
  let logDir: string;
  before(function () {
    if (!hasSipp()) this.skip(); // apt-get install sip-tester
    logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-smoke-sipp-'));
  });
  after(() => {
    if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
  });

  it('hears the audio the answering side plays, and hangs up', async () => {
    // stands in for drachtio-server + FreeSWITCH: answers and streams a real recording to the caller's SDP address
    const peer = runSipp('customer-human.xml', { port: 15790, mediaPort: 16790, logDir, timeoutSec: 30 });
    await new Promise((r) => setTimeout(r, 300));
    const check = await testCall({ did: '18005550100', sipTarget: '127.0.0.1:15790', localIp: '127.0.0.1', listenMs: 3000, timeoutSec: 15 });
    const r = await peer.done;
    assert.equal(check.outcome, 'ok', check.message);
    assert.match(check.message, /^18005550100 answered; heard \d\.\d s of the IVR's audio in 3 s, then hung up$/);
    assert.equal(r.code, 0, `the peer took our BYE: ${r.output.slice(-300)}`);
  });

  it('nobody answering SIP there: says so', async () => {
    const check = await testCall({ did: '18005550100', sipTarget: '127.0.0.1:15791', localIp: '127.0.0.1', listenMs: 1000, timeoutSec: 4 });
    assert.equal(check.outcome, 'fail');
    assert.match(check.message, /call to 18005550100 at 127\.0\.0\.1:15791: /);
  });
});

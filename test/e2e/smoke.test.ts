import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { e2eEnv, type E2eEnv } from './env';
import { hasSipp } from './sipp';

/**
 * `npm run smoke` against the real stack: the service started as an install runs it (its own process,
 * `src/main.ts` with a config file) around the real drachtio-server and FreeSWITCH; the smoke check, run
 * as the CLI from outside, must pass, its test call answered by the IVR with the greeting heard.
 */
const root = path.resolve(__dirname, '../..');
const KEY = 'smoke-e2e-key-0001';
const DID = '18005550199';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('npm run smoke against the real stack', function () {
  this.timeout(120_000);
  let env: E2eEnv;
  let proc: ChildProcess | undefined;
  let dir: string;
  let url: string;

  before(async function () {
    const e = await e2eEnv();
    if (typeof e === 'string') {
      console.log(`      smoke e2e skipped: ${e}`);
      this.skip();
    }
    if (!hasSipp()) {
      console.log('      smoke e2e skipped: SIPp not installed');
      this.skip();
    }
    env = e as E2eEnv;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cbsvc-smoke-e2e-'));
    const prompts = process.env.E2E_PROMPTS_DIR ?? path.join(os.tmpdir(), 'cbsvc-e2e-prompts');
    if (!fs.existsSync(path.join(prompts, 'slot-offer.wav'))) execFileSync('bash', [path.join(root, 'scripts/install-prompts.sh'), prompts], { stdio: 'ignore' });
    const port = await freePort();
    const local = env.freeswitch.host === '127.0.0.1' || env.freeswitch.host === 'localhost';
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        server: { host: '127.0.0.1', port },
        store: { path: path.join(dir, 'callbacks.db') },
        auth: { clients: [{ id: 'ops', key: KEY }] },
        services: [{ name: 'smoke-immediate', template: 'user-terminated-immediate', options: { _target: 'billing', _default_country: 'US' } }],
        targets: [{ name: 'billing' }],
        telephony: {
          drachtio: env.drachtio,
          mediaServers: [{ ...env.freeswitch, ...(local ? { listenAddress: '127.0.0.1' } : {}) }],
          trunk: { uriTemplate: 'sip:{number}@127.0.0.1:5090' },
          dids: { [DID]: { service: 'smoke-immediate', target: 'billing' } },
          prompts: { dir: prompts },
          audioFork: { port: 0 },
        },
      }),
    );
    proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'src/main.ts'], {
      cwd: root,
      env: { ...process.env, CONFIG_FILE: path.join(dir, 'config.json') },
      stdio: ['ignore', fs.openSync(path.join(dir, 'app.log'), 'a'), 'inherit'],
    });
    url = `http://127.0.0.1:${port}`;
    // up when the app reports both servers connected
    for (let i = 0; i < 300; i++) {
      try {
        const h = (await (await fetch(`${url}/health`)).json()) as { dependencies: Record<string, { state: string }> };
        if (h.dependencies.drachtio?.state === 'up' && h.dependencies.freeswitch?.state === 'up') return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the service did not connect to both servers; log: ${path.join(dir, 'app.log')}`);
  });

  after(() => {
    proc?.kill('SIGTERM');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes: REST and key, both servers connected, prompts installed, and a call to the DID hears the greeting', () => {
    const r = spawnSync(process.execPath, ['bin/cbsvc.js', 'smoke', url, '--key', KEY, '--did', DID, '--sip', env.sipTarget, '--local-ip', '127.0.0.1'], { cwd: root, encoding: 'utf8' });
    console.log(r.stdout.replace(/^/gm, '      '));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}ok {3}drachtio-server: connected/m);
    assert.match(r.stdout, /^ {2}ok {3}FreeSWITCH: connected/m);
    assert.match(r.stdout, /^ {2}ok {3}prompts: \d+ prompt files in /m);
    assert.match(r.stdout, new RegExp(`^ {2}ok {3}test call: ${DID} answered; heard \\d+\\.\\d s of the IVR's audio`, 'm'));
    assert.match(r.stdout, /the install works/);
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { startApp, type RunningApp } from '../helpers/http-app';
import { until } from '../helpers/until';

/** a self-signed certificate for `cn` (openssl), written where the config points */
function makeCert(dir: string, cn: string): { cert: string; key: string } {
  const cert = path.join(dir, `${cn}.crt`);
  const key = path.join(dir, `${cn}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${cn}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** the CN of the certificate the server presents, and the answer's headers */
const handshake = (url: string) =>
  new Promise<{ cn: string; hsts: string | undefined; status: number }>((resolve, reject) => {
    const req = https.get(`${url}/health`, { rejectUnauthorized: false, agent: false }, (res) => {
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject.CN);
      res.resume();
      resolve({ cn, hsts: res.headers['strict-transport-security'] as string | undefined, status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
  });

describe('HTTPS: certificate and key from the config, reloaded when they change', () => {
  let t: RunningApp;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'cbsvc-tls-'));
    const first = makeCert(dir, 'first.example');
    fs.copyFileSync(first.cert, path.join(dir, 'live.crt'));
    fs.copyFileSync(first.key, path.join(dir, 'live.key'));
    t = await startApp({ server: { host: '127.0.0.1', port: 0, trustProxy: [], tls: { certFile: path.join(dir, 'live.crt'), keyFile: path.join(dir, 'live.key'), reloadCheckSec: 0.1 } } });
  });
  after(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with HSTS, and takes a renewed certificate without a restart', async () => {
    assert.match(t.url, /^https:/);
    const before = await handshake(t.url);
    assert.deepEqual([before.cn, before.status], ['first.example', 200]);
    assert.match(before.hsts ?? '', /max-age=\d+/);
    const renewed = makeCert(dir, 'renewed.example');
    // as certbot does: both files replaced
    fs.copyFileSync(renewed.key, path.join(dir, 'live.key'));
    fs.copyFileSync(renewed.cert, path.join(dir, 'live.crt'));
    await until('the renewed certificate', async () => ((await handshake(t.url)).cn === 'renewed.example' ? true : undefined), 10_000, 100);
  });
});

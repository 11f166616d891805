import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

/** the compose files of each way to run the stack (docs/deploy.md) */
const VARIANTS: Record<string, string[]> = {
  'laptop (bridge network)': ['docker-compose.yml'],
  'VM (host networking)': ['docker-compose.yml', 'docker-compose.vm.yml'],
  'PostgreSQL store': ['docker-compose.yml', 'docker-compose.postgres.yml'],
};

/** `docker-compose config` of these files, in this environment (nothing of the caller's) */
function config(files: string[], env: Record<string, string> = {}, quiet = false) {
  const args = [...files.flatMap((f) => ['-f', f]), 'config', ...(quiet ? ['-q'] : [])];
  return spawnSync('docker-compose', args, { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
}

/** one service's block of `docker-compose config` output */
const service = (out: string, name: string): string => {
  const m = new RegExp(`\\n  ${name}:\\n([\\s\\S]*?)(?=\\n  [a-z-]+:\\n|\\nvolumes:|$)`).exec(out);
  assert.ok(m, `service ${name} in the output`);
  return m[1]!;
};

describe('docker-compose files', () => {
  before(function () {
    if (!hasCompose) this.skip(); // docker-compose is not installed here (apt-get install -y docker-compose)
  });

  for (const [name, files] of Object.entries(VARIANTS)) {
    it(`${name}: ${files.join(' + ')} is valid (docker-compose config -q)`, () => {
      const r = config(files, {}, true);
      assert.equal(r.status, 0, r.stderr);
    });
  }

  it('PostgreSQL store: the app gets STORE_KIND=postgres and a DATABASE_URL to the postgres service, and starts once it is healthy (as well as drachtio-server and FreeSWITCH); its data lives in a named volume', () => {
    const out = config(VARIANTS['PostgreSQL store']!, { POSTGRES_PASSWORD: 's3cret' }).stdout;
    const app = service(out, 'app');
    assert.match(app, /STORE_KIND: postgres/);
    assert.match(app, /DATABASE_URL: postgres:\/\/callbacks:s3cret@postgres:5432\/callbacks/);
    assert.match(app, /depends_on:[\s\S]*postgres:\s+condition: service_healthy/);
    assert.match(app, /freeswitch:\s+condition: service_healthy/);
    assert.match(service(out, 'postgres'), /pg_isready/);
    assert.match(service(out, 'postgres'), /- pgdata:\/var\/lib\/postgresql\/data/);
  });

  it('PostgreSQL store: two app replicas by default (APP_REPLICAS scales them), each on a host port of its own from a range, both to drachtio-server and the one postgres service', function () {
    this.timeout(60_000); // docker-compose takes seconds per run on a loaded machine
    const out = config(VARIANTS['PostgreSQL store']!).stdout;
    const app = service(out, 'app');
    assert.match(app, /deploy:\s+replicas: 2\n/);
    const scaled = service(config(VARIANTS['PostgreSQL store']!, { APP_REPLICAS: '3', APP_PORT: '9000', APP_PORT_MAX: '9003' }).stdout, 'app');
    assert.match(scaled, /deploy:\s+replicas: 3\n/);
    assert.match(scaled, /published: 9000-9003/);
    // no fixed host port: two containers publishing 8080 would collide; a range gives each its own
    assert.match(app, /ports:\s+- published: 8080-8089\s+target: 8080\n/);
    assert.doesNotMatch(app, /published: '?8080'?\s/);
    // every replica reaches the same drachtio-server (it spreads inbound calls over the connected apps) and the same database
    assert.match(app, /DRACHTIO_HOST: drachtio/);
    assert.match(app, /DATABASE_URL: postgres:\/\/callbacks:callbacks@postgres:5432\/callbacks/);
    assert.equal((out.match(/\n  postgres:\n/g) ?? []).length, 1, 'one postgres service');
    assert.doesNotMatch(service(out, 'postgres'), /replicas/);
  });

  it('wires drachtio-server, FreeSWITCH with our config, the app and the prompts volume', () => {
    const out = config(VARIANTS['laptop (bridge network)']!).stdout;
    assert.match(out, /image: drachtio\/drachtio-server/);
    assert.match(out, /image: drachtio\/drachtio-freeswitch-mrf/);
    assert.match(out, /freeswitch-conf:\/etc\/callback-freeswitch:ro/);
    assert.match(service(out, 'app'), /DRACHTIO_HOST: drachtio/);
    assert.match(service(out, 'app'), /FREESWITCH_HOST: freeswitch/);
    // the SQLite file alone runs one app (two over one SQLite file on a shared volume is not supported)
    assert.doesNotMatch(service(out, 'app'), /replicas/);
  });

  it('the app starts when drachtio-server and FreeSWITCH are healthy, each service has a health check, data and certificates live in named volumes', () => {
    const out = config(VARIANTS['laptop (bridge network)']!).stdout;
    const app = service(out, 'app');
    assert.match(app, /depends_on:\s+drachtio:\s+condition: service_healthy\s+freeswitch:\s+condition: service_healthy/);
    for (const s of ['drachtio', 'freeswitch', 'app']) assert.match(service(out, s), /healthcheck:\s+interval/, s);
    assert.match(service(out, 'freeswitch'), /sofia\s+status\s+profile\s+drachtio_mrf/);
    assert.match(app, /- appdata:\/app\/data/);
    assert.match(service(out, 'drachtio'), /- certs:\/etc\/drachtio\/certs:ro/);
    assert.match(service(out, 'freeswitch'), /- fs-certs:\/var\/lib\/freeswitch\/certs/);
    assert.match(out, /\nvolumes:\n(\s+\S+: \{\}\n)*\s+appdata: \{\}/);
    for (const s of ['drachtio', 'freeswitch', 'app']) assert.match(service(out, s), /logging:\s+driver: json-file\s+options:\s+max-file: '5'\s+max-size: 20m/, s);
  });

  it('addresses and the RTP range come from the environment: PUBLIC_IP reaches FreeSWITCH, drachtio-server and the app; RTP ports are published as set', () => {
    const out = config(VARIANTS['laptop (bridge network)']!, { PUBLIC_IP: '203.0.113.10', RTP_PORT_MIN: '30000', RTP_PORT_MAX: '30099' }).stdout;
    for (const s of ['drachtio', 'freeswitch', 'app']) assert.match(service(out, s), /PUBLIC_IP: 203\.0\.113\.10/, s);
    assert.match(service(out, 'freeswitch'), /RTP_PORT_MIN: '30000'/);
    const published = [...service(out, 'freeswitch').matchAll(/published: (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(published.length, 100);
    assert.equal(Math.min(...published), 30000);
    assert.equal(Math.max(...published), 30099);
    // unset stays unset (null), so vars.xml keeps its defaults
    assert.match(service(config(VARIANTS['laptop (bridge network)']!).stdout, 'freeswitch'), /PUBLIC_IP: null/);
  });

  it('VM variant: drachtio-server, FreeSWITCH and the app on the host network, the app reaching both on 127.0.0.1', () => {
    const out = config(VARIANTS['VM (host networking)']!).stdout;
    for (const s of ['drachtio', 'freeswitch', 'app']) assert.match(service(out, s), /network_mode: host/, s);
    assert.match(service(out, 'app'), /DRACHTIO_HOST: 127\.0\.0\.1/);
    assert.match(service(out, 'app'), /FREESWITCH_HOST: 127\.0\.0\.1/);
    assert.doesNotMatch(out, /\n {4}networks:/, 'no service joins a bridge network');
    // the control ports stay off the public interface
    assert.match(service(out, 'drachtio'), /DRACHTIO_ADMIN_ADDRESS: 127\.0\.0\.1/);
    assert.match(service(out, 'freeswitch'), /FREESWITCH_ESL_IP: 127\.0\.0\.1/);
  });
});

describe('scripts/drachtio-start.sh: drachtio-server command line from the environment', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drachtio-start-'));
    // a stand-in for drachtio-server that prints the arguments it was given, one per line
    fs.writeFileSync(path.join(dir, 'drachtio'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string>): string[] => {
    const r = spawnSync('sh', [path.join(root, 'scripts/drachtio-start.sh')], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${dir}:${process.env.PATH ?? ''}`, DRACHTIO_CERTS_DIR: path.join(dir, 'no-certs'), ...env },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };

  it('by default: SIP on every address, udp+tcp 5060 and ws 8088, no external address', () => {
    const args = run({});
    assert.deepEqual(args.slice(0, 4), ['--contact', 'sip:*:5060;transport=udp,tcp', '--contact', 'sip:*:8088;transport=ws']);
    assert.ok(!args.includes('--external-ip'));
    assert.ok(!args.some((a) => a.includes('transport=tls')), 'no TLS contact without a certificate');
    assert.deepEqual(args.slice(args.indexOf('--secret'), args.indexOf('--secret') + 2), ['--secret', 'cymru']);
  });

  it('PUBLIC_IP goes into each contact as --external-ip; SIP_LOCAL_IP and SIP_PORT shape the contacts', () => {
    const args = run({ PUBLIC_IP: '203.0.113.10', SIP_LOCAL_IP: '10.0.0.5', SIP_PORT: '5070' });
    assert.deepEqual(args.slice(0, 8), [
      '--contact', 'sip:10.0.0.5:5070;transport=udp,tcp', '--external-ip', '203.0.113.10',
      '--contact', 'sip:10.0.0.5:8088;transport=ws', '--external-ip', '203.0.113.10',
    ]);
  });

  it('adds the wss contact and the certificate files when the certificates are there', () => {
    const certs = path.join(dir, 'certs');
    fs.mkdirSync(certs, { recursive: true });
    fs.writeFileSync(path.join(certs, 'cert.pem'), 'x');
    fs.writeFileSync(path.join(certs, 'key.pem'), 'x');
    const args = run({ DRACHTIO_CERTS_DIR: certs });
    assert.ok(args.includes('sips:*:8443;transport=wss'), args.join(' '));
    assert.ok(args.includes('sips:*:5061;transport=tls'), `SIP over TLS for the trunk: ${args.join(' ')}`);
    assert.ok(run({ DRACHTIO_CERTS_DIR: certs, SIP_TLS_PORT: '5071' }).includes('sips:*:5071;transport=tls'));
    assert.equal(args[args.indexOf('--cert-file') + 1], path.join(certs, 'cert.pem'));
    assert.equal(args[args.indexOf('--key-file') + 1], path.join(certs, 'key.pem'));
    // sofia-sip's TLS will not bind without a CA list: the certificate itself when there is no chain.pem
    assert.equal(args[args.indexOf('--chain-file') + 1], path.join(certs, 'cert.pem'));
    fs.writeFileSync(path.join(certs, 'chain.pem'), 'x');
    const chained = run({ DRACHTIO_CERTS_DIR: certs });
    assert.equal(chained[chained.indexOf('--chain-file') + 1], path.join(certs, 'chain.pem'));
  });

  it('DRACHTIO_CONTACTS replaces the whole contact list', () => {
    const args = run({ DRACHTIO_CONTACTS: '--contact sip:192.0.2.1:5080;transport=tcp', PUBLIC_IP: '203.0.113.10', DRACHTIO_SECRET: 's3' });
    assert.deepEqual(args.slice(0, 2), ['--contact', 'sip:192.0.2.1:5080;transport=tcp']);
    assert.ok(!args.includes('--external-ip'));
    assert.equal(args[args.indexOf('--secret') + 1], 's3');
  });
});

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

describe('docker-compose.yml', () => {
  it('is a valid compose file (docker-compose config -q)', function () {
    if (!hasCompose) this.skip(); // docker-compose is not installed here (apt-get install -y docker-compose)
    const r = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('wires drachtio-server, FreeSWITCH with our config, the app and the prompts volume', function () {
    if (!hasCompose) this.skip();
    const cfg = execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8' });
    assert.match(cfg, /image: drachtio\/drachtio-server/);
    assert.match(cfg, /image: drachtio\/drachtio-freeswitch-mrf/);
    assert.match(cfg, /freeswitch-conf:\/etc\/callback-freeswitch:ro/);
    assert.match(cfg, /DRACHTIO_HOST: drachtio/);
    assert.match(cfg, /FREESWITCH_HOST: freeswitch/);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digestResponse, NonceIssuer, parseDigest, verifyDigest } from '../../../src/telephony/digest';
import { parseTelephonyConfig, telephonyConfigFromEnv } from '../../../src/telephony/config';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('telephony/digest (RFC 2617 MD5 for REGISTER)', () => {
  it('matches the RFC 2617 formula with qop=auth', () => {
    const c = { username: 'agent1', realm: 'cc', nonce: 'n', uri: 'sip:cc', qop: 'auth', nc: '00000001', cnonce: 'c' };
    const want = md5(`${md5('agent1:cc:pw')}:n:00000001:c:auth:${md5('REGISTER:sip:cc')}`);
    assert.equal(digestResponse(c, 'pw', 'REGISTER'), want);
  });

  it('accepts the right password, refuses a wrong one, a foreign nonce, and flags a stale nonce', () => {
    let now = 1_000_000;
    const nonces = new NonceIssuer(1000, { now: () => now });
    const nonce = nonces.issue();
    const c = { username: 'agent1', realm: 'cc', nonce, uri: 'sip:cc' };
    const header = (pw: string, n = nonce) => `Digest username="agent1", realm="cc", nonce="${n}", uri="sip:cc", response="${digestResponse({ ...c, nonce: n }, pw, 'REGISTER')}", algorithm=MD5`;
    const pw = (u: string) => (u === 'agent1' ? 'secret' : undefined);
    assert.deepEqual(verifyDigest(header('secret'), 'REGISTER', 'cc', pw, nonces), { ok: true, username: 'agent1' });
    assert.equal(verifyDigest(header('nope'), 'REGISTER', 'cc', pw, nonces).ok, false);
    assert.equal(verifyDigest(header('secret', 'abc.def'), 'REGISTER', 'cc', pw, nonces).ok, false);
    now += 5000;
    assert.deepEqual(verifyDigest(header('secret'), 'REGISTER', 'cc', pw, nonces), { ok: false, stale: true, reason: 'nonce expired' });
    assert.equal(parseDigest('Basic xyz'), null);
  });
});

describe('telephony/config', () => {
  it('fills defaults and names the bad key', () => {
    const c = parseTelephonyConfig({}, 'telephony');
    assert.equal(c.drachtio.port, 9022);
    assert.equal(c.connect.mode, 'bridge');
    assert.throws(() => parseTelephonyConfig({ drachtio: { port: 'x' } }, 'telephony'), /telephony\.drachtio\.port/);
    assert.throws(() => parseTelephonyConfig({ connect: { mode: 'blind' } }, 'telephony'), /telephony\.connect\.mode/);
    assert.throws(() => parseTelephonyConfig({ trunk: { uriTemplate: 'sip:gw.example' } }, 'telephony'), /telephony\.trunk\.uriTemplate/);
    assert.throws(() => parseTelephonyConfig({ dids: { '100': { service: 's' , target: 't', x: 1 } } }, 'telephony'), /telephony\.dids\.100\.x/);
    assert.throws(() => parseTelephonyConfig({ bogus: 1 }, 'telephony'), /telephony\.bogus: unknown key/);
  });

  it('reads DRACHTIO_* and FREESWITCH_* from the environment', () => {
    const c = telephonyConfigFromEnv({ DRACHTIO_HOST: '10.0.0.5', DRACHTIO_PORT: '9023', FREESWITCH_HOST: 'fs1,fs2', FREESWITCH_SECRET: 's3' });
    assert.equal(c.drachtio.host, '10.0.0.5');
    assert.equal(c.drachtio.port, 9023);
    assert.deepEqual(c.mediaServers.map((m) => [m.host, m.port, m.secret]), [['fs1', 8021, 's3'], ['fs2', 8021, 's3']]);
    assert.throws(() => telephonyConfigFromEnv({ FREESWITCH_PORT: 'abc' }), /FREESWITCH_PORT/);
  });
});

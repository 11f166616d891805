import assert from 'node:assert/strict';
import { parseDigest, digestResponse } from '../../../src/telephony/digest';
import { defaultTelephonyConfig, parseTelephonyConfig, srtpGlobals, type AccessSettings } from '../../../src/telephony/config';
import { SoftphoneSources } from '../../../src/telephony/sip-access';
import { SipGuard, type RequestFacts } from '../../../src/telephony/sip-guard';
import { SignInThrottle, DEFAULT_THROTTLE_POLICY } from '../../../src/security/sign-in-throttle';

describe('telephony/sip-guard: INVITEs and REGISTERs before the service acts on them', () => {
  let now: number;
  const clock = { now: () => now };
  beforeEach(() => (now = Date.parse('2026-12-05T12:00:00Z')));
  const access = (o: Partial<AccessSettings> = {}): AccessSettings => ({ ...defaultTelephonyConfig().access, trunks: ['198.51.100.0/24'], trunksDefaulted: false, ...o });
  const limits = { invite: { perSec: 1, burst: 2 }, register: { perSec: 1, burst: 3 } };
  const facts = (source: string, o: Partial<RequestFacts> = {}): RequestFacts => ({ source, port: 5060, protocol: 'udp', size: 900, ...o });
  const status = (v: ReturnType<SipGuard['invite']>) => (v.ok ? 200 : v.status);

  it('a trunk\'s INVITE is taken, and is never rate limited', () => {
    const g = new SipGuard(access(), limits, new SoftphoneSources(clock.now), clock);
    for (let i = 0; i < 10; i++) assert.deepEqual(g.invite(facts('198.51.100.20')), { ok: true, via: 'trunk' });
  });

  it('anyone else: 403 source_not_allowed; a flood of them: 503 with Retry-After', () => {
    const g = new SipGuard(access(), limits, new SoftphoneSources(clock.now), clock);
    const v = g.invite(facts('203.0.113.66'));
    assert.ok(!v.ok && v.status === 403 && v.kind === 'source_not_allowed');
    g.invite(facts('203.0.113.66'));
    const flood = g.invite(facts('203.0.113.66'));
    assert.ok(!flood.ok && flood.status === 503 && flood.kind === 'invite_rate_limited');
    assert.equal(flood.ok ? undefined : flood.headers?.['Retry-After'], '1');
    assert.equal(status(g.invite(facts('203.0.113.67'))), 403, 'another source is not held back');
  });

  it("an agent's softphone cannot call through the service: WebSocket, or the address:port it registered from (even inside a trunk network)", () => {
    const phones = new SoftphoneSources(clock.now);
    const g = new SipGuard(access(), limits, phones, clock);
    const ws = g.invite(facts('198.51.100.30', { protocol: 'wss' }));
    assert.ok(!ws.ok && ws.status === 403 && ws.kind === 'agent_dial_out');
    phones.add('198.51.100.31', 5062, now + 60_000);
    const reg = g.invite(facts('198.51.100.31', { port: '5062' }));
    assert.ok(!reg.ok && reg.status === 403 && reg.kind === 'agent_dial_out');
    assert.equal(status(g.invite(facts('198.51.100.31', { port: 5060 }))), 200, 'another port of that host (the PBX beside it) is a trunk');
    now += 60_000;
    assert.equal(status(g.invite(facts('198.51.100.31', { port: '5062' }))), 200, 'once the registration lapsed');
  });

  it('inviteTransports [tls]: a trunk INVITE over TLS is taken, the same source over UDP or TCP (spoofable) is 403 transport_not_allowed', () => {
    const g = new SipGuard(access({ inviteTransports: ['tls'] }), limits, new SoftphoneSources(clock.now), clock);
    assert.deepEqual(g.invite(facts('198.51.100.20', { protocol: 'tls' })), { ok: true, via: 'trunk' });
    for (const protocol of ['udp', 'tcp']) {
      const v = g.invite(facts('198.51.100.20', { protocol }));
      assert.ok(!v.ok && v.status === 403 && v.kind === 'transport_not_allowed', protocol);
    }
    assert.equal(status(new SipGuard(access(), limits, new SoftphoneSources(clock.now), clock).invite(facts('198.51.100.20', { protocol: 'tcp' }))), 200, 'the default takes all three');
  });

  it('too big: 413 oversized', () => {
    const g = new SipGuard(access({ maxMessageBytes: 4096 }), limits, new SoftphoneSources(clock.now), clock);
    const v = g.invite(facts('198.51.100.20', { size: 5000 }));
    assert.ok(!v.ok && v.status === 413 && v.kind === 'oversized');
  });

  it('digest for INVITEs from elsewhere: challenge, the right credentials pass, wrong ones are 403 and lock out (sign-in throttle, kind sip-invite)', () => {
    const failures: string[] = [];
    const throttle = new SignInThrottle(DEFAULT_THROTTLE_POLICY, clock, { onFailure: (a) => void failures.push(a.kind) });
    const g = new SipGuard(access({ inviteAuth: { realm: 'trunks', users: { carrier: 's3cret' } } }), { ...limits, invite: { perSec: 100, burst: 100 } }, new SoftphoneSources(clock.now), clock, throttle);
    const first = g.invite(facts('203.0.113.9'));
    assert.ok(!first.ok && first.status === 401 && first.kind === undefined);
    const header = first.ok ? '' : first.headers!['WWW-Authenticate']!;
    const nonce = /nonce="([^"]+)"/.exec(header)![1]!;
    const authz = (password: string) => {
      const c = { username: 'carrier', realm: 'trunks', nonce, uri: 'sip:18005550100@cc', qop: 'auth', nc: '00000001', cnonce: 'abc' };
      return `Digest username="carrier", realm="trunks", nonce="${nonce}", uri="${c.uri}", response="${digestResponse(c, password, 'INVITE')}", qop=auth, nc=00000001, cnonce="abc"`;
    };
    assert.ok(parseDigest(authz('s3cret')));
    assert.deepEqual(g.invite(facts('203.0.113.9', { authorization: authz('s3cret') })), { ok: true, via: 'digest' });
    const wrong = g.invite(facts('203.0.113.9', { authorization: authz('guess') }));
    assert.ok(!wrong.ok && wrong.status === 403 && wrong.kind === 'invite_auth_failed');
    assert.deepEqual(failures, ['sip-invite']);
    for (let i = 0; i < 20; i++) g.invite(facts('203.0.113.9', { authorization: authz('guess') }));
    const locked = g.invite(facts('203.0.113.9', { authorization: authz('s3cret') }));
    assert.ok(!locked.ok && locked.status === 403 && locked.headers?.['Retry-After'], 'locked out: even the right password waits');
  });

  it('REGISTER: rate limited per source whoever sends it (503 + Retry-After), 413 when too big', () => {
    const g = new SipGuard(access(), limits, new SoftphoneSources(clock.now), clock);
    for (let i = 0; i < 3; i++) assert.equal(g.register(facts('198.51.100.20')).ok, true);
    const v = g.register(facts('198.51.100.20'));
    assert.ok(!v.ok && v.status === 503 && v.kind === 'register_rate_limited' && v.headers?.['Retry-After'] === '1');
    now += 1000;
    assert.equal(g.register(facts('198.51.100.20')).ok, true, 'a token back after a second');
    const big = g.register(facts('10.0.0.1', { size: 70_000 }));
    assert.ok(!big.ok && big.status === 413);
  });
});

describe('telephony config: access.inviteTransports and limits.maxInboundCalls', () => {
  it('parses them, defaults to every transport and 500 calls, and names a bad value', () => {
    const d = parseTelephonyConfig({});
    assert.deepEqual(d.access.inviteTransports, ['udp', 'tcp', 'tls']);
    assert.equal(d.limits.maxInboundCalls, 500);
    const c = parseTelephonyConfig({ access: { inviteTransports: ['TLS'] }, limits: { maxInboundCalls: 40 } });
    assert.deepEqual(c.access.inviteTransports, ['tls']);
    assert.equal(c.limits.maxInboundCalls, 40);
    assert.throws(() => parseTelephonyConfig({ access: { inviteTransports: ['sctp'] } }), /access\.inviteTransports: "sctp" is not one of udp, tcp, tls/);
    assert.throws(() => parseTelephonyConfig({ access: { inviteTransports: [] } }), /inviteTransports: name at least one/);
    assert.throws(() => parseTelephonyConfig({ limits: { maxInboundCalls: 0 } }), /maxInboundCalls/);
  });
});

describe('telephony config: trunk.srtp', () => {
  it("'off' by default (FreeSWITCH told SRTP is forbidden), 'required' sets the SDES suites mandatory, anything else is named", () => {
    assert.equal(parseTelephonyConfig({}).trunk.srtp, 'off');
    assert.deepEqual(srtpGlobals('off'), { rtp_secure_media_inbound: 'forbidden', rtp_secure_media_outbound: 'forbidden' });
    const c = parseTelephonyConfig({ trunk: { uriTemplate: 'sip:{number}@sbc.example.net:5061;transport=tls', srtp: 'required' } });
    assert.equal(c.trunk.srtp, 'required');
    assert.match(srtpGlobals(c.trunk.srtp).rtp_secure_media_inbound!, /^mandatory:AES_CM_128_HMAC_SHA1_80/);
    assert.throws(() => parseTelephonyConfig({ trunk: { srtp: 'optional' } }), /trunk\.srtp: must be one of off, required/);
  });
});

import assert from 'node:assert/strict';
import { AddressList, DestinationPolicy, LOCAL_NETWORKS, parseNetwork, parseSipTarget, SoftphoneSources } from '../../../src/telephony/sip-access';
import { parseTelephonyConfig } from '../../../src/telephony/config';

describe('telephony/sip-access: who may call, where calls may go', () => {
  describe('AddressList (trunks)', () => {
    const list = new AddressList(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);
    it('takes addresses in its networks, IPv4 and IPv6, also as IPv4-mapped IPv6', () => {
      assert.ok(list.has('203.0.113.9'));
      assert.ok(list.has('198.51.100.7'));
      assert.ok(list.has('2001:db8::1'));
      assert.ok(list.has('::ffff:203.0.113.200'));
    });
    it('refuses everything else, and what is not an address', () => {
      assert.ok(!list.has('203.0.114.1'));
      assert.ok(!list.has('198.51.100.8'));
      assert.ok(!list.has('2001:db9::1'));
      assert.ok(!list.has('scanner.example'));
      assert.ok(!list.has(undefined));
    });
    it('the default (loopback and private networks) takes the lab, not the Internet', () => {
      const local = new AddressList(LOCAL_NETWORKS);
      for (const a of ['127.0.0.1', '127.0.0.2', '::1', '10.1.2.3', '172.20.0.1', '192.168.1.10', 'fd00::5']) assert.ok(local.has(a), a);
      for (const a of ['8.8.8.8', '172.32.0.1', '2001:db8::1', '100.64.0.1']) assert.ok(!local.has(a), a);
    });
    it('an entry that is not an address or a network throws naming it', () => {
      assert.equal(parseNetwork('10.0.0.0/33'), null);
      assert.equal(parseNetwork('10.0.0.300'), null);
      assert.equal(parseNetwork('10.0.0.0/8/1'), null);
      assert.throws(() => new AddressList(['10.0.0.0/8', 'bogus/8'], 'telephony.access.trunks'), /telephony\.access\.trunks\[1\]: "bogus\/8"/);
    });
  });

  describe('parseSipTarget', () => {
    it('reads scheme, user, host, port, params and headers', () => {
      assert.deepEqual(parseSipTarget('<sip:alice@10.0.0.5:5062;transport=tcp>'), { scheme: 'sip', user: 'alice', host: '10.0.0.5', port: 5062, params: { transport: 'tcp' }, hasHeaders: false });
      assert.equal(parseSipTarget('sip:bob@[2001:db8::1]:5060')?.host, '2001:db8::1');
      assert.equal(parseSipTarget('sip:a@h.example?Subject=x')?.hasHeaders, true);
      assert.equal(parseSipTarget('tel:+12025550100'), null);
    });
  });

  describe('DestinationPolicy (agent URIs and REFER targets)', () => {
    const policy = new DestinationPolicy({ agentHosts: ['10.0.0.0/8', '127.0.0.1', 'pbx.example.net', '*.agents.example.net'], webrtcAgents: true }, ['sip:{number}@127.0.0.1:5090', 'sip:sbc.example.net']);
    const ok = (u: string) => assert.deepEqual(policy.check(u), { ok: true }, u);
    const no = (u: string, why: RegExp) => {
      const v = policy.check(u);
      assert.equal(v.ok, false, u);
      if (!v.ok) assert.match(v.reason, why, u);
    };
    it('allows hosts in the list: networks, names, *.domain, a browser (ws at .invalid)', () => {
      ok('sip:alice@10.2.3.4:5060');
      ok('sip:alice@127.0.0.1:5091');
      ok('sip:alice@pbx.example.net');
      ok('sip:carol@desk7.agents.example.net;transport=tcp');
      ok('sip:k8s7a@df7jal23ls0d.invalid;transport=ws');
    });
    it('refuses other hosts: a public address, an unknown name, a look-alike domain', () => {
      no('sip:+19005550100@203.0.113.5', /not in the allowed agent hosts/);
      no('sip:alice@evil.example.com', /not in the allowed agent hosts/);
      no('sip:alice@xagents.example.net', /not in the allowed agent hosts/);
    });
    it('refuses the trunk itself (a softphone registering the trunk as its contact would make us dial out), maddr and headers', () => {
      no('sip:+19005550100@127.0.0.1:5090', /trunk/);
      no('sip:+19005550100@sbc.example.net', /trunk/);
      no('sip:alice@10.0.0.5;maddr=203.0.113.5', /maddr/);
      no('sip:alice@10.0.0.5?Route=%3Csip:203.0.113.5%3E', /headers/);
      no('mailto:x@example.net', /not a SIP URI/);
    });
    it('a ws contact at a real host is checked like any other; browsers can be turned off', () => {
      no('sip:a@203.0.113.9;transport=ws', /not in the allowed/);
      const noWebrtc = new DestinationPolicy({ agentHosts: ['10.0.0.0/8'], webrtcAgents: false }, []);
      assert.equal(noWebrtc.check('sip:k8s7a@df7jal23ls0d.invalid;transport=ws').ok, false);
    });
    it('a bad entry throws naming it', () => {
      assert.throws(() => new DestinationPolicy({ agentHosts: ['10.0.0.0/8', 'not a host!'], webrtcAgents: true }, [], 'telephony.access.agentHosts'), /telephony\.access\.agentHosts\[1\]/);
    });
  });

  describe('SoftphoneSources', () => {
    it('knows a registered source until its registration expires or is removed', () => {
      let now = 1000;
      const s = new SoftphoneSources(() => now);
      s.add('10.0.0.7', 5062, 61_000);
      assert.ok(s.has('10.0.0.7', '5062'));
      assert.ok(!s.has('10.0.0.7', 5063));
      now = 61_000;
      assert.ok(!s.has('10.0.0.7', 5062));
      s.add('10.0.0.8', 5060, 99_000);
      s.remove('10.0.0.8', '5060');
      assert.ok(!s.has('10.0.0.8', 5060));
    });
  });

  describe('config: telephony.access and telephony.limits', () => {
    it('defaults: trunks and agent hosts are loopback and private networks (trunks marked as defaulted, for the start warning)', () => {
      const c = parseTelephonyConfig({}, 'telephony');
      assert.deepEqual(c.access.trunks, [...LOCAL_NETWORKS]);
      assert.equal(c.access.trunksDefaulted, true);
      assert.equal(c.access.inviteAuth, undefined);
      assert.deepEqual(c.limits.invite, { perSec: 5, burst: 20 });
      const set = parseTelephonyConfig({ access: { trunks: ['203.0.113.0/24'], inviteAuth: { realm: 'r', users: { carrier: 'pw' } } } }, 'telephony');
      assert.equal(set.access.trunksDefaulted, false);
      assert.deepEqual(set.access.inviteAuth, { realm: 'r', users: { carrier: 'pw' } });
    });
    it('bad values throw naming the key', () => {
      const bad: [unknown, RegExp][] = [
        [{ access: { trunks: ['203.0.113.0/24', '1.2.3'] } }, /telephony\.access\.trunks\[1\]/],
        [{ access: { trunks: '10.0.0.0/8' } }, /telephony\.access\.trunks: must be a list/],
        [{ access: { agentHosts: ['*bad*'] } }, /telephony\.access\.agentHosts\[0\]/],
        [{ access: { webrtcAgents: 'yes' } }, /telephony\.access\.webrtcAgents/],
        [{ access: { maxMessageBytes: 10 } }, /telephony\.access\.maxMessageBytes/],
        [{ access: { inviteAuth: { users: {} } } }, /telephony\.access\.inviteAuth\.users/],
        [{ access: { inviteAuth: { users: { a: '' } } } }, /telephony\.access\.inviteAuth\.users\.a/],
        [{ access: { trunk: [] } }, /telephony\.access\.trunk: unknown key/],
        [{ limits: { invite: { perSec: 0 } } }, /telephony\.limits\.invite\.perSec/],
        [{ limits: { register: { burst: 0.5 } } }, /telephony\.limits\.register\.burst/],
        [{ limits: { options: {} } }, /telephony\.limits\.options: unknown key/],
      ];
      for (const [input, re] of bad) assert.throws(() => parseTelephonyConfig(input, 'telephony'), re, JSON.stringify(input));
    });
  });
});

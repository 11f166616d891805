import assert from 'node:assert/strict';
import { addressScope, advertisedAddressWarnings, deploymentEnvErrors, trunkHost } from '../../../src/telephony/advertised-addresses';
import type { FreeswitchAddresses } from '../../../src/telephony/freeswitch-vars';

const at = (mediaIp: string): FreeswitchAddresses => ({ bindIp: '10.0.0.5', mediaIp, webrtcIp: mediaIp, rtpPortMin: 20000, rtpPortMax: 20999 });

describe('advertised addresses', () => {
  it('tells public addresses from private ones', () => {
    for (const a of ['10.1.2.3', '172.18.0.3', '192.168.1.9', '127.0.0.1', '169.254.10.1', '100.64.3.4', '::1', 'fd00::5', 'localhost', 'freeswitch', 'pbx.lan', 'sbc.internal', ''])
      assert.equal(addressScope(a), 'private', a);
    for (const a of ['203.0.113.10', '8.8.4.4', '172.32.0.1', '2001:db8::1', 'sip.carrier.example.com']) assert.equal(addressScope(a), 'public', a);
    assert.equal(addressScope('stun:stun.example.net'), 'deferred');
  });

  it('finds the trunk host in the URI template, or in the proxy', () => {
    assert.equal(trunkHost({ uriTemplate: 'sip:{number}@sip.carrier.example.com:5060;transport=udp' }), 'sip.carrier.example.com');
    assert.equal(trunkHost({ uriTemplate: 'sip:{number}@127.0.0.1:5080' }), '127.0.0.1');
    assert.equal(trunkHost({ uriTemplate: 'sip:{number}@10.0.0.9', proxy: 'sip:203.0.113.77:5060' }), '203.0.113.77');
    assert.equal(trunkHost({ uriTemplate: 'sips:{number}@[2001:db8::9]:5061' }), '2001:db8::9');
  });

  it('warns when a private media address is advertised to a public trunk, in words a deployer acts on', () => {
    const [w, ...rest] = advertisedAddressWarnings({ addresses: at('172.18.0.3'), trunk: { uriTemplate: 'sip:{number}@sip.carrier.example.com' } });
    assert.equal(rest.length, 0);
    assert.match(w!, /private address 172\.18\.0\.3/);
    assert.match(w!, /public trunk sip\.carrier\.example\.com/);
    assert.match(w!, /Set PUBLIC_IP/);
  });

  it('does not warn for a public media address, a private trunk, or an address FreeSWITCH finds with STUN', () => {
    assert.deepEqual(advertisedAddressWarnings({ addresses: at('203.0.113.10'), trunk: { uriTemplate: 'sip:{number}@sip.carrier.example.com' } }), []);
    assert.deepEqual(advertisedAddressWarnings({ addresses: at('10.0.0.5'), trunk: { uriTemplate: 'sip:{number}@10.0.0.9:5060' } }), []);
    assert.deepEqual(advertisedAddressWarnings({ addresses: at('10.0.0.5'), trunk: { uriTemplate: 'sip:{number}@pbx' } }), []);
    assert.deepEqual(advertisedAddressWarnings({ addresses: at('stun:stun.example.net'), trunk: { uriTemplate: 'sip:{number}@sip.carrier.example.com' } }), []);
  });

  it('names each bad deployment variable', () => {
    assert.deepEqual(deploymentEnvErrors({ PUBLIC_IP: '203.0.113.10', MEDIA_EXTERNAL_IP: 'stun:stun.example.net:3478', RTP_PORT_MIN: '30000', RTP_PORT_MAX: '30999' }), []);
    assert.deepEqual(deploymentEnvErrors({}), []);
    const errors = deploymentEnvErrors({ PUBLIC_IP: 'my.host.example', MEDIA_EXTERNAL_IP: '1.2.3', RTP_PORT_MIN: '80', RTP_PORT_MAX: 'x' });
    assert.equal(errors.length, 4);
    assert.match(errors[0]!, /^PUBLIC_IP: must be an IPv4 address, got "my\.host\.example"/);
    assert.match(errors[1]!, /^MEDIA_EXTERNAL_IP: .*stun:SERVER/);
    assert.match(errors[2]!, /^RTP_PORT_MIN: must be a UDP port number from 1024 to 65535, got "80"/);
    assert.match(errors[3]!, /^RTP_PORT_MAX/);
    assert.deepEqual(deploymentEnvErrors({ RTP_PORT_MIN: '30000', RTP_PORT_MAX: '20000' }), ['RTP_PORT_MIN (30000) must be below RTP_PORT_MAX (20000)']);
  });
});

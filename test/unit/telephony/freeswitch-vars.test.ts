import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { evaluateFreeswitchVars, freeswitchAddresses, type Env } from '../../../src/telephony/freeswitch-vars';

const conf = path.resolve(__dirname, '../../../freeswitch-conf');
const varsXml = fs.readFileSync(path.join(conf, 'vars.xml'), 'utf8');
/** FreeSWITCH's own local_ip_v4 on the machine of these examples */
const LOCAL = { local_ip_v4: '10.0.0.5' };

/** a sofia profile's params with every $${var} replaced, as FreeSWITCH reads the file */
function profileParams(file: string, vars: Record<string, string>): Record<string, string> {
  const text = fs.readFileSync(path.join(conf, 'sip_profiles', file), 'utf8').replace(/\$\$\{([^}]*)\}/g, (_m, n: string) => vars[n] ?? '');
  const params: Record<string, string> = {};
  for (const m of text.matchAll(/<param name="([^"]+)" value="([^"]*)"\/>/g)) params[m[1]!] = m[2]!;
  return params;
}

const advertised = (env: Env) => {
  const vars = evaluateFreeswitchVars(varsXml, env, LOCAL);
  return { vars, mrf: profileParams('drachtio_mrf.xml', vars), webrtc: profileParams('drachtio_webrtc.xml', vars), addresses: freeswitchAddresses(vars) };
};

describe('FreeSWITCH variables from the environment (freeswitch-conf/vars.xml)', () => {
  it('with no address in the environment, advertises its own local address (a laptop, or one host on a LAN)', () => {
    const { mrf, webrtc, vars, addresses } = advertised({});
    assert.equal(mrf['sip-ip'], '10.0.0.5');
    assert.equal(mrf['rtp-ip'], '10.0.0.5');
    assert.equal(mrf['ext-rtp-ip'], '10.0.0.5');
    assert.equal(webrtc['ext-rtp-ip'], '10.0.0.5');
    assert.equal(vars.rtp_start, '20000');
    assert.equal(vars.rtp_end, '20999');
    assert.equal(vars.esl_password, 'ClueCon');
    assert.deepEqual(addresses, { bindIp: '10.0.0.5', mediaIp: '10.0.0.5', webrtcIp: '10.0.0.5', rtpPortMin: 20000, rtpPortMax: 20999 });
  });

  it('PUBLIC_IP becomes the media address in the SDP for trunks and browsers; SIP to drachtio-server stays local', () => {
    const { mrf, webrtc } = advertised({ PUBLIC_IP: '203.0.113.10' });
    assert.equal(mrf['ext-rtp-ip'], '203.0.113.10');
    assert.equal(webrtc['ext-rtp-ip'], '203.0.113.10');
    assert.equal(mrf['rtp-ip'], '10.0.0.5', 'RTP still binds the local address (1:1 NAT maps the public one to it)');
    assert.equal(mrf['ext-sip-ip'], '10.0.0.5');
  });

  it('MEDIA_EXTERNAL_IP wins over PUBLIC_IP, and may be a STUN server FreeSWITCH asks at start', () => {
    assert.equal(advertised({ PUBLIC_IP: '203.0.113.10', MEDIA_EXTERNAL_IP: '198.51.100.7' }).mrf['ext-rtp-ip'], '198.51.100.7');
    assert.equal(advertised({ MEDIA_EXTERNAL_IP: 'stun:stun.example.net' }).mrf['ext-rtp-ip'], 'stun:stun.example.net');
  });

  it('WEBRTC_EXTERNAL_IP changes only what browsers are told; MEDIA_LOCAL_IP moves the bind address and the default', () => {
    const w = advertised({ PUBLIC_IP: '203.0.113.10', WEBRTC_EXTERNAL_IP: '192.168.1.20' });
    assert.equal(w.mrf['ext-rtp-ip'], '203.0.113.10');
    assert.equal(w.webrtc['ext-rtp-ip'], '192.168.1.20');
    const l = advertised({ MEDIA_LOCAL_IP: '10.1.2.3' });
    assert.equal(l.mrf['sip-ip'], '10.1.2.3');
    assert.equal(l.mrf['ext-rtp-ip'], '10.1.2.3');
  });

  it('RTP range and the event socket password from RTP_PORT_MIN/MAX and FREESWITCH_SECRET', () => {
    const { vars, addresses } = advertised({ RTP_PORT_MIN: '40000', RTP_PORT_MAX: '40999', FREESWITCH_SECRET: 's3cret', FREESWITCH_ESL_IP: '127.0.0.1' });
    assert.equal(vars.esl_ip, '127.0.0.1');
    assert.equal(advertised({}).vars.esl_ip, '0.0.0.0');
    assert.equal(addresses.rtpPortMin, 40000);
    assert.equal(addresses.rtpPortMax, 40999);
    assert.equal(vars.esl_password, 's3cret');
  });

  it('runs set and env-set in file order, expanding $${...} with what is set so far', () => {
    const xml = [
      '<X-PRE-PROCESS cmd="set" data="a=one"/>',
      '<X-PRE-PROCESS cmd="env-set" data="a=$UNSET_VAR"/>',
      '<X-PRE-PROCESS cmd="set" data="b=$${a}-$${nothing}"/>',
      '<X-PRE-PROCESS cmd="env-set" data="a=$SET_VAR"/>',
      '<X-PRE-PROCESS cmd="set" data="c=$${a}"/>',
      '<X-PRE-PROCESS cmd="env-set" data="d=NO_DOLLAR"/>',
    ].join('\n');
    assert.deepEqual(evaluateFreeswitchVars(xml, { SET_VAR: 'two', NO_DOLLAR: 'x' }), { a: 'two', b: 'one-', c: 'two' });
  });
});

import assert from 'node:assert/strict';
import { isWebrtcContact, runningProfileAddress } from '../../../src/telephony/webrtc-leg';

describe('webrtc leg helpers', () => {
  it('a contact registered over ws/wss is a browser; udp/tcp/tls contacts are not', () => {
    assert.equal(isWebrtcContact('sip:3g10365h@v9t6cpuevnmn.invalid;transport=ws'), true);
    assert.equal(isWebrtcContact('sip:abc@def.invalid;transport=WSS;ob'), true);
    assert.equal(isWebrtcContact('<sip:abc@def.invalid;transport=wss>'), true);
    assert.equal(isWebrtcContact('sip:alice@127.0.0.1:5091'), false);
    assert.equal(isWebrtcContact('sip:alice@10.0.0.5:5061;transport=tls'), false);
    assert.equal(isWebrtcContact('sip:alice@10.0.0.5;transport=tcp'), false);
    assert.equal(isWebrtcContact('sip:wss@10.0.0.5'), false);
  });

  it('finds a RUNNING profile in `sofia status`, not a stopped or differently named one', () => {
    const status = [
      '                     Name	   Type	                                      Data	State',
      '=================================================================================================',
      '             drachtio_mrf	profile	              sip:mod_sofia@127.0.0.1:5180	RUNNING (0)',
      '          drachtio_webrtc	profile	              sip:mod_sofia@127.0.0.1:5181	RUNNING (0)',
      '=================================================================================================',
    ].join('\n');
    assert.equal(runningProfileAddress(status, 'drachtio_webrtc'), '127.0.0.1:5181');
    assert.equal(runningProfileAddress(status, 'drachtio_mrf'), '127.0.0.1:5180');
    assert.equal(runningProfileAddress(status, 'drachtio'), null);
    assert.equal(runningProfileAddress(status.replace('5181	RUNNING', '5181	DOWN'), 'drachtio_webrtc'), null);
  });
});

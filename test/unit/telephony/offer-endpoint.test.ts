import assert from 'node:assert/strict';
import { isSdesOffer } from '../../../src/telephony/offer-endpoint';

describe('telephony/offer-endpoint: which offers take the SDES-SRTP path', () => {
  const offer = (mLine: string, extra = '') => ['v=0', 'o=c 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', mLine, extra, ''].join('\r\n');

  it('an RTP/SAVP offer (a carrier doing SDES) is; plain RTP/AVP and WebRTC DTLS (UDP/TLS/RTP/SAVPF) are not', () => {
    assert.equal(isSdesOffer(offer('m=audio 40000 RTP/SAVP 0 8 101', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz')), true);
    assert.equal(isSdesOffer(offer('m=audio 40000 RTP/AVP 0 8 101')), false);
    assert.equal(isSdesOffer(offer('m=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'a=fingerprint:sha-256 AB:CD')), false);
  });
});

import assert from 'node:assert/strict';
import { checkOffer, type OfferMedia } from '../../../src/telephony/sip-checks';

const SDP = (media: string, conn = 'c=IN IP4 192.0.2.10') =>
  ['v=0', 'o=- 1 1 IN IP4 192.0.2.10', 's=-', conn, 't=0 0', media, ''].join('\r\n');
const CODECS = ['PCMU', 'PCMA'];
const kind = (ct: string | undefined, body: string | undefined, media: OfferMedia = 'rtp') => {
  const v = checkOffer(ct, body, CODECS, media);
  return v.ok ? 'ok' : v.kind;
};

describe('telephony/sip-checks: the INVITE offers the service takes (else 488)', () => {
  it('takes plain RTP with PCMU or PCMA, static or by rtpmap, among others', () => {
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000')), 'ok');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 18 8')), 'ok');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 pcma/8000')), 'ok');
    assert.equal(kind('application/sdp', SDP('m=video 5000 RTP/AVP 31\r\nm=audio 4000 RTP/AVP 0')), 'ok');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.11', '')), 'ok', 'connection in the media section');
  });
  it('no body, or not SDP: no_sdp', () => {
    assert.equal(kind(undefined, undefined), 'no_sdp');
    assert.equal(kind('application/sdp', '  \r\n'), 'no_sdp');
    assert.equal(kind('text/plain', SDP('m=audio 4000 RTP/AVP 0')), 'no_sdp');
  });
  it('malformed SDP: bad_sdp', () => {
    assert.equal(kind('application/sdp', 'hello world'), 'bad_sdp');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0').replace('s=-\r\n', '')), 'bad_sdp', 'no s=');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0') + 'garbage line\r\n'), 'bad_sdp');
    assert.equal(kind('application/sdp', SDP('m=audio 99999 RTP/AVP 0')), 'bad_sdp', 'port out of range');
    assert.equal(kind('application/sdp', SDP('m=audio four RTP/AVP 0')), 'bad_sdp');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0', 'c=IN IP4')), 'bad_sdp', 'connection without address');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0', '')), 'bad_sdp', 'no connection at all');
    assert.equal(kind('application/sdp', SDP('').replace(/\r\n\r\n$/, '\r\n')), 'bad_sdp', 'no media line');
  });
  it('only codecs or transports we do not take: no_common_codec', () => {
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 18 9\r\na=rtpmap:9 G722/8000')), 'no_common_codec');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2')), 'no_common_codec');
    assert.equal(kind('application/sdp', SDP('m=audio 0 RTP/AVP 0')), 'no_common_codec', 'a rejected stream');
    assert.equal(kind('application/sdp', SDP('m=video 5000 RTP/AVP 31')), 'no_common_codec');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x')), 'no_common_codec', 'SRTP unless allowed');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x'), 'rtp-or-srtp'), 'ok');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x'), 'srtp'), 'ok');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/AVP 0'), 'srtp'), 'no_common_codec', 'plain RTP when SRTP is required');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 RTP/SAVP 0'), 'srtp'), 'no_common_codec', 'SAVP without a=crypto (no keys)');
    assert.equal(kind('application/sdp', SDP('m=audio 4000 UDP/TLS/RTP/SAVPF 0')), 'no_common_codec', 'a browser offer (DTLS)');
  });
});

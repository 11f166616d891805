import assert from 'node:assert/strict';
import { answerForFreeswitch, plainOffer, preferCodecs } from '../../../src/telephony/sdp';

// the shape of FreeSWITCH 1.10's 3pcc offer, as captured from a real FreeSWITCH in the e2e run
const fsOffer = [
  'v=0', 'o=FreeSWITCH 1 2 IN IP4 192.0.2.2', 's=FreeSWITCH', 'c=IN IP4 192.0.2.2', 't=0 0',
  'm=audio 20218 RTP/SAVP 0 8 101 13', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc', 'a=rtpmap:0 PCMU/8000',
  'm=audio 20218 RTP/AVP 0 8 101 13', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv',
].join('\r\n');
const answer = ['v=0', 'o=peer 1 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 16100 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000'].join('\r\n');

describe('telephony/sdp (FreeSWITCH 3pcc offer with an SRTP and a plain section)', () => {
  it('offers the far end only the plain RTP/AVP section', () => {
    const { offer, rejectedBefore } = plainOffer(fsOffer);
    assert.equal(rejectedBefore, 1);
    assert.doesNotMatch(offer, /SAVP|crypto/);
    assert.match(offer, /^v=0[\s\S]*c=IN IP4 192\.0\.2\.2[\s\S]*m=audio 20218 RTP\/AVP 0 8 101 13/);
  });
  it('answers FreeSWITCH with the SRTP section rejected, in the offer order', () => {
    const fs = answerForFreeswitch(answer, fsOffer, 1);
    const lines = fs.split('\r\n').filter((l) => l.startsWith('m='));
    assert.deepEqual(lines, ['m=audio 0 RTP/SAVP 0', 'm=audio 16100 RTP/AVP 0']);
  });
  it('leaves a plain single-section offer alone', () => {
    assert.deepEqual(plainOffer(answer), { offer: answer, rejectedBefore: 0 });
  });

  it('preferCodecs: the preferred codecs first, in order, the rest as offered; other lines untouched', () => {
    const caller = ['v=0', 'o=c 1 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 16000 RTP/AVP 9 8 96 0', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-15', 'a=sendrecv', ''].join('\r\n');
    const out = preferCodecs(caller, ['PCMU', 'PCMA']);
    assert.match(out, /\r\nm=audio 16000 RTP\/AVP 0 8 9 96\r\n/);
    assert.equal(out.replace(/m=audio.*\r\n/, ''), caller.replace(/m=audio.*\r\n/, ''));
    assert.match(preferCodecs(caller, ['pcma']), /m=audio 16000 RTP\/AVP 8 9 96 0/);
    assert.equal(preferCodecs('v=0\r\ns=-\r\n', ['PCMU']), 'v=0\r\ns=-\r\n');
  });
});

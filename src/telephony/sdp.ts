/**
 * FreeSWITCH 1.10's 3pcc offer (an endpoint created without an offer; sofia answers the INVITE before the
 * dialplan runs, so channel variables cannot turn it off) carries two audio sections: RTP/SAVP with crypto
 * lines, then plain RTP/AVP. A far end answering with one section answers the first (SRTP) one, and
 * FreeSWITCH then discards its plain RTP. Trunks and agents get the plain section only; FreeSWITCH gets
 * their answer with the SRTP section rejected (port 0), so the media line order matches its offer.
 */
const split = (sdp: string): { head: string; media: string[] } => {
  const parts = sdp.split(/\r?\n(?=m=)/);
  return { head: parts[0] ?? '', media: parts.slice(1) };
};

export function plainOffer(sdp: string): { offer: string; rejectedBefore: number } {
  const { head, media } = split(sdp);
  const firstPlain = media.findIndex((m) => /^m=audio \d+ RTP\/AVP /.test(m));
  if (firstPlain <= 0) return { offer: sdp, rejectedBefore: 0 };
  return { offer: [head, ...media.slice(firstPlain)].join('\r\n'), rejectedBefore: firstPlain };
}

export function answerForFreeswitch(answer: string, offer: string, rejectedBefore: number): string {
  if (rejectedBefore === 0) return answer;
  const { head, media } = split(answer);
  const offered = split(offer).media.slice(0, rejectedBefore);
  const rejected = offered.map((m) => {
    const [proto = 'RTP/SAVP', fmt = '0'] = /^m=audio \d+ (\S+) (\S+)/.exec(m)?.slice(1) ?? [];
    return `m=audio 0 ${proto} ${fmt}`;
  });
  return [head, ...rejected, ...media].join('\r\n');
}

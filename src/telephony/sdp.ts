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

/** static RTP payload types (RFC 3551) an offer may list without an rtpmap line */
const STATIC_PT: Record<string, string> = { '0': 'PCMU', '3': 'GSM', '4': 'G723', '8': 'PCMA', '9': 'G722', '18': 'G729' };

/**
 * A caller's offer with `codecs` moved to the front of each audio line, in that order, the others after
 * them as offered. This is what drachtio-fsmrf's `codecs` option does to the offer; the option also sends
 * `set codec_string` on the answered channel, one more event-socket command (and two events back) per call
 * that changes nothing for a channel whose codec is already negotiated.
 */
export function preferCodecs(sdp: string, codecs: string[]): string {
  const want = codecs.map((c) => c.toUpperCase());
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const { head, media } = split(sdp);
  const reordered = media.map((section) => {
    const lines = section.split(/\r?\n/);
    const m = /^m=audio (\d+) (\S+) (.+)$/.exec(lines[0] ?? '');
    if (!m) return section;
    const names: Record<string, string> = { ...STATIC_PT };
    for (const l of lines) {
      const r = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(l);
      if (r) names[r[1]!] = r[2]!.toUpperCase();
    }
    const rank = (pt: string) => {
      const i = want.indexOf(names[pt] ?? '');
      return i < 0 ? want.length : i;
    };
    const fmts = m[3]!.trim().split(/\s+/);
    const sorted = fmts.map((pt, i) => ({ pt, i })).sort((a, b) => rank(a.pt) - rank(b.pt) || a.i - b.i).map((x) => x.pt);
    lines[0] = `m=audio ${m[1]} ${m[2]} ${sorted.join(' ')}`;
    return lines.join(eol);
  });
  return [head, ...reordered].join(eol);
}

/**
 * What the service takes in an INVITE (issue 15 §3): an SDP offer (no late offer from trunks), well formed,
 * with an audio stream on plain RTP (or SRTP when allowed) in one of the trunk's codecs. Anything else is
 * 488 Not Acceptable Here before a media server is touched.
 */

export type OfferProblem = 'no_sdp' | 'bad_sdp' | 'no_common_codec';
export type OfferVerdict = { ok: true } | { ok: false; kind: OfferProblem; detail: string };

/** static RTP payload types (RFC 3551) an offer may list without an rtpmap line */
const STATIC_PT: Record<string, string> = { '0': 'PCMU', '3': 'GSM', '4': 'G723', '8': 'PCMA', '9': 'G722', '18': 'G729' };

const CONNECTION = /^c=IN IP[46] \S+$/;

/** which media transports an offer may use: plain RTP, either, or SRTP only */
export type OfferMedia = 'rtp' | 'rtp-or-srtp' | 'srtp';

export function checkOffer(contentType: string | undefined, body: string | undefined, codecs: readonly string[], media: OfferMedia = 'rtp'): OfferVerdict {
  if (!body || body.trim().length === 0) return { ok: false, kind: 'no_sdp', detail: 'no SDP offer (late offer is not taken)' };
  if (!/application\/sdp/i.test(contentType ?? '')) return { ok: false, kind: 'no_sdp', detail: `the body is ${contentType ?? 'untyped'}, not application/sdp` };
  const lines = body.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') return { ok: false, kind: 'bad_sdp', detail: 'the SDP does not start with v=0' };
  const bad = lines.find((l) => !/^[a-z]=/.test(l));
  if (bad !== undefined) return { ok: false, kind: 'bad_sdp', detail: `not an SDP line: ${JSON.stringify(bad.slice(0, 40))}` };
  const firstM = lines.findIndex((l) => l.startsWith('m='));
  if (firstM < 0) return { ok: false, kind: 'bad_sdp', detail: 'no media line' };
  const session = lines.slice(0, firstM);
  for (const k of ['o=', 's=']) if (!session.some((l) => l.startsWith(k))) return { ok: false, kind: 'bad_sdp', detail: `no ${k} line` };
  const sessionConn = session.find((l) => l.startsWith('c='));
  if (sessionConn !== undefined && !CONNECTION.test(sessionConn)) return { ok: false, kind: 'bad_sdp', detail: `bad connection line ${JSON.stringify(sessionConn.slice(0, 60))}` };

  const sections: string[][] = [];
  for (const l of lines.slice(firstM)) {
    if (l.startsWith('m=')) sections.push([l]);
    else sections[sections.length - 1]!.push(l);
  }
  const want = codecs.map((c) => c.toUpperCase());
  const protos = media === 'rtp' ? ['RTP/AVP'] : media === 'srtp' ? ['RTP/SAVP'] : ['RTP/AVP', 'RTP/SAVP'];
  let audio = 0;
  for (const s of sections) {
    const m = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)((?: \S+)+)$/.exec(s[0]!);
    if (!m) return { ok: false, kind: 'bad_sdp', detail: `bad media line ${JSON.stringify(s[0]!.slice(0, 60))}` };
    const port = Number(m[2]);
    if (port > 65535) return { ok: false, kind: 'bad_sdp', detail: `bad port ${m[2]}` };
    const conn = s.find((l) => l.startsWith('c='));
    if (conn !== undefined && !CONNECTION.test(conn)) return { ok: false, kind: 'bad_sdp', detail: `bad connection line ${JSON.stringify(conn.slice(0, 60))}` };
    if (conn === undefined && sessionConn === undefined && port !== 0) return { ok: false, kind: 'bad_sdp', detail: 'a media stream without a connection line' };
    if (m[1] !== 'audio' || port === 0 || !protos.includes(m[3]!)) continue;
    audio++;
    const names: Record<string, string> = { ...STATIC_PT };
    for (const l of s) {
      const r = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(l);
      if (r) names[r[1]!] = r[2]!.toUpperCase();
    }
    if (m[3] === 'RTP/SAVP' && !s.some((l) => l.startsWith('a=crypto:'))) continue; // SAVP without keys: nothing to decrypt with
    if (m[4]!.trim().split(' ').some((pt) => want.includes(names[pt] ?? ''))) return { ok: true };
  }
  return {
    ok: false,
    kind: 'no_common_codec',
    detail: audio === 0 ? `no audio stream on ${protos.join(' or ')}` : `no codec of ${want.join(', ')} offered`,
  };
}

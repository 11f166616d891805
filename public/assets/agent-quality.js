/**
 * Call quality from WebRTC statistics (RTCPeerConnection.getStats): packet loss and jitter of the audio the
 * agent hears, the round trip, and a MOS estimate from them with the ITU-T G.107 E-model simplified as
 * WebRTC monitoring tools do (delay impairment from one-way latency + jitter buffer, loss impairment per %).
 */

/** the audio counters of one getStats() answer */
export function audioCounters(reports) {
  const all = [...reports.values()];
  const inb = all.find((r) => r.type === 'inbound-rtp' && (r.kind === 'audio' || r.mediaType === 'audio'));
  const out = all.find((r) => r.type === 'outbound-rtp' && (r.kind === 'audio' || r.mediaType === 'audio'));
  const remote = all.find((r) => r.type === 'remote-inbound-rtp' && (r.kind === 'audio' || r.mediaType === 'audio'));
  const codec = inb && all.find((r) => r.id === inb.codecId);
  return {
    received: inb ? inb.packetsReceived || 0 : 0,
    lost: inb ? Math.max(0, inb.packetsLost || 0) : 0,
    jitterMs: inb && typeof inb.jitter === 'number' ? inb.jitter * 1000 : null,
    sent: out ? out.packetsSent || 0 : 0,
    rttMs: remote && typeof remote.roundTripTime === 'number' ? remote.roundTripTime * 1000 : null,
    codec: codec ? codec.mimeType : '',
  };
}

/** MOS (1..4.5) from one-way latency, jitter and loss (%): the simplified E-model */
export function mosEstimate({ rttMs, jitterMs, lossPct }) {
  const latency = (rttMs ?? 0) / 2 + 2 * (jitterMs ?? 0) + 10;
  let r = latency < 160 ? 93.2 - latency / 40 : 93.2 - (latency - 120) / 10;
  r -= 2.5 * lossPct;
  r = Math.max(0, Math.min(100, r));
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/**
 * Quality over the last interval, from two successive counters (loss counts only packets of the interval,
 * so an old burst does not colour the whole call). `grade`: good (MOS ≥ 4), fair (≥ 3.6), poor.
 */
export function quality(now, before) {
  const received = now.received - (before ? before.received : 0);
  const lost = now.lost - (before ? before.lost : 0);
  const lossPct = received + lost > 0 ? (100 * lost) / (received + lost) : 0;
  const mos = mosEstimate({ rttMs: now.rttMs, jitterMs: now.jitterMs, lossPct });
  const grade = received + lost === 0 ? 'none' : mos >= 4 ? 'good' : mos >= 3.6 ? 'fair' : 'poor';
  return { lossPct, jitterMs: now.jitterMs, rttMs: now.rttMs, mos, grade };
}

/** The first text message of a mod_audio_fork stream: the metadata given to forkAudioStart. */
import type { SupportedRate } from '../framer';

export interface ForkMetadata {
  sessionKey: string;
  sampleRate: SupportedRate;
}

/** Parse the metadata text; null when it has no usable sessionKey. Rate: sampleRate | sampling, default 8000. */
export function parseForkMetadata(text: string): { ok: true; value: ForkMetadata } | { ok: false; reason: string } {
  let body = text.trim();
  if (body.startsWith("'") && body.endsWith("'")) body = body.slice(1, -1); // quoted as an ESL argument
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'metadata is not JSON' };
  }
  if (typeof json !== 'object' || json === null) return { ok: false, reason: 'metadata is not an object' };
  const m = json as Record<string, unknown>;
  if (typeof m.sessionKey !== 'string' || m.sessionKey === '') return { ok: false, reason: 'metadata has no sessionKey' };
  const rateRaw = m.sampleRate ?? m.sampling ?? 8000;
  const rate = String(rateRaw).toLowerCase() === '16k' ? 16000 : String(rateRaw).toLowerCase() === '8k' ? 8000 : Number(rateRaw);
  if (rate !== 8000 && rate !== 16000) return { ok: false, reason: `unsupported sample rate ${String(rateRaw)}` };
  return { ok: true, value: { sessionKey: m.sessionKey, sampleRate: rate } };
}

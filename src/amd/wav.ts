/**
 * WAV reading for the CLI and the benchmark: 16-bit PCM, 8-bit PCM, μ-law and A-law, mono or the first
 * channel, natively in TypeScript. Anything else (other rates, other containers) goes through `sox`
 * when it is installed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isSupportedRate, type SupportedRate } from './framer';
import { ALAW_TABLE, ULAW_TABLE } from './g711';

export interface Audio {
  sampleRate: SupportedRate;
  samples: Int16Array;
  /** how it was read: wav-pcm16, wav-ulaw, wav-alaw, wav-pcm8, sox */
  via: string;
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

export class UnsupportedAudioError extends Error {}

/** Parse a WAV file held in memory. Throws UnsupportedAudioError for what it cannot read natively. */
export function parseWav(buf: Buffer): Audio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new UnsupportedAudioError('not a RIFF/WAVE file');
  }
  let pos = 12;
  let format = -1;
  let channels = 0;
  let rate = 0;
  let bits = 0;
  let data: Buffer | null = null;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('ascii', pos, pos + 4);
    let size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (size > buf.length - body) size = buf.length - body; // streamed WAVs carry a bogus size
    if (id === 'fmt ') {
      format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format === FORMAT_EXTENSIBLE && size >= 26) format = buf.readUInt16LE(body + 24);
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    pos = body + size + (size & 1);
  }
  if (format < 0 || !data) throw new UnsupportedAudioError('WAV without fmt or data chunk');
  if (!isSupportedRate(rate)) throw new UnsupportedAudioError(`sample rate ${rate} Hz (only 8000 and 16000 natively)`);
  if (channels < 1) throw new UnsupportedAudioError('WAV with no channels');

  const bytesPer = bits / 8;
  const frameBytes = bytesPer * channels;
  const n = Math.floor(data.length / frameBytes);
  const out = new Int16Array(n);
  if (format === FORMAT_PCM && bits === 16) {
    for (let i = 0; i < n; i++) out[i] = data.readInt16LE(i * frameBytes);
    return { sampleRate: rate, samples: out, via: 'wav-pcm16' };
  }
  if (format === FORMAT_PCM && bits === 8) {
    for (let i = 0; i < n; i++) out[i] = (data[i * frameBytes]! - 128) << 8;
    return { sampleRate: rate, samples: out, via: 'wav-pcm8' };
  }
  if ((format === FORMAT_ULAW || format === FORMAT_ALAW) && bits === 8) {
    const table = format === FORMAT_ULAW ? ULAW_TABLE : ALAW_TABLE;
    for (let i = 0; i < n; i++) out[i] = table[data[i * frameBytes]!]!;
    return { sampleRate: rate, samples: out, via: format === FORMAT_ULAW ? 'wav-ulaw' : 'wav-alaw' };
  }
  throw new UnsupportedAudioError(`WAV format ${format} with ${bits} bits`);
}

/** Read a file: natively when possible, else converted by sox to 8 kHz 16-bit mono. */
export function readAudioFile(path: string): Audio {
  let reason: string;
  try {
    return parseWav(readFileSync(path));
  } catch (err) {
    if (!(err instanceof UnsupportedAudioError)) throw err;
    reason = err.message;
  }
  let raw: Buffer;
  try {
    raw = execFileSync('sox', [path, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-c', '1', '-r', '8000', '-'], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error(`${path}: ${reason}; install sox to read it`);
    throw new Error(`${path}: ${reason}; sox failed: ${e.stderr?.toString().trim() ?? e.message}`);
  }
  const samples = new Int16Array(raw.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = raw.readInt16LE(i * 2);
  return { sampleRate: 8000, samples, via: 'sox' };
}

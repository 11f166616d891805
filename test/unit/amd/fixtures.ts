/**
 * Generated audio for AMD tests: speech from espeak-ng (through sox, 8 kHz, trimmed and normalised),
 * tones, silence and noise synthesised here. Tests that need speech skip when espeak-ng or sox is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RATE = 8000;

export function missingTools(): string | null {
  for (const tool of ['espeak-ng', 'sox']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) return `${tool} is not installed (apt-get install -y sox espeak-ng)`;
  }
  return null;
}

/** In a mocha hook or test: skip (saying why) when the audio tools are missing. */
export function skipWithoutTools(ctx: Mocha.Context): void {
  const missing = missingTools();
  if (missing) {
    console.log(`      skipped: ${missing}`);
    ctx.skip();
  }
}

const cache = new Map<string, Int16Array>();

/** Speech for `text` at 8 kHz, leading/trailing silence trimmed, peak at -4 dBFS. */
export function say(text: string, voice = 'en-us', speed = 165): Int16Array {
  const key = `${voice}|${speed}|${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'amd-say-'));
  try {
    const wav = join(dir, 'say.wav');
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', wav, text]);
    const raw = execFileSync('sox', [wav, '-t', 'raw', '-r', '8000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-L', '-',
      'silence', '1', '0.02', '-45d', 'reverse', 'silence', '1', '0.02', '-45d', 'reverse', 'norm', '-4']);
    const out = new Int16Array(raw.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = raw.readInt16LE(i * 2);
    cache.set(key, out);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function silence(ms: number, rate = RATE): Int16Array {
  return new Int16Array(Math.round((ms * rate) / 1000));
}

export function tone(freqHz: number, ms: number, amplitude = 12000, rate = RATE): Int16Array {
  const n = Math.round((ms * rate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate));
  return out;
}

/** Deterministic white noise (xorshift), peak `amplitude`. */
export function noise(ms: number, amplitude: number, seed = 1, rate = RATE): Int16Array {
  const n = Math.round((ms * rate) / 1000);
  const out = new Int16Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = Math.round(((x >>> 0) / 0xffffffff - 0.5) * 2 * amplitude);
  }
  return out;
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Sum two signals (the shorter one padded with silence), clipped to 16 bits. */
export function mix(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, (a[i] ?? 0) + (b[i] ?? 0)));
  return out;
}

export function scale(a: Int16Array, gain: number): Int16Array {
  return a.map((s) => Math.max(-32768, Math.min(32767, Math.round(s * gain))));
}

/** 8 kHz -> 16 kHz by linear interpolation (for the 16 kHz input path). */
export function upsample2(a: Int16Array): Int16Array {
  const out = new Int16Array(a.length * 2);
  for (let i = 0; i < a.length; i++) {
    out[2 * i] = a[i]!;
    out[2 * i + 1] = (a[i]! + (a[i + 1] ?? a[i]!)) >> 1;
  }
  return out;
}

export function ms(samples: Int16Array, rate = RATE): number {
  return (samples.length * 1000) / rate;
}

/** A 16-bit PCM WAV file image. */
export function wavPcm16(samples: Int16Array, rate = RATE): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Synthesised music: three-note chords over a bass, a new chord every 300 ms, plucked (decaying). */
export function music(durMs: number, peak: number): Int16Array {
  const n = Math.round((durMs * RATE) / 1000);
  const out = new Int16Array(n);
  const chords = [
    [262, 330, 392],
    [220, 262, 330],
    [294, 349, 440],
    [247, 294, 392],
  ];
  const noteLen = Math.round(0.3 * RATE);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(i / noteLen);
    const t = (i % noteLen) / RATE;
    const chord = chords[k % chords.length]!;
    const env = Math.exp(-t * 4);
    let v = 0.5 * Math.sin((2 * Math.PI * (chord[0]! / 2) * i) / RATE);
    for (const f of chord) v += Math.sin((2 * Math.PI * f * i) / RATE) + 0.4 * Math.sin((2 * Math.PI * 2 * f * i) / RATE);
    out[i] = Math.round((peak / 4.7) * env * v);
  }
  return out;
}

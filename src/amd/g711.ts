/** G.711 decoding tables (ITU-T G.711), for μ-law and A-law WAV files. */

function ulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  let sample = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -sample : sample;
}

function alawToLinear(a: number): number {
  a ^= 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let sample = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return sign ? sample : -sample;
}

export const ULAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => ulawToLinear(i));
export const ALAW_TABLE = Int16Array.from({ length: 256 }, (_, i) => alawToLinear(i));

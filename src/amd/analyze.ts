/** Run a detector over a whole recording (CLI and benchmark): same engine as live, fed in 20 ms chunks. */
import type { AmdResult } from '../ports/dialer';
import type { Audio } from './wav';
import type { AmdDetector } from './types';
import type { LearnedAmd } from './learned-amd';

export interface FileAnalysis {
  result: AmdResult;
  beepMs: number | null;
  /** CPU time spent in the detector, ms */
  cpuMs: number;
  audioMs: number;
  /** audio actually fed before the detector finished, ms (the speed measure uses this) */
  fedMs: number;
}

export function analyzeAudio(audio: Audio, detector: AmdDetector): FileAnalysis {
  const chunk = (audio.sampleRate / 1000) * 20;
  const started = process.hrtime.bigint();
  let fed = 0;
  for (let i = 0; i < audio.samples.length && !detector.finished; i += chunk) {
    const part = audio.samples.subarray(i, i + chunk);
    detector.push(part);
    fed += part.length;
  }
  detector.end();
  const cpuMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = detector.result;
  if (!result) throw new Error('detector settled without a result'); // end() always decides
  return { result, beepMs: detector.beepMs, cpuMs, audioMs: (audio.samples.length / audio.sampleRate) * 1000,
    fedMs: (fed / audio.sampleRate) * 1000,
  };
}

/** The same with a learned speech detector in front of the engine (asynchronous, see learned-amd.ts). */
export async function analyzeAudioLearned(audio: Audio, amd: LearnedAmd): Promise<FileAnalysis> {
  const chunk = (audio.sampleRate / 1000) * 20;
  const started = process.hrtime.bigint();
  let fed = 0;
  for (let i = 0; i < audio.samples.length && !amd.engine.finished; i += chunk) {
    const part = audio.samples.subarray(i, i + chunk);
    await amd.push(part);
    fed += part.length;
  }
  await amd.end();
  const cpuMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = amd.engine.result;
  if (!result) throw new Error('detector settled without a result');
  return { result, beepMs: amd.engine.beepMs, cpuMs, audioMs: (audio.samples.length / audio.sampleRate) * 1000,
    fedMs: (fed / audio.sampleRate) * 1000,
  };
}

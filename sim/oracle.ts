import { Random } from '../src/queue/random';

/**
 * A reference no real ACD can reach: the wait predicted by someone who knows exactly when every call in
 * progress will end (the simulator does) and the true talk-time distribution, but not the future. Its error
 * is the part of the wait that nobody can predict (talk times of calls not yet started, abandonment).
 */
export function oracleWait(freeInSec: number[], ahead: number, talkMeanSec: number, talkCv: number, acwSec: number, samples = 201): number {
  const rng = new Random(0x0dac1e);
  const waits: number[] = [];
  for (let run = 0; run < samples; run++) {
    const free = [...freeInSec];
    for (let k = 0; k < ahead; k++) {
      let m = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[m]!) m = i;
      free[m] = free[m]! + rng.logNormal(talkMeanSec, talkCv) + acwSec;
    }
    waits.push(Math.min(...free));
  }
  waits.sort((a, b) => a - b);
  return waits[samples >> 1]!;
}

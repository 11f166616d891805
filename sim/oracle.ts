import { Random } from '../src/queue/random';

/**
 * A reference no real ACD can reach: the wait predicted by someone who knows exactly when every call in
 * progress will end (the simulator does), the true talk-time distribution and the true patience of callers,
 * but not the future. Its error is the part of the wait that nobody can predict: talk times of calls not yet
 * started, and which of the callers ahead will hang up. Like 'erlang-a', it answers the median wait of a
 * caller who stays; the `ahead` callers ahead each hang up after an exponential patience (mean
 * `patienceMeanSec`, memoryless) unless an agent takes them first.
 */
export function oracleWait(freeInSec: number[], ahead: number, talkMeanSec: number, talkCv: number, acwSec: number, patienceMeanSec: number, samples = 201): number {
  const rng = new Random(0x0dac1e);
  const waits: number[] = [];
  for (let run = 0; run < samples; run++) {
    const free = [...freeInSec];
    let k = 0;
    for (;;) {
      let m = 0;
      for (let i = 1; i < free.length; i++) if (free[i]! < free[m]!) m = i;
      const t = free[m]!;
      while (k < ahead && rng.exponential(patienceMeanSec) <= t) k++;
      if (k === ahead) {
        waits.push(t);
        break;
      }
      k++;
      free[m] = t + rng.logNormal(talkMeanSec, talkCv) + acwSec;
    }
  }
  waits.sort((a, b) => a - b);
  return waits[samples >> 1]!;
}

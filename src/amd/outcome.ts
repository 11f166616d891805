/** The user-facing outcome, in Twilio's AnsweredBy words (the reference users know). */
import type { AmdResult } from '../ports/dialer';

export type AnsweredBy = 'human' | 'machine_end_beep' | 'machine_end_silence' | 'machine_start' | 'fax' | 'unknown';

/**
 * HUMAN -> human; MACHINE with a beep -> machine_end_beep; MACHINE whose greeting ended without a beep ->
 * machine_end_silence; MACHINE still talking -> machine_start; FAX -> fax; NOTSURE / NO_SPEECH -> unknown.
 */
export function answeredBy(result: AmdResult, machineEnded: boolean): AnsweredBy {
  switch (result.decision) {
    case 'HUMAN':
      return 'human';
    case 'FAX':
      return 'fax';
    case 'MACHINE':
      if (result.beepMs !== undefined) return 'machine_end_beep';
      return machineEnded ? 'machine_end_silence' : 'machine_start';
    default:
      return 'unknown';
  }
}

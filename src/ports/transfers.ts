/** Transfers of a connected call between agents, as the attempt's history keeps them (src/flows/transfer.ts runs them). */

/** to one agent (reserved for the call like any offer), or to a target's line (its next free agent) */
export type TransferTo = { agentId: string } | { target: string };

export type TransferMode = 'blind' | 'consult';

/** one transfer in the call's history (the attempt's ATTEMPT_ENDED event carries the list) */
export interface TransferRecord {
  at: number;
  mode: TransferMode;
  fromAgentId: string;
  to: TransferTo;
  /** the agent who took the call; unset when nobody did (a blind transfer's customer then waits in the line) */
  toAgentId?: string;
  /** blind: handed over; consult: completed (the customer joined the second agent) or cancelled (back to the first) */
  result: 'handed-over' | 'completed' | 'cancelled' | 'no-answer';
}

import type { Logger } from 'pino';
/**
 * The narrow call interface the flows are written against. The telephony adapter implements it over
 * drachtio-srf dialogs and drachtio-fsmrf endpoints; unit tests implement it with fakes.
 */
import type { AmdResult } from '../ports/dialer';

/** thrown by any leg operation once the far end has hung up (or the leg was hung up) */
export class CallEndedError extends Error {
  constructor(readonly callId: string) {
    super(`call ${callId} ended`);
    this.name = 'CallEndedError';
  }
}

export interface CollectOptions {
  prompts: string[];
  maxDigits: number;
  /** wait for the first digit, after the prompts */
  timeoutMs: number;
  /** wait between digits */
  digitTimeoutMs: number;
  /** ends the input early, e.g. '#' */
  terminator?: string;
}

/** a prompt looping until stopped (hold music) */
export interface Playing {
  stop(): Promise<void>;
}

/** one answered call leg with media on FreeSWITCH */
export interface CallLeg {
  readonly callId: string;
  /** resolves (with a reason) when the leg ends, whoever ended it */
  readonly ended: Promise<string>;
  isEnded(): boolean;
  play(prompts: string[]): Promise<void>;
  /** digits typed (RFC 2833 or SIP INFO), without the terminator; '' when nothing was typed */
  collect(opts: CollectOptions): Promise<string>;
  loop(prompt: string): Playing;
  /** send BYE (with a Reason header value when given) and release the media */
  hangup(reason?: string): Promise<void>;
}

/** a connected agent leg (bridged to the customer's media) */
export interface AgentLeg {
  readonly callId: string;
  readonly ended: Promise<string>;
  hangup(reason?: string): Promise<void>;
}

export type AgentCallResult = { kind: 'answered'; leg: AgentLeg } | { kind: 'failed'; sipStatus?: number; detail: string };
export type ReferResult = { kind: 'transferred' } | { kind: 'failed'; sipStatus?: number; detail: string };

/** what the connect step needs from telephony */
export interface AgentCalls {
  /**
   * call the agent on a new leg and, once answered, bridge it to `customer`'s media; `headers` tell the
   * agent's phone what the call is (X-Callback-Id, attempt, AMD result)
   */
  bridge(customer: CallLeg, agentUri: string, ringTimeoutMs: number, signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult>;
  /** REFER the customer's dialog to the agent and follow the NOTIFY sipfrag to a final status */
  /** `log`: the caller's logger (callback id, call id, agent), so the REFER's progress lines carry them */
  refer(customer: CallLeg, agentUri: string, timeoutMs: number, log?: Logger): Promise<ReferResult>;
}

/** an outbound call to the customer, before and after answer */
export type CustomerCallResult = { kind: 'answered'; leg: CustomerLeg } | { kind: 'failed'; sipStatus?: number; earlyMedia: boolean; detail: string };

export interface AmdRun {
  result: Promise<AmdResult>;
  /** ms from answer to the machine's record tone, or null when none was heard */
  beep: Promise<number | null>;
  cancel(): void;
}

export interface CustomerLeg extends CallLeg {
  /** fork the customer's audio to the AMD server and start deciding */
  startAmd(sessionKey: string, params: Record<string, unknown> | undefined): Promise<AmdRun>;
  stopAmd(): Promise<void>;
}

export interface CustomerDialOptions {
  number: string;
  callerId?: string;
  pAssertedIdentity?: string;
  ringTimeoutSec: number;
  headers?: Record<string, string>;
  signal: AbortSignal;
}

export interface CustomerCalls {
  dial(opts: CustomerDialOptions): Promise<CustomerCallResult>;
}

/** resolves when `leg` ends, so `Promise.race` can stop waiting for something else */
export const endedOf = (leg: { ended: Promise<string> }): Promise<{ kind: 'ended'; reason: string }> =>
  leg.ended.then((reason) => ({ kind: 'ended' as const, reason }));

import type { Logger } from 'pino';
/**
 * The narrow call interface the flows are written against. The telephony adapter implements it over
 * drachtio-srf dialogs and drachtio-fsmrf endpoints; unit tests implement it with fakes.
 */
import type { AmdResult } from '../ports/dialer';

/**
 * Why a leg's `signal` aborted (its `reason`): the call ended, whoever ended it. Any leg operation still
 * running or started after that rejects with it, so a flow stops at its next step.
 */
export class CallEndedError extends Error {
  constructor(
    readonly callId: string,
    /** e.g. 'far end hung up', 'hung up by us', 'media server lost' */
    readonly endReason = 'ended',
    /** ended by a failure on our side (its media server was lost), not by a person */
    readonly fault = false,
  ) {
    super(`call ${callId} ended`);
    this.name = 'CallEndedError';
  }
}

/** the CallEndedError of a leg ended by a failure on our side (media server or drachtio-server lost), if so */
export function faultEnding(leg: { signal: AbortSignal }): CallEndedError | undefined {
  const r: unknown = leg.signal.reason;
  return leg.signal.aborted && r instanceof CallEndedError && r.fault ? r : undefined;
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
  /**
   * The call's one end-of-call signal: aborted once, when the leg ends, whoever ended it (its reason is a
   * CallEndedError). Flows pass it to every wait (reservations, agent calls, AMD) and read `signal.aborted`.
   */
  readonly signal: AbortSignal;
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
  /** aborted once, when the agent's leg ends */
  readonly signal: AbortSignal;
  hangup(reason?: string): Promise<void>;
}

export type AgentCallResult = { kind: 'answered'; leg: AgentLeg } | { kind: 'failed'; sipStatus?: number; detail: string };
export type ReferResult = { kind: 'transferred' } | { kind: 'failed'; sipStatus?: number; detail: string };

/** what the connect step needs from telephony */
export interface AgentCalls {
  /**
   * call the agent on a new leg and, once answered, bridge it to `customer`'s media; `headers` tell the
   * agent's phone what the call is (X-Callback-Id, attempt, AMD result). `signal` (the customer's) CANCELs
   * the ringing when it aborts.
   */
  bridge(customer: CallLeg, agentUri: string, ringTimeoutMs: number, signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult>;
  /** REFER the customer's dialog to the agent and follow the NOTIFY sipfrag to a final status */
  /** `log`: the caller's logger (callback id, call id, agent), so the REFER's progress lines carry them */
  refer(customer: CallLeg, agentUri: string, timeoutMs: number, log?: Logger): Promise<ReferResult>;
  /**
   * Transfers. `dial`: call an agent on a new leg with its media beside `near`'s (the same media server),
   * not bridged to anything yet; `signal` CANCELs the ringing. `join`: bridge two legs' media. `split`: take
   * `leg` out of its bridge; both sides of that bridge stay up, in silence (FreeSWITCH: parked).
   */
  dial(near: CallLeg, agentUri: string, ringTimeoutMs: number, signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult>;
  join(a: CallLeg | AgentLeg, b: CallLeg | AgentLeg): Promise<void>;
  split(leg: CallLeg | AgentLeg): Promise<void>;
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

/**
 * `p`, unless `signal` aborts first: then a rejection with the signal's reason (for a leg, its
 * CallEndedError). A rejection of `p` after that is handled here; the abort listener is removed either way.
 */
export function unlessEnded<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** which of two legs' signals aborts first ('a' when both already have) */
export function firstToEnd(a: AbortSignal, b: AbortSignal): Promise<'a' | 'b'> {
  if (a.aborted) return Promise.resolve('a');
  if (b.aborted) return Promise.resolve('b');
  return new Promise((resolve) => {
    const done = (which: 'a' | 'b') => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
      resolve(which);
    };
    const onA = () => done('a');
    const onB = () => done('b');
    a.addEventListener('abort', onA, { once: true });
    b.addEventListener('abort', onB, { once: true });
  });
}

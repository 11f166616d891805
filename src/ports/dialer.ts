import type { TransferRecord } from './transfers';
import type { ReservationHandle } from './queue';

/**
 * The port between the callback core (scheduler) and telephony.
 * The core decides *when* to call and what to do with the outcome (retry policy);
 * a Dialer only places one attempt and reports what happened.
 */

/** How a finished attempt ended, as the retry policy sees it. */
export type AttemptOutcome =
  | 'CONNECTED_TO_AGENT' // human answered and was connected to an agent
  | 'BUSY' // 486/600 or busy tone
  | 'NO_ANSWER' // ring timeout, 408/480
  | 'REJECTED' // 403/603 and other final refusals by the far end
  | 'UNREACHABLE' // trunk/network failure, 5xx, no route
  | 'MACHINE' // answering machine detected (after any message was left)
  | 'FAX' // fax tone detected
  | 'NO_SPEECH' // answered, nobody spoke
  | 'NOTSURE' // AMD could not decide and the service treats it as a failure
  | 'AGENT_UNAVAILABLE' // no agent could be reserved / agent did not answer
  | 'CUSTOMER_HANGUP' // customer hung up before reaching an agent
  | 'USER_DECLINED' // asked to confirm (_wait_for_user_confirm), the customer declined
  | 'NO_CONFIRMATION' // asked to confirm, the customer did not answer in time
  | 'FAILED'; // anything else (internal error, interrupted by a crash)

export type AmdDecision = 'HUMAN' | 'MACHINE' | 'NOTSURE' | 'NO_SPEECH' | 'FAX';

export interface AmdResult {
  decision: AmdDecision;
  /** ms from answer to decision */
  decisionMs: number;
  /** ms from answer to the machine's record tone, when one was heard */
  beepMs?: number;
  evidence?: Record<string, unknown>;
}

export type ConnectMode = 'bridge' | 'refer';

export interface ApprovalSteps {
  /** `_agent_preview`: the reserved agent accepts before the dial */
  agentPreview?: { timeoutSec: number; allowReject: boolean; timeoutSetsNotReady: boolean };
  /** `_wait_for_user_confirm`: the customer confirms before the dial */
  userConfirm?: { timeoutSec: number };
}

export interface DialRequest {
  callbackId: string;
  attemptId: string;
  /** 1-based */
  attemptNumber: number;
  serviceName: string;
  /** E.164, already validated against the service's dialing rules */
  customerNumber: string;
  target: string;
  /**
   * epoch ms the callback's place in the target's line dates from (its acceptance, or the caller's place it
   * took over): the attempt waits for an agent from that place, as the callback itself in line (contact id =
   * callbackId), not from the back of the line
   */
  queuedSince?: number;
  waitForAgent: boolean;
  /** the service's `_connect_mode` (or the request's override); unset: the dialer's own (telephony.connect.mode) */
  connectMode?: ConnectMode;
  callerId?: string;
  ringTimeoutSec: number;
  /** the service's `_wrap_up_time`: the agent's after-call work after this call; unset: the target's own */
  afterCallWorkSec?: number;
  /** user data of the callback (keys without a leading underscore) */
  userData: Record<string, string>;
  /** service AMD settings and actions, passed through from the service's options (validated by src/amd) */
  amd?: Record<string, unknown>;
  /** steps that wait for a person before the dial (agent preview, customer confirmation): see ApprovingDialer */
  approval?: ApprovalSteps;
  /**
   * an agent already reserved for this attempt (after a preview, already confirmed): the dialer calls the
   * customer for this agent instead of reserving one, and owns the reservation from here
   */
  reservation?: ReservationHandle;
  /** optional progress report, so the callback's state can follow the call (ROUTING -> PROCESSING) */
  onProgress?: (stage: DialStage) => void;
}

/** DIALING: customer leg sent; ANSWERED: customer answered; CONNECTED: customer talking to an agent */
export type DialStage = 'DIALING' | 'ANSWERED' | 'CONNECTED';

export interface AttemptResult {
  outcome: AttemptOutcome;
  sipStatus?: number;
  amd?: AmdResult;
  agentId?: string;
  /** epoch ms */
  answeredAt?: number;
  connectedAt?: number;
  endedAt?: number;
  callId?: string;
  detail?: string;
  /** the call's transfers between agents (who to whom, blind or consult), kept in the ATTEMPT_ENDED event */
  transfers?: TransferRecord[];
}

export interface Dialer {
  /**
   * false while the dialer cannot place calls (e.g. drachtio-server or every media server down):
   * the scheduler then holds callbacks QUEUED instead of burning their attempts. Absent = always ready.
   */
  isReady?(): boolean;
  /**
   * how long a call this dialer placed may go on ringing at the customer when the process that placed it dies
   * (nobody is left to cancel it). An attempt recovered from a dead instance is retried no sooner than this
   * after its recovery, so the customer is never rung twice at once. Absent = 0 (a dialer whose calls die with it).
   */
  readonly orphanedCallMs?: number;
  /** Place one attempt. Must settle (never hang); `signal` aborts it (cancel, shutdown). */
  dial(request: DialRequest, signal: AbortSignal): Promise<AttemptResult>;
}

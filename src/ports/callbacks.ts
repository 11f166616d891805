import { DomainError, type ErrorCode } from '../errors';
import type { ConnectMode } from './dialer';
import type { EwtMethod } from './queue';

/**
 * What the IVR (and any other in-process client) uses to request a callback:
 * the very same code path as POST /genesys/1/service/callback/{service}.
 */
export interface StartCallbackResult {
  id: string;
  /** the reporting keys to stamp on the originating interaction */
  reporting: { _CB_SERVICE_ID: string; _CB_T_SERVICE_START: number; _CB_T_CALLBACK_ACCEPTED: number };
  /** true when an active callback for this number already existed and was returned */
  existing: boolean;
}

/** A callback request refused, by meaning (`code`), naming the GMS parameter at fault when there is one. */
export class CallbackRequestError extends DomainError {
  constructor(code: ErrorCode, parameter: string | undefined, message: string) {
    super(code, message, parameter);
    this.name = 'CallbackRequestError';
  }
}

export interface CallbackRequester {
  /** params use GMS names: _customer_number, _desired_time, _originating_interaction_id, user data... */
  /**
   * `ownInteraction`: the originating interaction is this service's own IVR call, whose flow records how
   * it ended; otherwise (an outside IVR) it is recorded as ended with outcome CALLBACK on acceptance.
   */
  startCallback(serviceName: string, params: Record<string, string>, clientId: string, opts?: { ownInteraction?: boolean }): Promise<StartCallbackResult>;
  /**
   * USERORIGINATED services: the active callback (QUEUED: due now) of the service the dialed number routes
   * to (`dialed.service`, when it is USERORIGINATED) whose customer number matches the caller ID of an
   * inbound call, or null. `callerId` is normalised by the core like the REST API does.
   */
  findUserOriginatedCallback?(callerId: string, dialed: { number: string; service: string }): Promise<UserOriginatedMatch | null>;
  /**
   * Open time slots of a service (the REST /availability answer): slot start (ISO 8601 UTC) -> remaining
   * capacity, inside business hours, soonest first. The IVR offers the first one.
   */
  availability?(serviceName: string, q: { start?: number; end?: number; maxSlots: number }): Promise<SlotAvailability>;
  /**
   * The IVR's options of a service as they are now (an admin API change counts from the next call): only
   * what the service sets itself, so the IVR can fall back to its own config for the rest. Undefined for
   * an unknown service.
   */
  serviceIvrOptions?(serviceName: string): ServiceIvrOptions | undefined;
  /** the matched customer called in and was connected (or not): completes the callback with that outcome */
  completeUserOriginatedCallback?(callbackId: string, outcome: 'CONNECTED_TO_AGENT' | 'CUSTOMER_HANGUP' | 'FAILED', interactionId: string): Promise<void>;
}

export interface ServiceIvrOptions {
  /** `_ewt_threshold`, when the service sets it */
  ewtThresholdSec?: number;
  /** `_ewt_method`, when the service sets it (not empty); otherwise the target's own method applies */
  ewtMethod?: EwtMethod;
  /** `_connect_mode`, when the service sets it; otherwise `telephony.connect.mode` applies */
  connectMode?: ConnectMode;
}

export interface SlotAvailability {
  slots: Record<string, number>;
  bucketMinutes: number;
  /** the service's business-hours time zone (IANA), in which a slot is read to the caller */
  timezone: string;
}

export interface UserOriginatedMatch {
  callbackId: string;
  serviceName: string;
  target: string;
  /** epoch ms the callback's place in line dates from */
  enqueuedAt: number;
  userData: Record<string, string>;
}

/** Outcome of an inbound interaction, so reports tell callbacks from abandons. */
export type InteractionOutcome = 'CONNECTED_TO_AGENT' | 'CALLBACK' | 'ABANDONED_IN_QUEUE' | 'HUNG_UP_IN_IVR' | 'FAILED';

export interface InteractionRecord {
  interactionId: string;
  callId?: string;
  ani?: string;
  dnis?: string;
  serviceName?: string;
  target?: string;
  startedAt: number;
  endedAt: number;
  outcome: InteractionOutcome;
  /** attached data, e.g. _CB_SERVICE_ID, _CB_T_SERVICE_START, _CB_T_CALLBACK_ACCEPTED */
  attached: Record<string, string | number>;
}

export interface InteractionRecorder {
  record(interaction: InteractionRecord): Promise<void>;
}

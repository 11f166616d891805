import type { EwtMethod } from '../ports/queue';

/** Which kind of contact a priority or fairness rule speaks about. */
export type { ContactKind, EwtMethod } from '../ports/queue';

/** Planned staffing for a target over a daily window (used for time-bucket capacity of scheduled callbacks). */
export interface StaffingWindow {
  /** ISO weekdays 1 (Monday) .. 7 (Sunday); every day when absent */
  days?: number[];
  /** "HH:MM" local time, inclusive */
  from: string;
  /** "HH:MM" local time, exclusive; "24:00" allowed */
  to: string;
  /** agents planned on the target in this window */
  agents: number;
}

export interface StaffingConfig {
  /** IANA zone the windows are written in; default UTC */
  timezone: string;
  windows: StaffingWindow[];
}

export interface TargetConfig {
  /** the name services use in `_target` */
  name: string;
  /** after-call work: seconds an agent stays AFTER_CALL_WORK after each call; default 0 */
  afterCallWorkSec: number;
  /** EWT method used when a caller does not choose one; default 'erlang-a' */
  ewtMethod: EwtMethod;
  /** base priority of each kind of contact (higher is served first); default 0 for both */
  priorities: { caller: number; callback: number };
  /** priority points a contact gains per minute it waits; default 0 (plain first-come first-served) */
  ageingPerMinute: number;
  /**
   * Fairness: when both kinds wait, at most this many contacts of one kind are served in a row before the
   * longest-waiting contact of the other kind goes next, whatever the priorities say. 0 disables. Default 3.
   */
  maxConsecutiveSameKind: number;
  /** seconds a reserved agent has to be confirmed (answer) before the reservation lapses (the agent NOT_READY, the contact back in line); longer than the agent ring timeout; default 30 */
  reservationTimeoutSec: number;
  /** service level threshold: answered within this many seconds counts as in service level; default 20 */
  serviceLevelSec: number;
  /** handle time (talk, without after-call work) assumed until calls are measured; default 180 */
  initialHandleTimeSec: number;
  /** weight of the newest handle time in the exponentially weighted average (0..1]; default 0.05 */
  handleTimeSmoothing: number;
  /** callback pacing: a callback may be dialed when an agent is expected free within this many seconds; default 30 */
  pacingHorizonSec: number;
  /** callback pacing: a callback let through counts as being dialed for at most this long; default 90 */
  pacingHoldSec: number;
  /** EWT reported when no agent of the target is logged in and reachable; default 3600 */
  maxEwtSec: number;
  staffing?: StaffingConfig;
}

export interface AgentConfig {
  id: string;
  /** display name */
  name: string;
  /** targets (skills) the agent takes contacts for */
  targets: string[];
  /** a fixed SIP URI (desk phone, PSTN forward); without it the agent is reachable only while registered */
  uri?: string;
  /** digest password for softphone registration with the service's registrar */
  password?: string;
}

export interface QueueOptions {
  targets: TargetConfig[];
  agents: AgentConfig[];
}

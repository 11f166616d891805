import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptOutcome } from '../ports/dialer';
import type { SchedulerMetrics } from '../callback/scheduler';
import type { EwtAccuracy } from '../queue/views';
import { SIP_DIALOG_EVENTS, SIP_REFUSALS, type SipEvents } from '../telephony/sip-events';

/** one target's figures for the queue gauges */
export interface QueueGaugeSource {
  target: string;
  waiting: number;
  accuracy: EwtAccuracy | null;
}

/** Prometheus metrics, on a registry of the app's own (tests run several apps in one process). */
export class Metrics implements SchedulerMetrics {
  readonly registry = new Registry();
  readonly accepted = new Counter({ name: 'callback_requests_accepted_total', help: 'Callback requests accepted', labelNames: ['service', 'existing'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'callback_requests_rejected_total', help: 'Callback requests rejected', labelNames: ['status'], registers: [this.registry] });
  readonly attempts = new Counter({ name: 'callback_attempts_total', help: 'Finished dial attempts by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly completions = new Counter({ name: 'callbacks_completed_total', help: 'Callbacks completed by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly lag = new Histogram({
    name: 'callback_dispatch_lag_seconds',
    help: 'Delay between a callback being due and its attempt starting',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({ name: 'dependency_up', help: '1 when the dependency is connected', labelNames: ['dependency'], registers: [this.registry] });
  readonly approvals = new Counter({
    name: 'callback_approvals_total',
    help: 'Agent previews and customer confirmations answered, by kind (agent_preview, user_confirm) and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly signInFailures = new Counter({
    name: 'auth_failures_total',
    help: 'Wrong secrets tried, by door (agent, api-key, sip-register, sip-invite)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly signInRefused = new Counter({
    name: 'auth_throttled_total',
    help: 'Sign-in attempts refused before their secret was checked (backoff or lockout), by door, scope (account, source) and reason',
    labelNames: ['kind', 'scope', 'reason'],
    registers: [this.registry],
  });
  readonly signInLockouts = new Counter({
    name: 'auth_lockouts_total',
    help: 'Lockouts started after repeated failures, by door and scope (account, source)',
    labelNames: ['kind', 'scope'],
    registers: [this.registry],
  });
  readonly sipRefused = new Counter({
    name: 'sip_requests_refused_total',
    help: 'SIP requests and calls the service refused, by kind (source_not_allowed, unknown_did, bad_sdp, invite_rate_limited, ...; docs/telephony.md)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly sipDialog = new Counter({
    name: 'sip_dialog_requests_total',
    help: 'Requests within calls the service handled, by kind (reinvite_hold, update, info_dtmf, cancelled_before_answer, ...)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  /** the telephony layer's SIP counters */
  readonly sipEvents: SipEvents = {
    refused: (kind) => this.sipRefused.inc({ kind }),
    dialog: (kind) => this.sipDialog.inc({ kind }),
  };
  private activeAttemptsSource: () => number = () => 0;
  readonly activeAttempts: Gauge = new Gauge({
    name: 'callback_active_attempts',
    help: 'Attempts in progress',
    registers: [this.registry],
    collect: (): void => this.activeAttempts.set(this.activeAttemptsSource()),
  });

  private queueSource: () => QueueGaugeSource[] = () => [];
  readonly queueWaiting: Gauge = new Gauge({
    name: 'queue_waiting_contacts',
    help: 'Contacts waiting in the target\'s line (live callers and callbacks)',
    labelNames: ['target'],
    registers: [this.registry],
    collect: (): void => this.collectQueues(),
  });
  readonly ewtError = new Gauge({
    name: 'queue_ewt_mae_seconds',
    help: 'Mean absolute error of the EWT each method gave live callers when they joined the line, over those who reached an agent in the last hour',
    labelNames: ['target', 'method'],
    registers: [this.registry],
  });
  readonly ewtBias = new Gauge({ name: 'queue_ewt_bias_seconds', help: 'Mean (EWT - actual wait) per method, last hour (positive: too long)', labelNames: ['target', 'method'], registers: [this.registry] });
  readonly scoredWait = new Gauge({ name: 'queue_scored_mean_wait_seconds', help: 'Mean wait of the live callers the EWT error is measured on, last hour', labelNames: ['target'], registers: [this.registry] });
  readonly scoredCallers = new Gauge({ name: 'queue_scored_callers', help: 'Live callers the EWT error is measured on, last hour', labelNames: ['target'], registers: [this.registry] });

  trackQueues(source: () => QueueGaugeSource[]): void {
    this.queueSource = source;
  }

  private collectQueues(): void {
    for (const g of [this.ewtError, this.ewtBias, this.scoredWait, this.scoredCallers]) g.reset();
    for (const q of this.queueSource()) {
      this.queueWaiting.set({ target: q.target }, q.waiting);
      this.scoredCallers.set({ target: q.target }, q.accuracy?.callers ?? 0);
      if (!q.accuracy) continue;
      this.scoredWait.set({ target: q.target }, q.accuracy.meanWaitSec);
      for (const [method, v] of Object.entries(q.accuracy.maeSec)) this.ewtError.set({ target: q.target, method }, v);
      for (const [method, v] of Object.entries(q.accuracy.biasSec)) this.ewtBias.set({ target: q.target, method }, v);
    }
  }

  trackActiveAttempts(source: () => number): void {
    this.activeAttemptsSource = source;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // every kind shows from the start (at 0), so a dashboard's rate() has a series before the first refusal
    for (const kind of SIP_REFUSALS) this.sipRefused.inc({ kind }, 0);
    for (const kind of SIP_DIALOG_EVENTS) this.sipDialog.inc({ kind }, 0);
  }

  dispatchLag(seconds: number): void {
    this.lag.observe(seconds);
  }

  attemptEnded(outcome: AttemptOutcome): void {
    this.attempts.inc({ outcome });
  }

  approvalAnswered(kind: string, outcome: string): void {
    this.approvals.inc({ kind, outcome });
  }

  completed(reason: string): void {
    this.completions.inc({ reason });
  }
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptOutcome } from '../ports/dialer';
import type { SchedulerMetrics } from '../callback/scheduler';

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
  private activeAttemptsSource: () => number = () => 0;
  readonly activeAttempts: Gauge = new Gauge({
    name: 'callback_active_attempts',
    help: 'Attempts in progress',
    registers: [this.registry],
    collect: (): void => this.activeAttempts.set(this.activeAttemptsSource()),
  });

  trackActiveAttempts(source: () => number): void {
    this.activeAttemptsSource = source;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
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

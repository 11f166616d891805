import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import type { ThrottleEvents } from './sign-in-throttle';

/** Failures and lockouts as log lines (who, from where, how many; never the secret) and as /metrics counters. */
export function observedThrottleEvents(metrics: Metrics, logger: Logger): ThrottleEvents {
  return {
    onFailure(attempt, failures, lockedOut) {
      metrics.signInFailures.inc({ kind: attempt.kind });
      const line = { kind: attempt.kind, account: attempt.account, source: attempt.source, failures };
      if (lockedOut) {
        metrics.signInLockouts.inc({ kind: attempt.kind, scope: lockedOut });
        logger.warn({ ...line, lockedOut }, 'sign-in locked out after repeated failures');
      } else {
        logger.info(line, 'sign-in failed');
      }
    },
    onRefused(attempt, refusal) {
      metrics.signInRefused.inc({ kind: attempt.kind, scope: refusal.scope, reason: refusal.reason });
      logger.debug({ kind: attempt.kind, account: attempt.account, source: attempt.source, ...refusal }, 'sign-in attempt refused (throttled)');
    },
  };
}

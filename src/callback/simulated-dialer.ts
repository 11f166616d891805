import fs from 'node:fs';
import type { AttemptOutcome, AttemptResult, Dialer, DialRequest } from '../ports/dialer';
import type { QueuePort } from '../ports/queue';

/**
 * An in-process dialer that places no call: it waits `delayMs` and reports the outcome its rules give
 * for the number and attempt. Used by tests, the benchmark and `dialer.kind: simulated` (demo without a
 * SIP trunk). With `journalPath`, it appends one JSON line per attempt start and end, so tests can check
 * that no callback was ever dialed twice at the same time, even across process kills.
 */
export interface SimulatedDialerRule {
  /** regular expression on the E.164 customer number */
  pattern: string;
  /** outcome per attempt number; the last one repeats */
  outcomes: AttemptOutcome[];
}

export interface SimulatedDialerOptions {
  delayMs: number;
  rules?: SimulatedDialerRule[];
  defaultOutcome?: AttemptOutcome;
  journalPath?: string;
}

export class SimulatedDialer implements Dialer {
  private readonly rules: { re: RegExp; outcomes: AttemptOutcome[] }[];
  readonly dialed: DialRequest[] = [];
  ready = true;
  /**
   * the queue, so that an attempt handed a reservation (after a preview or confirmation) ends it like a
   * real call would: the agent is "connected" (confirm) and freed at the end, or released when the
   * customer was not reached
   */
  reservations?: Pick<QueuePort, 'confirm' | 'release' | 'callEnded'>;

  constructor(private readonly o: SimulatedDialerOptions) {
    this.rules = (o.rules ?? []).map((r) => ({ re: new RegExp(r.pattern), outcomes: r.outcomes }));
  }

  isReady(): boolean {
    return this.ready;
  }

  outcomeFor(req: Pick<DialRequest, 'customerNumber' | 'attemptNumber'>): AttemptOutcome {
    const rule = this.rules.find((r) => r.re.test(req.customerNumber));
    if (!rule || rule.outcomes.length === 0) return this.o.defaultOutcome ?? 'CONNECTED_TO_AGENT';
    return rule.outcomes[Math.min(req.attemptNumber, rule.outcomes.length) - 1];
  }

  dial(req: DialRequest, signal: AbortSignal): Promise<AttemptResult> {
    this.dialed.push(req);
    this.journal('start', req);
    const startedAt = Date.now();
    return new Promise<AttemptResult>((resolve) => {
      const finish = (result: AttemptResult): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.journal('end', req, result.outcome);
        this.endReservation(req, result.outcome);
        resolve(result);
      };
      const onAbort = (): void => finish({ outcome: 'FAILED', detail: 'aborted', endedAt: Date.now() });
      const timer = setTimeout(() => {
        const outcome = this.outcomeFor(req);
        const answered = outcome === 'CONNECTED_TO_AGENT' || outcome === 'MACHINE' || outcome === 'CUSTOMER_HANGUP';
        if (outcome === 'CONNECTED_TO_AGENT') req.onProgress?.('CONNECTED');
        finish({
          outcome,
          answeredAt: answered ? startedAt + Math.floor(this.o.delayMs / 2) : undefined,
          connectedAt: outcome === 'CONNECTED_TO_AGENT' ? Date.now() : undefined,
          ...(outcome === 'CONNECTED_TO_AGENT' && req.reservation ? { agentId: req.reservation.agent.agentId } : {}),
          endedAt: Date.now(),
          callId: `sim-${req.attemptId}`,
          sipStatus: outcome === 'BUSY' ? 486 : outcome === 'NO_ANSWER' ? 480 : answered ? 200 : undefined,
        });
      }, this.o.delayMs);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private endReservation(req: DialRequest, outcome: AttemptOutcome): void {
    const r = req.reservation;
    if (!r || !this.reservations) return;
    if (outcome !== 'CONNECTED_TO_AGENT') return this.reservations.release(r.reservationId);
    try {
      this.reservations.confirm(r.reservationId);
    } catch {
      // already confirmed by the agent's preview acceptance
    }
    this.reservations.callEnded(r.reservationId);
  }

  private journal(ev: 'start' | 'end', req: DialRequest, outcome?: AttemptOutcome): void {
    if (!this.o.journalPath) return;
    fs.appendFileSync(
      this.o.journalPath,
      JSON.stringify({ t: Date.now(), ev, pid: process.pid, callbackId: req.callbackId, attemptId: req.attemptId, outcome }) + '\n',
    );
  }
}

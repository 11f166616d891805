import fs from 'node:fs';
import type { AttemptOutcome, AttemptResult, Dialer, DialRequest } from '../ports/dialer';
import type { QueuePort } from '../ports/queue';
import { messageOf } from '../errors';
import { systemClock, systemTimers, type Clock, type TimerScheduler } from '../time';

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
  /**
   * > 0: a customer who "answers" (CONNECTED_TO_AGENT) waits in the target's line, as the callback itself,
   * for an agent of the queue (like the real dial flow); the agent is reserved, talks this long, and is
   * freed. No agent within `agentWaitMs`: AGENT_UNAVAILABLE. 0 (default): the outcome alone, no agent.
   */
  agentTalkMs?: number;
  /** how long an answered customer waits for an agent (with agentTalkMs); default 120000 */
  agentWaitMs?: number;
  rules?: SimulatedDialerRule[];
  defaultOutcome?: AttemptOutcome;
  journalPath?: string;
  /** time and timers (default real time; tests and the benchmark may run it on VirtualTime) */
  clock?: Clock;
  timers?: TimerScheduler;
  /**
   * the queue, for `agentTalkMs`: an answered customer waits in line for an agent. (An attempt handed a
   * reservation after a preview or confirmation ends it through its handle, like a real call would: the
   * agent is "connected" and freed at the end, or released when the customer was not reached.)
   */
  reservations?: SimulatedReservations;
}

export type SimulatedReservations = Pick<QueuePort, 'enqueue' | 'remove' | 'reserveAgentFor'>;

export class SimulatedDialer implements Dialer {
  private readonly rules: { re: RegExp; outcomes: AttemptOutcome[] }[];
  readonly dialed: DialRequest[] = [];
  ready = true;
  private readonly reservations: SimulatedReservations | undefined;
  private readonly clock: Clock;
  private readonly timers: TimerScheduler;

  constructor(private readonly o: SimulatedDialerOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? systemTimers;
    this.reservations = o.reservations;
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
    const startedAt = this.clock.now();
    return new Promise<AttemptResult>((resolve) => {
      let finished = false;
      const finish = (result: AttemptResult): void => {
        if (finished) return;
        finished = true;
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        this.journal('end', req, result.outcome);
        this.endReservation(req, result.outcome);
        resolve(result);
      };
      const onAbort = (): void => finish({ outcome: 'FAILED', detail: 'aborted', endedAt: this.clock.now() });
      const timer = this.timers.schedule(this.o.delayMs, () => {
        const outcome = this.outcomeFor(req);
        if (outcome === 'CONNECTED_TO_AGENT' && !req.reservation && this.reservations && (this.o.agentTalkMs ?? 0) > 0) {
          void this.connectToAgent(req, signal, startedAt).then(finish, (err: unknown) => finish({ outcome: 'FAILED', detail: messageOf(err), endedAt: this.clock.now() }));
          return;
        }
        const answered = outcome === 'CONNECTED_TO_AGENT' || outcome === 'MACHINE' || outcome === 'CUSTOMER_HANGUP';
        if (outcome === 'CONNECTED_TO_AGENT') req.onProgress?.('CONNECTED');
        finish({
          outcome,
          answeredAt: answered ? startedAt + Math.floor(this.o.delayMs / 2) : undefined,
          connectedAt: outcome === 'CONNECTED_TO_AGENT' ? this.clock.now() : undefined,
          ...(outcome === 'CONNECTED_TO_AGENT' && req.reservation ? { agentId: req.reservation.agent.agentId } : {}),
          endedAt: this.clock.now(),
          callId: `sim-${req.attemptId}`,
          sipStatus: outcome === 'BUSY' ? 486 : outcome === 'NO_ANSWER' ? 480 : answered ? 200 : undefined,
        });
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** the customer answered: wait in line as the callback for an agent, "talk", free the agent */
  private async connectToAgent(req: DialRequest, signal: AbortSignal, startedAt: number): Promise<AttemptResult> {
    const q = this.reservations!;
    const answeredAt = startedAt + Math.floor(this.o.delayMs / 2);
    const callId = `sim-${req.attemptId}`;
    req.onProgress?.('ANSWERED');
    q.enqueue({ contactId: req.callbackId, kind: 'callback', target: req.target, enqueuedAt: req.queuedSince ?? this.clock.now() });
    const r = await q.reserveAgentFor(req.callbackId, { timeoutMs: this.o.agentWaitMs ?? 120_000, signal });
    if (!r) {
      q.remove(req.callbackId);
      const aborted = signal.aborted;
      return { outcome: aborted ? 'FAILED' : 'AGENT_UNAVAILABLE', ...(aborted ? { detail: 'aborted' } : {}), answeredAt, endedAt: this.clock.now(), callId, sipStatus: 200 };
    }
    try {
      r.confirm();
      req.onProgress?.('CONNECTED');
      const connectedAt = this.clock.now();
      await new Promise<void>((done) => {
        const t = this.timers.schedule(this.o.agentTalkMs ?? 0, done);
        signal.addEventListener('abort', () => (t.cancel(), done()), { once: true });
      });
      r.callEnded({ afterCallWorkSec: req.afterCallWorkSec });
      return { outcome: 'CONNECTED_TO_AGENT', agentId: r.agent.agentId, answeredAt, connectedAt, endedAt: this.clock.now(), callId, sipStatus: 200 };
    } finally {
      r.release();
    }
  }

  /** a reservation handed over with the request: "connected" and freed, or released when not reached */
  private endReservation(req: DialRequest, outcome: AttemptOutcome): void {
    const r = req.reservation;
    if (!r) return;
    if (outcome !== 'CONNECTED_TO_AGENT') return r.release();
    r.confirm(); // already confirmed by the agent's preview acceptance: no change
    r.callEnded({ afterCallWorkSec: req.afterCallWorkSec });
  }

  private journal(ev: 'start' | 'end', req: DialRequest, outcome?: AttemptOutcome): void {
    if (!this.o.journalPath) return;
    fs.appendFileSync(
      this.o.journalPath,
      JSON.stringify({ t: this.clock.now(), ev, pid: process.pid, callbackId: req.callbackId, attemptId: req.attemptId, outcome }) + '\n',
    );
  }
}

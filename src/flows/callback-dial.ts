import type { Logger } from 'pino';
import type { AmdResult, AttemptOutcome, AttemptResult, ConnectMode, DialRequest, Dialer } from '../ports/dialer';
import type { QueuePort, QueuedContact, ReservationHandle } from '../ports/queue';
import { faultEnding, unlessEnded, type AmdRun, type CustomerCalls, type CustomerLeg } from './call';
import { connectModeOf, connectToAgent, type ConnectAgentDeps } from './connect-agent';
import type { ResolvedPrompts } from './prompts';
import { dispositionOf } from './sip-disposition';
import { messageOf } from '../errors';
import { systemTimers, type TimerHandle, type TimerScheduler } from '../time';

export interface ServiceCallSettings {
  callerId?: string;
  pAssertedIdentity?: string;
  machine: 'hangup' | 'leave_message';
  notSure: 'connect' | 'hangup';
  noSpeech: 'connect' | 'hangup';
  prompts: ResolvedPrompts;
  /** the answer check, when the service turns it on (prompt resolved to a playable path) */
  answerCheck?: AnswerCheck;
}

/** see AnswerCheckSettings in telephony/config.ts and docs/amd.md "Answer check" */
export interface AnswerCheck {
  prompt: string;
  digit: string;
  timeoutMs: number;
  runOnMs: number;
}

/**
 * What the AMD listens for while the answer check's announcement plays: speech running on for `runOnMs`
 * (a greeting going on without reacting) is MACHINE, and so is a record beep. A person's "hello?" followed
 * by a second of silence settles it HUMAN (then it stops listening; only the key connects anyway).
 */
export function answerCheckAmdParams(check: AnswerCheck, serviceAmd: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    ...(serviceAmd ?? {}),
    greetingMs: check.runOnMs,
    afterGreetingSilenceMs: 1000,
    longGreetingSilenceMs: 1000,
    maxWords: 100,
    initialSilenceMs: 60_000,
    totalAnalysisMs: 120_000,
  };
}

type CheckOutcome = { kind: 'confirmed'; watch: AmdRun } | { kind: 'no_key'; digits: string; watch: AmdRun } | { kind: 'machine'; watch: AmdRun; result: AmdResult; pendingKey: Promise<unknown> };

export interface CallbackDialDeps extends ConnectAgentDeps {
  queue: QueuePort;
  customers: CustomerCalls;
  service: (serviceName: string) => ServiceCallSettings;
  /** longest wait for an AMD decision before it counts as NOTSURE */
  amdTimeoutMs: number;
  /** longest wait for the machine's beep before leaving the message anyway */
  beepTimeoutMs: number;
  /** runs the AMD and beep timeouts; default real time */
  timers?: TimerScheduler;
  isReady: () => boolean;
  /** see Dialer.orphanedCallMs: how long a customer's phone may ring on after this process died */
  orphanedCallMs?: number;
  logger: Logger;
  /** telephony.connect.mode: the mode of a callback whose service sets no `_connect_mode` (default bridge) */
  connectMode?: ConnectMode;
}

/**
 * One outbound USERTERMINATED callback attempt, as it happens:
 *   (wait_for_agent: reserve an agent first) → dial the customer through the trunk →
 *   failure: BUSY / NO_ANSWER / REJECTED / UNREACHABLE → answered: AMD on the forked audio →
 *   HUMAN: connect to the agent (reserving one now, "please hold", when none was reserved) →
 *   MACHINE: hang up, or wait for the beep and leave the message → NOTSURE / NO_SPEECH: per service.
 */
export class CallbackDialer implements Dialer {
  private readonly timers: TimerScheduler;

  constructor(private readonly deps: CallbackDialDeps) {
    this.timers = deps.timers ?? systemTimers;
  }

  isReady(): boolean {
    return this.deps.isReady();
  }

  get orphanedCallMs(): number | undefined {
    return this.deps.orphanedCallMs;
  }

  async dial(req: DialRequest, signal: AbortSignal): Promise<AttemptResult> {
    const log = this.deps.logger.child({ callbackId: req.callbackId, attemptId: req.attemptId, service: req.serviceName });
    try {
      return await this.attempt(req, signal, log);
    } catch (err) {
      log.error({ err }, 'callback attempt failed');
      return { outcome: 'FAILED', detail: messageOf(err), endedAt: this.deps.clock.now() };
    }
  }

  private async attempt(req: DialRequest, signal: AbortSignal, log: Logger): Promise<AttemptResult> {
    const d = this.deps;
    const svc = d.service(req.serviceName);
    // an agent handed over by the preview / confirmation step (ApprovingDialer) is this attempt's agent
    // the callback waits for its agent as itself, from its place in line (see DialRequest.queuedSince)
    const contactId = req.reservation?.contactId ?? req.callbackId;
    // the attempt owns its agent's reservation (handed over, or reserved below) and ends it in `finally`;
    // connectToAgent ends it first when the call gets that far (the handle is idempotent)
    let reservation: ReservationHandle | null = req.reservation ?? null;
    const contact: QueuedContact = { contactId, kind: 'callback', target: req.target, enqueuedAt: req.queuedSince ?? d.clock.now() };
    if (!reservation) d.queue.enqueue(contact);
    try {
      if (req.waitForAgent && !reservation) {
        reservation = await d.queue.reserveAgentFor(contactId, { timeoutMs: d.settings.reserveTimeoutSec * 1000, signal });
        if (!reservation) {
          d.queue.remove(contactId);
          log.info('no agent reserved; not dialing');
          return { outcome: signal.aborted ? 'FAILED' : 'AGENT_UNAVAILABLE', detail: signal.aborted ? 'aborted' : 'no agent reserved before the dial', endedAt: d.clock.now() };
        }
        log.info({ agentId: reservation.agent.agentId }, 'agent reserved before the dial');
      }

      req.onProgress?.('DIALING');
      const called = await d.customers.dial({
        number: req.customerNumber,
        ...(req.callerId ?? svc.callerId ? { callerId: req.callerId ?? svc.callerId } : {}),
        ...(svc.pAssertedIdentity ? { pAssertedIdentity: svc.pAssertedIdentity } : {}),
        ringTimeoutSec: req.ringTimeoutSec,
        headers: { 'X-Callback-Id': req.callbackId },
        signal,
      });
      if (called.kind === 'failed') {
        this.giveUp(reservation, contactId);
        const outcome = signal.aborted ? 'FAILED' : dispositionOf(called.sipStatus);
        log.info({ sipStatus: called.sipStatus, earlyMedia: called.earlyMedia, outcome }, 'customer not reached');
        return { outcome, ...(called.sipStatus ? { sipStatus: called.sipStatus } : {}), detail: called.detail, endedAt: d.clock.now() };
      }
      return await this.answered(req, called.leg, reservation, contact, signal, log);
    } finally {
      reservation?.release();
    }
  }

  /** the attempt ends before an agent: the agent is freed at once, the callback leaves the line */
  private giveUp(reservation: ReservationHandle | null, contactId: string): void {
    reservation?.release();
    this.deps.queue.remove(contactId);
  }

  /** the customer answered: AMD, then the agent, the machine's message or a hang-up */
  private async answered(
    req: DialRequest,
    leg: CustomerLeg,
    reservation: ReservationHandle | null,
    contact: QueuedContact,
    signal: AbortSignal,
    log: Logger,
  ): Promise<AttemptResult> {
    const d = this.deps;
    const contactId = contact.contactId;
    const svc = d.service(req.serviceName);
    const clog = log.child({ callId: leg.callId });
    const answeredAt = d.clock.now();
    req.onProgress?.('ANSWERED');
    clog.info('customer answered');
    const onAbort = () => void leg.hangup().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const detected = await this.detect(leg, req);
      let { amd, run } = detected;
      let action = decide(amd.decision, svc);
      const { connectMode, connectModeFrom } = connectModeOf(req.connectMode, d.connectMode ?? 'bridge');
      clog.info({ decision: amd.decision, decisionMs: amd.decisionMs, action, ...(action === 'connect' ? { connectMode, connectModeFrom } : {}) }, 'AMD decided');
      if (action !== 'leave_message') await stopAmd(leg, run);
      let pendingKey: Promise<unknown> | null = null;
      if (action === 'connect' && svc.answerCheck) {
        const check = await this.answerCheck(leg, req, svc.answerCheck, clog);
        if (check.kind === 'no_key') {
          await stopAmd(leg, check.watch);
          this.giveUp(reservation, contactId);
          await leg.hangup().catch(() => undefined);
          const detail = check.digits ? `answer check: key "${check.digits}" instead of "${svc.answerCheck.digit}"` : 'answer check: no key';
          return { callId: leg.callId, answeredAt, amd, outcome: 'NO_CONFIRMATION', detail, endedAt: d.clock.now() };
        }
        if (check.kind === 'machine') {
          amd = { decision: 'MACHINE', decisionMs: d.clock.now() - answeredAt, evidence: { reason: 'answer_check_speech_ran_on', first: amd, check: check.result } };
          action = svc.machine;
          run = check.watch;
          pendingKey = check.pendingKey;
          clog.info({ decision: amd.decision, action, check: check.result.evidence?.reason }, 'AMD re-classified during the answer check');
          if (action !== 'leave_message') await stopAmd(leg, run);
        } else await stopAmd(leg, check.watch);
      }
      const base = { callId: leg.callId, answeredAt, amd };
      if (action !== 'connect') {
        this.giveUp(reservation, contactId);
        if (action === 'leave_message') {
          // the announcement (and its wait for a key) ends before the message starts
          if (pendingKey) await pendingKey.catch(() => undefined);
          await this.leaveMessage(leg, run, svc, clog);
        }
        await leg.hangup().catch(() => undefined);
        return { ...base, outcome: outcomeOf(amd.decision), endedAt: d.clock.now() };
      }
      if (!reservation) await leg.play([svc.prompts.pleaseHold]);
      const agentHeaders = { 'X-Callback-Id': req.callbackId, 'X-Callback-Attempt': String(req.attemptNumber), 'X-Customer-Number': req.customerNumber, 'X-Amd-Result': amd.decision };
      const done = await connectToAgent(leg, contact, reservation, connectMode, { ...d, holdPrompt: svc.prompts.pleaseHold, holdMusic: svc.prompts.holdMusic, afterCallWorkSec: req.afterCallWorkSec }, clog, agentHeaders);
      if (done.outcome === 'CONNECTED_TO_AGENT') {
        req.onProgress?.('CONNECTED');
        return { ...base, outcome: 'CONNECTED_TO_AGENT', agentId: done.agentId, connectedAt: done.connectedAt, endedAt: done.endedAt, ...(done.transfers.length ? { transfers: done.transfers } : {}) };
      }
      await leg.hangup().catch(() => undefined);
      const fault = done.outcome === 'CUSTOMER_HANGUP' ? faultEnding(leg) : undefined;
      if (fault) return { ...base, outcome: 'FAILED', detail: fault.endReason, endedAt: d.clock.now() };
      return { ...base, outcome: done.outcome, detail: done.detail, endedAt: d.clock.now() };
    } catch (err) {
      // read before our own hang-up below aborts the leg's signal too: only a leg that had already ended
      // (the customer hung up, or the attempt was aborted) is a hang-up; any other error is a failure
      const customerGone = leg.signal.aborted;
      this.giveUp(reservation, contactId);
      await leg.hangup().catch(() => undefined);
      const fault = faultEnding(leg);
      if (customerGone && fault) {
        clog.warn({ reason: fault.endReason }, 'call ended by a failure before reaching an agent');
        return { callId: leg.callId, answeredAt, outcome: 'FAILED', detail: fault.endReason, endedAt: d.clock.now() };
      }
      if (customerGone) {
        clog.info('customer hung up before reaching an agent');
        return { callId: leg.callId, answeredAt, outcome: signal.aborted ? 'FAILED' : 'CUSTOMER_HANGUP', endedAt: d.clock.now() };
      }
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** AMD on the forked audio, bounded by amdTimeoutMs (NOTSURE) and by the customer hanging up (the leg's signal) */
  private async detect(leg: CustomerLeg, req: DialRequest): Promise<{ amd: AmdResult; run: AmdRun }> {
    const started = this.deps.clock.now();
    const run = await leg.startAmd(`${req.callbackId}:${req.attemptId}`, req.amd);
    let timer: TimerHandle | undefined;
    const timeout = new Promise<AmdResult>((resolve) => {
      timer = this.timers.schedule(this.deps.amdTimeoutMs, () => resolve({ decision: 'NOTSURE', decisionMs: this.deps.clock.now() - started, evidence: { timeout: true } }));
    });
    try {
      return { amd: await unlessEnded(Promise.race([run.result, timeout]), leg.signal), run };
    } catch (err) {
      await stopAmd(leg, run);
      throw err;
    } finally {
      timer?.cancel();
    }
  }

  /**
   * The answer check: the announcement plays and waits for the key while the AMD keeps listening. The first
   * of: the key (the right one: confirmed; another, or none in time: no_key), or the AMD hearing speech run on
   * over the announcement, or a beep (machine). The customer hanging up rejects with the leg's CallEndedError.
   */
  private async answerCheck(leg: CustomerLeg, req: DialRequest, check: AnswerCheck, log: Logger): Promise<CheckOutcome> {
    const watch = await leg.startAmd(`${req.callbackId}:${req.attemptId}:check`, answerCheckAmdParams(check, req.amd));
    log.info({ digit: check.digit }, 'answer check: announcement playing, waiting for the key');
    const key = leg.collect({ prompts: [check.prompt], maxDigits: 1, timeoutMs: check.timeoutMs, digitTimeoutMs: check.timeoutMs });
    key.catch(() => undefined);
    const machine = watch.result.then(
      (r) => (r.decision === 'MACHINE' ? r : new Promise<never>(() => undefined)),
      () => new Promise<never>(() => undefined),
    );
    const first = await unlessEnded(
      Promise.race([key.then((digits) => ({ digits })), machine.then((result) => ({ result }))]),
      leg.signal,
    );
    if ('result' in first) {
      log.info({ reason: first.result.evidence?.reason }, 'answer check: speech ran on over the announcement');
      return { kind: 'machine', watch, result: first.result, pendingKey: key };
    }
    if (first.digits === check.digit) {
      log.info('answer check: confirmed');
      return { kind: 'confirmed', watch };
    }
    log.info({ digits: first.digits }, 'answer check: not confirmed');
    return { kind: 'no_key', digits: first.digits, watch };
  }

  /** wait for the record tone (bounded), then play the service's message */
  private async leaveMessage(leg: CustomerLeg, run: AmdRun, svc: ServiceCallSettings, log: Logger): Promise<void> {
    let timer: TimerHandle | undefined;
    const beep = await Promise.race([run.beep, new Promise<null>((r) => (timer = this.timers.schedule(this.deps.beepTimeoutMs, () => r(null))))]);
    timer?.cancel();
    await stopAmd(leg, run);
    log.info({ beepMs: beep }, beep === null ? 'no beep heard; leaving the message anyway' : 'beep heard; leaving the message');
    await leg.play([svc.prompts.machineMessage]);
  }
}

/** forkAudioStop can answer -ERR after the far end closed: that is stopped too */
async function stopAmd(leg: CustomerLeg, run: AmdRun): Promise<void> {
  run.cancel();
  await leg.stopAmd().catch(() => undefined);
}

function decide(decision: AmdResult['decision'], svc: ServiceCallSettings): 'connect' | 'hangup' | 'leave_message' {
  switch (decision) {
    case 'HUMAN':
      return 'connect';
    case 'MACHINE':
      return svc.machine;
    case 'NOTSURE':
      return svc.notSure;
    case 'NO_SPEECH':
      return svc.noSpeech;
    case 'FAX':
      return 'hangup';
  }
}

function outcomeOf(decision: AmdResult['decision']): AttemptOutcome {
  return decision === 'HUMAN' ? 'CONNECTED_TO_AGENT' : decision;
}

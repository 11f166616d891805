import pino from 'pino';
import type { AmdResult } from '../../../src/ports/dialer';
import type { EwtMethod, QueuePort, QueuedContact, Reservation, ReservationHandle } from '../../../src/ports/queue';
import { reservationHandle } from '../../../src/queue/reservation-handle';
import type { CallbackRequester, InteractionRecord, InteractionRecorder, StartCallbackResult } from '../../../src/ports/callbacks';
import { CallEndedError, type AgentCallResult, type AgentCalls, type AgentLeg, type AmdRun, type CallLeg, type CollectOptions, type CustomerCallResult, type CustomerCalls, type CustomerDialOptions, type CustomerLeg, type Playing, type ReferResult } from '../../../src/flows/call';
import { DEFAULT_PROMPTS } from '../../../src/telephony/config';
import { resolvePrompts } from '../../../src/flows/prompts';
import type { IvrDeps, IvrSettings } from '../../../src/flows/ivr-offer';
import { systemClock } from '../../../src/time';

export const log = pino({ level: 'silent' });
export const prompts = resolvePrompts('/p', DEFAULT_PROMPTS, {});
export const tick = () => new Promise((r) => setImmediate(r));

/** a scripted call leg: each collect() takes the next answer; 'HANGUP' ends the call there */
export class FakeLeg implements CustomerLeg {
  readonly played: string[][] = [];
  readonly collects: CollectOptions[] = [];
  readonly log: string[] = [];
  hangupReason: string | undefined;
  hungUpByUs = false;
  private readonly end = new AbortController();
  readonly signal: AbortSignal = this.end.signal;
  /** how many times `signal` fired its abort event */
  aborts = 0;
  amd: AmdResult = { decision: 'HUMAN', decisionMs: 1200 };
  beepMs: number | null = null;
  amdStarted = 0;
  amdStopped = 0;
  /** every AMD run's session key and parameters */
  readonly amdRuns: { key: string; params: Record<string, unknown> | undefined }[] = [];
  /** what the second and later AMD runs (the answer check's) decide; null: they never decide */
  watchAmd: AmdResult | null = null;

  constructor(
    readonly callId: string,
    private readonly answers: string[] = [],
    /** end the call when a prompt containing this text is played */
    private readonly hangupOnPrompt?: string,
  ) {
    this.signal.addEventListener('abort', () => this.aborts++);
  }

  isEnded(): boolean {
    return this.signal.aborted;
  }

  /** the far end hangs up */
  farEndHangup(): void {
    if (this.signal.aborted) return;
    this.log.push('far-end-bye');
    this.end.abort(new CallEndedError(this.callId, 'far end hung up'));
  }

  /** its media server was lost: the leg ends as a fault (FsCallLeg sends the BYE) */
  mediaLost(): void {
    if (this.signal.aborted) return;
    this.log.push('media-lost');
    this.end.abort(new CallEndedError(this.callId, 'media server lost', true));
  }

  async play(p: string[]): Promise<void> {
    this.signal.throwIfAborted();
    this.played.push(p);
    this.log.push(`play ${p.map((x) => x.replace(/^.*\//, '')).join(',')}`);
    if (this.hangupOnPrompt && p.some((x) => x.includes(this.hangupOnPrompt!))) {
      this.farEndHangup();
      this.signal.throwIfAborted();
    }
  }

  async collect(o: CollectOptions): Promise<string> {
    await this.play(o.prompts);
    this.collects.push(o);
    let a = this.answers.shift() ?? '';
    if (a === 'HOLD') {
      // nothing typed, and the prompt goes on until the call ends
      this.log.push('collect holding');
      await new Promise<never>((_r, reject) => this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true }));
    }
    if (a === 'LATE') {
      // nothing typed, after a while
      for (let i = 0; i < 10; i++) await tick();
      a = '';
    }
    if (a === 'HANGUP') {
      this.farEndHangup();
      this.signal.throwIfAborted();
    }
    if (a === 'MEDIA_LOST') {
      this.mediaLost();
      this.signal.throwIfAborted();
    }
    this.log.push(`digits "${a}"`);
    return a;
  }

  loop(prompt: string): Playing {
    this.log.push(`loop ${prompt.replace(/^.*\//, '')}`);
    return { stop: async () => void this.log.push('loop stopped') };
  }

  async hangup(reason?: string): Promise<void> {
    if (this.signal.aborted) return;
    this.hangupReason = reason;
    this.hungUpByUs = true;
    this.log.push(`bye${reason ? ` Reason: ${reason}` : ''}`);
    this.end.abort(new CallEndedError(this.callId, 'hung up by us'));
  }

  async startAmd(key = '', params?: Record<string, unknown>): Promise<AmdRun> {
    this.amdStarted++;
    this.amdRuns.push({ key, params });
    if (this.amdStarted > 1) {
      const result = this.watchAmd ? Promise.resolve(this.watchAmd) : new Promise<AmdResult>(() => undefined);
      return { result, beep: Promise.resolve(this.beepMs), cancel: () => undefined };
    }
    return { result: Promise.resolve(this.amd), beep: Promise.resolve(this.beepMs), cancel: () => undefined };
  }

  async stopAmd(): Promise<void> {
    this.amdStopped++;
  }
}

export class FakeAgentCalls implements AgentCalls {
  readonly calls: { uri: string; kind: 'bridge' | 'refer' | 'dial'; headers?: Record<string, string> }[] = [];
  /** the media operations in order: 'join customer-1 agent-2', 'split agent-1' */
  readonly media: string[] = [];
  /** per call, in order: 'answer' | a SIP status to fail with; refer: 'ok' | status */
  constructor(
    private readonly bridgeScript: (number | 'answer')[],
    private readonly referScript: (number | 'ok')[] = [],
    /** the agent hangs up this long after answering (ms); undefined = stays until the customer hangs up */
    private readonly agentTalkMs?: number,
  ) {}
  readonly agentLegs: FakeLeg[] = [];

  async bridge(customer: CallLeg, uri: string, _ringMs?: number, _signal?: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult> {
    const r = await this.place(customer, uri, 'bridge', headers);
    if (r.kind === 'answered') this.media.push(`join ${customer.callId} ${r.leg.callId}`);
    return r;
  }

  dial(near: CallLeg, uri: string, _ringMs: number, _signal: AbortSignal, headers?: Record<string, string>): Promise<AgentCallResult> {
    return this.place(near, uri, 'dial', headers);
  }

  async join(a: CallLeg | AgentLeg, b: CallLeg | AgentLeg): Promise<void> {
    this.media.push(`join ${a.callId} ${b.callId}`);
  }

  async split(leg: CallLeg | AgentLeg): Promise<void> {
    this.media.push(`split ${leg.callId}`);
  }

  private async place(customer: CallLeg, uri: string, kind: 'bridge' | 'dial', headers?: Record<string, string>): Promise<AgentCallResult> {
    this.calls.push({ uri, kind, ...(headers ? { headers } : {}) });
    if (customer.signal.aborted) return { kind: 'failed', detail: 'customer gone' };
    const step = this.bridgeScript.shift() ?? 480;
    if (step !== 'answer') return { kind: 'failed', sipStatus: step, detail: `agent ${step}` };
    const leg = new FakeLeg(`agent-${this.agentLegs.length + 1}`);
    this.agentLegs.push(leg);
    if (this.agentTalkMs !== undefined) setTimeout(() => leg.farEndHangup(), this.agentTalkMs);
    return { kind: 'answered', leg };
  }

  async refer(_customer: CallLeg, uri: string): Promise<ReferResult> {
    this.calls.push({ uri, kind: 'refer' });
    const step = this.referScript.shift() ?? 603;
    return step === 'ok' ? { kind: 'transferred' } : { kind: 'failed', sipStatus: step, detail: `refer ${step}` };
  }
}

export class FakeCustomers implements CustomerCalls {
  readonly dials: CustomerDialOptions[] = [];
  constructor(private readonly result: () => CustomerCallResult) {}
  async dial(o: CustomerDialOptions): Promise<CustomerCallResult> {
    this.dials.push(o);
    return this.result();
  }
}

/** a queue whose EWT and reservations are scripted; records every call */
export class FakeQueue implements QueuePort {
  readonly events: string[] = [];
  readonly waiting = new Map<string, QueuedContact>();
  /** every EWT question: the target and the method asked for (undefined = the target's own) */
  readonly ewtAsked: { target: string; method: EwtMethod | undefined }[] = [];
  /** the EWT answered for a method asked by name (otherwise `ewt`) */
  ewtByMethod: Partial<Record<EwtMethod, number>> = {};
  private n = 0;
  constructor(
    public ewt = 30,
    /** agents handed out in order by reserveAgentFor; null = none (timeout) */
    private readonly agents: (string | null)[] = ['a1', 'a2', 'a3'],
  ) {}
  hasTarget(): boolean {
    return true;
  }
  estimatedWaitSeconds(target: string, method?: EwtMethod): number {
    this.ewtAsked.push({ target, method });
    return (method && this.ewtByMethod[method]) ?? this.ewt;
  }
  enqueue(c: QueuedContact): void {
    this.waiting.set(c.contactId, c);
    this.events.push(`enqueue ${c.kind}`);
  }
  remove(id: string): void {
    if (this.waiting.delete(id)) this.events.push('remove');
  }
  async reserveAgentFor(contactId: string, o: { timeoutMs: number; signal?: AbortSignal }): Promise<ReservationHandle | null> {
    if (o.signal?.aborted) return null;
    const agent = this.agents.shift();
    if (!agent) {
      this.events.push('reserve -> none');
      return null;
    }
    this.waiting.delete(contactId);
    const r: Reservation = { reservationId: `r${++this.n}`, target: 't', agent: { agentId: agent, uri: `sip:${agent}@agents` }, expiresAt: Date.now() + 30_000 };
    this.events.push(`reserve ${agent}`);
    return reservationHandle(r, this);
  }
  // what the handles it gives out call (each at most once per reservation)
  confirm(id: string): void {
    this.events.push(`confirm ${id}`);
  }
  release(id: string, o?: { agentFault?: boolean }): void {
    this.events.push(`release ${id}${o?.agentFault ? ' agentFault' : ''}`);
  }
  callEnded(id: string, o?: { afterCallWorkSec?: number }): void {
    this.events.push(`callEnded ${id}${o?.afterCallWorkSec !== undefined ? ` acw ${o.afterCallWorkSec}` : ''}`);
  }
}

export class FakeCallbacks implements CallbackRequester {
  readonly requests: { service: string; params: Record<string, string>; clientId: string }[] = [];
  constructor(private readonly behave: (params: Record<string, string>) => StartCallbackResult | Error = () => ({ id: 'cb-1', existing: false, reporting: { _CB_SERVICE_ID: 'cb-1', _CB_T_SERVICE_START: 1000, _CB_T_CALLBACK_ACCEPTED: 1001 } })) {}
  async startCallback(service: string, params: Record<string, string>, clientId: string): Promise<StartCallbackResult> {
    this.requests.push({ service, params, clientId });
    const r = this.behave(params);
    if (r instanceof Error) throw r;
    return r;
  }
}

export class FakeRecorder implements InteractionRecorder {
  readonly records: InteractionRecord[] = [];
  async record(i: InteractionRecord): Promise<void> {
    this.records.push(i);
  }
}

export const connectSettings = { agentRingTimeoutSec: 5, maxAgentAttempts: 3, reserveTimeoutSec: 5, referTimeoutMs: 1000 };

/** a logger whose lines (parsed) are kept, to assert what a flow logged */
export function capturingLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log: logger, lines };
}

/**
 * the IVR's dependencies over the fakes; `ivr` overrides the settings (threshold 120 by default), `connect`
 * the connect mode (bridge by default), `agents` the agents' phones (one that answers a bridge)
 */
export function ivrDeps(o: {
  queue: QueuePort;
  callbacks?: CallbackRequester;
  ivr?: Partial<IvrSettings>;
  targetEwtMethod?: (target: string) => EwtMethod | undefined;
  agents?: AgentCalls;
  connect?: Pick<IvrDeps, 'connectMode' | 'connectModeFrom'>;
}): IvrDeps {
  return {
    queue: o.queue,
    callbacks: o.callbacks ?? new FakeCallbacks(),
    interactions: new FakeRecorder(),
    agents: o.agents ?? new FakeAgentCalls(['answer'], [], 5),
    prompts,
    clock: systemClock,
    settings: connectSettings,
    holdPrompt: prompts.pleaseHold,
    holdMusic: prompts.holdMusic,
    ivr: { ewtThresholdSec: 120, maxRetries: 1, inputTimeoutMs: 100, digitTimeoutMs: 100, maxQueueWaitSec: 0, defaultRegion: 'US', ...o.ivr },
    connectMode: 'bridge',
    ...o.connect,
    ...(o.targetEwtMethod ? { targetEwtMethod: o.targetEwtMethod } : {}),
  };
}

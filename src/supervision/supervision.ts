import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../errors';
import type { Clock } from '../time';

/**
 * A supervisor on an agent's call, from their own softphone:
 * - listen: hears the agent and the customer, nobody hears them;
 * - whisper: the agent hears them too, the customer does not;
 * - barge: both hear them (a three-way call).
 */
export const SUPERVISION_MODES = ['listen', 'whisper', 'barge'] as const;
export type SupervisionMode = (typeof SUPERVISION_MODES)[number];

/** who hears the supervisor in each mode (the supervisor always hears both sides) */
export const HEARD_BY: Readonly<Record<SupervisionMode, { agent: boolean; customer: boolean }>> = {
  listen: { agent: false, customer: false },
  whisper: { agent: true, customer: false },
  barge: { agent: true, customer: true },
};

/** an agent's call in progress (bridged to a customer), as the telephony layer knows it */
export interface LiveCall {
  agentId: string;
  /** the agent leg's SIP Call-ID */
  callId: string;
  customerCallId: string;
  /** when the agent answered (ms) */
  since: number;
}

/** the supervisor's softphone on a call, in one mode; `signal` aborts when that leg ends (either side) */
export interface ListeningLeg {
  readonly signal: AbortSignal;
  setMode(mode: SupervisionMode): Promise<void>;
  hangup(): Promise<void>;
}

export type ListenInResult = { kind: 'listening'; leg: ListeningLeg } | { kind: 'failed'; sipStatus?: number; detail: string };

/** what the supervision needs of telephony (src/telephony/supervision-calls.ts) and the supervisors' phones */
export interface SupervisionPorts {
  /** a configured supervisor */
  isSupervisor(supervisorId: string): boolean;
  /** the supervisor's registered softphone contact */
  phoneOf(supervisorId: string): string | undefined;
  /** every agent's call in progress */
  liveCalls(): LiveCall[];
  /** ring the supervisor's phone; once answered, it hears `call` in `mode` */
  listenIn(req: { sessionId: string; supervisorId: string; supervisorUri: string; call: LiveCall; mode: SupervisionMode }): Promise<ListenInResult>;
}

export type SessionState = 'ringing' | 'active';

export interface SupervisionSessionView {
  id: string;
  supervisorId: string;
  agentId: string;
  callId: string;
  mode: SupervisionMode;
  state: SessionState;
  startedAt: number;
}

/** why a supervisor may not start listening to an agent now, or undefined when they may */
export function startRefusal(s: {
  isSupervisor: boolean;
  phone: string | undefined;
  call: LiveCall | undefined;
  supervisorBusy: boolean;
}): DomainError | undefined {
  if (!s.isSupervisor) return new DomainError('NOT_FOUND', 'no such supervisor', 'supervisorId');
  if (!s.call) return new DomainError('CONFLICT', 'the agent is not on a call', 'agentId');
  if (!s.phone) return new DomainError('CONFLICT', "the supervisor's softphone is not registered (open the supervisor page and sign in its phone)", 'supervisorId');
  if (s.supervisorBusy) return new DomainError('CONFLICT', 'the supervisor is already on a call; end it or change its mode', 'supervisorId');
  return undefined;
}

/** what the agent is told while supervised: nothing unless the config says so (`supervision.tellAgent`) */
export function agentNotice(tellAgent: boolean, sessions: readonly SupervisionSessionView[], agentId: string): { mode: SupervisionMode } | undefined {
  if (!tellAgent) return undefined;
  const on = sessions.filter((s) => s.agentId === agentId && s.state === 'active');
  if (on.length === 0) return undefined;
  // the loudest mode wins: a barge is what the agent most needs to know about
  const rank = (m: SupervisionMode) => SUPERVISION_MODES.indexOf(m);
  return { mode: on.map((s) => s.mode).reduce((a, b) => (rank(b) > rank(a) ? b : a)) };
}

interface Session {
  view: SupervisionSessionView;
  leg?: ListeningLeg;
}

export type SupervisionEvent = { kind: 'started' | 'changed' | 'ended'; session: SupervisionSessionView };

/**
 * Supervisors listening to, whispering to, or barging in on agents' calls. One session per supervisor at a
 * time; a session ends when the supervisor's leg ends (they hang up, the agent's call ends) or by `stop`.
 */
export class SupervisionService {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(e: SupervisionEvent) => void>();

  constructor(
    private readonly ports: SupervisionPorts,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly tellAgent: boolean,
  ) {}

  liveCalls(): LiveCall[] {
    return this.ports.liveCalls();
  }

  list(): SupervisionSessionView[] {
    return [...this.sessions.values()].map((s) => ({ ...s.view }));
  }

  get(id: string): SupervisionSessionView {
    const s = this.sessions.get(id);
    if (!s) throw new DomainError('NOT_FOUND', 'no such supervision session', 'id');
    return { ...s.view };
  }

  /** what the agent's page shows (see agentNotice) */
  noticeFor(agentId: string): { mode: SupervisionMode } | undefined {
    return agentNotice(this.tellAgent, this.list(), agentId);
  }

  onEvent(listener: (e: SupervisionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** ring the supervisor's softphone and, when it answers, join the agent's call in `mode` */
  async start(supervisorId: string, agentId: string, mode: SupervisionMode): Promise<SupervisionSessionView> {
    const call = this.ports.liveCalls().find((c) => c.agentId === agentId);
    const phone = this.ports.phoneOf(supervisorId);
    const refusal = startRefusal({
      isSupervisor: this.ports.isSupervisor(supervisorId),
      phone,
      call,
      supervisorBusy: [...this.sessions.values()].some((s) => s.view.supervisorId === supervisorId),
    });
    if (refusal || !call || !phone) throw refusal ?? new DomainError('CONFLICT', 'cannot start');
    const view: SupervisionSessionView = { id: randomUUID(), supervisorId, agentId, callId: call.callId, mode, state: 'ringing', startedAt: this.clock.now() };
    const session: Session = { view };
    this.sessions.set(view.id, session);
    const log = this.logger.child({ supervisionId: view.id, supervisorId, agentId, callId: call.callId, customerCallId: call.customerCallId });
    log.info({ mode }, 'supervisor joining an agent call');
    let r: ListenInResult;
    try {
      r = await this.ports.listenIn({ sessionId: view.id, supervisorId, supervisorUri: phone, call, mode });
    } catch (err) {
      this.sessions.delete(view.id);
      throw err;
    }
    if (r.kind === 'failed') {
      this.sessions.delete(view.id);
      log.warn({ sipStatus: r.sipStatus, detail: r.detail }, 'supervisor could not join');
      throw new DomainError('CONFLICT', `the supervisor's phone did not join the call: ${r.detail}`);
    }
    if (r.leg.signal.aborted || !this.sessions.has(view.id)) {
      this.sessions.delete(view.id);
      await r.leg.hangup().catch(() => undefined);
      throw new DomainError('CONFLICT', 'the call ended as the supervisor joined');
    }
    session.leg = r.leg;
    view.state = 'active';
    r.leg.signal.addEventListener('abort', () => this.ended(view.id, log), { once: true });
    this.emit({ kind: 'started', session: { ...view } });
    return { ...view };
  }

  /** switch between listen, whisper and barge during the session */
  async setMode(id: string, mode: SupervisionMode): Promise<{ before: SupervisionSessionView; after: SupervisionSessionView }> {
    const s = this.sessions.get(id);
    if (!s) throw new DomainError('NOT_FOUND', 'no such supervision session', 'id');
    if (!s.leg || s.view.state !== 'active') throw new DomainError('CONFLICT', "the supervisor's phone has not answered yet");
    const before = { ...s.view };
    if (s.view.mode !== mode) {
      await s.leg.setMode(mode);
      s.view.mode = mode;
      this.logger.info({ supervisionId: id, agentId: s.view.agentId, callId: s.view.callId, from: before.mode, mode }, 'supervision mode changed');
      this.emit({ kind: 'changed', session: { ...s.view } });
    }
    return { before, after: { ...s.view } };
  }

  /** the supervisor leaves the call (the agent's call goes on) */
  async stop(id: string): Promise<SupervisionSessionView> {
    const s = this.sessions.get(id);
    if (!s) throw new DomainError('NOT_FOUND', 'no such supervision session', 'id');
    const view = { ...s.view };
    await s.leg?.hangup();
    this.ended(id, this.logger.child({ supervisionId: id, agentId: view.agentId, callId: view.callId }));
    return view;
  }

  /** hang up every supervisor (shutdown) */
  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.leg?.hangup().catch(() => undefined)));
    this.sessions.clear();
  }

  private ended(id: string, log: Logger): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    log.info({ mode: s.view.mode, listenedMs: this.clock.now() - s.view.startedAt }, 'supervisor left the call');
    this.emit({ kind: 'ended', session: { ...s.view } });
  }

  private emit(e: SupervisionEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.warn({ err }, 'supervision listener failed');
      }
    }
  }
}

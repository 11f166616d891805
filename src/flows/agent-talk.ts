import type { Logger } from 'pino';
import type { QueuePort, QueuedContact, ReservationHandle } from '../ports/queue';
import type { AgentCalls, AgentLeg, CallLeg, Playing } from './call';
import { DomainError, messageOf } from '../errors';
import type { Clock } from '../time';
import { describeTo, RequestInbox, type PendingRequest, type TransferDesk, type TransferRecord, type TransferStatus, type TransferTo } from './transfer';

export interface TalkDeps {
  agents: AgentCalls;
  queue: QueuePort;
  clock: Clock;
  holdMusic: string;
  agentRingTimeoutMs: number;
  /** how long a consultation waits for a target's next free agent */
  reserveTimeoutMs: number;
  /** the service's wrap-up time after the call (unset: the target's own) */
  afterCallWorkSec?: number;
  /** where the agents' REST requests find this call; without it the call cannot be transferred */
  transfers?: TransferDesk;
}

export interface TalkContext {
  /** the contact as the queue knows it: a transfer reserves the next agent for it, or puts it in a line */
  contact: QueuedContact;
  /** what the second agent's phone shows (X-Callback-Id, X-Customer-Number...) */
  headers?: Record<string, string>;
  /** each transfer, as it happens (the attempt's history) */
  onTransfer(record: TransferRecord): void;
}

/** an agent talking to the customer: their leg and the reservation that made them BUSY */
export interface Connected {
  agentId: string;
  leg: AgentLeg;
  reservation: ReservationHandle;
}

export type TalkEnd =
  /** the call is over (both legs hung up, the last agent's call ended in the queue) */
  | { kind: 'ended'; endedBy: 'customer' | 'agent'; agentId: string }
  /**
   * a blind transfer: the agent left (into wrap-up); the customer now waits, unbridged, for `next` (the
   * agent reserved for them) or, when null, in the line their contact was put in
   */
  | { kind: 'handed-over'; next: ReservationHandle | null; fromAgentId: string };

/**
 * The conversation of a connected call, until it ends or a blind transfer hands the customer on. The agent
 * on it may transfer it (requests through `deps.transfers`):
 * - blind, to an agent (reserved now, READY or refused) or to a target: the agent leaves into wrap-up and the
 *   caller (connectToAgent) rings the next agent while the customer hears hold music;
 * - consult: the customer is put on hold with music and the second agent rung on their own leg; once they
 *   answer the two agents talk. Complete (or the first agent hanging up): the customer joins the second agent
 *   and the first leaves into wrap-up; cancel (or the second agent hanging up, or not answering): back to the
 *   customer. The customer hanging up ends everything.
 */
export async function talk(customer: CallLeg, first: Connected, deps: TalkDeps, ctx: TalkContext, log: Logger): Promise<TalkEnd> {
  let cur = first;
  try {
    for (;;) {
      const inbox = new RequestInbox();
      const desk = deps.transfers?.attach(cur.agentId, inbox);
      const update = (s: TransferStatus) => desk?.update(s);
      try {
        let next: Connected | undefined;
        while (!next) {
          const ev = await race({ customer: customer.signal, agent: cur.leg.signal, request: deps.transfers ? inbox.next() : undefined });
          if (ev.on !== 'request') return await endAll(customer, cur, ev.on, deps, log);
          const p = ev.value as PendingRequest;
          const req = p.request;
          if (req.kind === 'blind') {
            const handed = await blind(customer, cur, req.to, p, deps, ctx, log);
            if (handed) return handed;
          } else if (req.kind === 'consult') {
            const r = await consult(customer, cur, req.to, p, inbox, update, deps, ctx, log);
            if (r.kind === 'ended' || r.kind === 'handed-over') return r;
            if (r.kind === 'completed') next = r.next;
          } else {
            p.refuse(new DomainError('CONFLICT', `no consultation to ${req.kind}`));
          }
        }
        cur = next;
      } finally {
        desk?.detach();
      }
    }
  } finally {
    // a throw anywhere: the agent still reserved is freed (idempotent after callEnded)
    cur.reservation.release();
  }
}

/** both legs hang up; the agent's call ends in the queue (into wrap-up) */
async function endAll(customer: CallLeg, cur: Connected, first: 'customer' | 'agent', deps: TalkDeps, log: Logger): Promise<TalkEnd> {
  await Promise.all([customer.hangup().catch(() => undefined), cur.leg.hangup().catch(() => undefined)]);
  cur.reservation.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
  log.info({ endedBy: first, agentId: cur.agentId }, 'agent call ended');
  return { kind: 'ended', endedBy: first, agentId: cur.agentId };
}

/** reserve the agent asked for (READY now, or a CONFLICT) */
function reserveAgent(deps: TalkDeps, agentId: string, contact: QueuedContact): ReservationHandle {
  if (!deps.queue.reserveAgent) throw new DomainError('CONFLICT', 'this queue cannot reserve a given agent');
  return deps.queue.reserveAgent(agentId, contact);
}

function refusal(err: unknown): DomainError {
  return err instanceof DomainError ? err : new DomainError('CONFLICT', messageOf(err));
}

/** a blind transfer: undefined when refused (the call goes on as it was) */
async function blind(customer: CallLeg, cur: Connected, to: TransferTo, p: PendingRequest, deps: TalkDeps, ctx: TalkContext, log: Logger): Promise<TalkEnd | undefined> {
  let next: ReservationHandle | null = null;
  try {
    if ('agentId' in to) next = reserveAgent(deps, to.agentId, ctx.contact);
    else if (!deps.queue.hasTarget(to.target)) throw new DomainError('NOT_FOUND', `no target "${to.target}"`, 'target');
  } catch (err) {
    p.refuse(refusal(err));
    return undefined;
  }
  p.accept({ phase: 'talking', last: `handed over to ${describeTo(to)}` });
  ctx.onTransfer({ at: deps.clock.now(), mode: 'blind', fromAgentId: cur.agentId, to, ...(next ? { toAgentId: next.agent.agentId } : {}), result: 'handed-over' });
  log.info({ agentId: cur.agentId, to, reservedAgentId: next?.agent.agentId }, 'blind transfer: the agent hands the customer over');
  // parks the customer (and the agent's leg, hung up next) rather than ending either with the bridge
  await deps.agents.split(customer).catch((err: unknown) => log.warn({ err }, 'could not unbridge the customer'));
  await cur.leg.hangup().catch(() => undefined);
  cur.reservation.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
  if ('target' in to) deps.queue.enqueue({ ...ctx.contact, target: to.target });
  return { kind: 'handed-over', next, fromAgentId: cur.agentId };
}

type ConsultEnd = { kind: 'back' } | { kind: 'completed'; next: Connected } | TalkEnd;

/**
 * A consultation: the customer on hold (music), the second agent on their own leg, then complete or cancel.
 * The agent reached is reserved for the customer's contact (a target's next free agent found by its line like
 * any contact); completing carries that reservation on with the customer.
 */
async function consult(
  customer: CallLeg,
  cur: Connected,
  to: TransferTo,
  p: PendingRequest,
  inbox: RequestInbox,
  update: (s: TransferStatus) => void,
  deps: TalkDeps,
  ctx: TalkContext,
  log: Logger,
): Promise<ConsultEnd> {
  // the customer's own contact (in no line while they talk): the second agent's call is theirs, and a target's
  // line serves it by the customer's wait
  const consultContact: QueuedContact = { ...ctx.contact, target: 'target' in to ? to.target : ctx.contact.target };
  let handle: ReservationHandle | null = null;
  try {
    if ('agentId' in to) handle = reserveAgent(deps, to.agentId, consultContact);
    else if (!deps.queue.hasTarget(to.target)) throw new DomainError('NOT_FOUND', `no target "${to.target}"`, 'target');
  } catch (err) {
    p.refuse(refusal(err));
    return { kind: 'back' };
  }
  const record = (result: TransferRecord['result'], toAgentId?: string) =>
    ctx.onTransfer({ at: deps.clock.now(), mode: 'consult', fromAgentId: cur.agentId, to, ...(toAgentId ? { toAgentId } : {}), result });
  const ringing: TransferStatus = { phase: 'consult-ringing', to, ...(handle ? { toAgentId: handle.agent.agentId } : {}) };
  p.accept(ringing);
  update(ringing);
  const clog = log.child({ consult: true, to });
  clog.info('consultation: the customer on hold, calling the second agent');

  await deps.agents.split(customer).catch((err: unknown) => clog.warn({ err }, 'could not unbridge the customer'));
  const music: Playing = customer.loop(deps.holdMusic);
  const ring = new AbortController();
  const headers = { ...ctx.headers, 'X-Consult-From': cur.agentId };
  const reaching = (async () => {
    if (!handle) {
      deps.queue.enqueue(consultContact);
      handle = await deps.queue.reserveAgentFor(consultContact.contactId, { timeoutMs: deps.reserveTimeoutMs, signal: ring.signal });
      if (!handle) {
        deps.queue.remove(consultContact.contactId);
        return null;
      }
      update({ ...ringing, toAgentId: handle.agent.agentId });
    }
    return deps.agents.dial(customer, handle.agent.uri, deps.agentRingTimeoutMs, ring.signal, headers);
  })();
  /** back to the customer: music off, bridged again to the first agent */
  const backToCustomer = async (last: string): Promise<ConsultEnd> => {
    await music.stop();
    await deps.agents.join(customer, cur.leg);
    update({ phase: 'talking', last });
    clog.info({ last }, 'consultation over: back to the customer');
    return { kind: 'back' };
  };
  const firstGone = () => cur.leg.signal.aborted;

  try {
    // 1. ringing (or waiting for the target's next free agent)
    let second: AgentLeg | undefined;
    while (!second) {
      const ev = await race({ customer: customer.signal, agent: firstGone() ? undefined : cur.leg.signal, request: inbox.next(), reached: reaching });
      if (ev.on === 'agent') {
        clog.info('the first agent hung up during the consultation: the customer goes to the second agent');
        continue;
      }
      if (ev.on === 'request' && (ev.value as PendingRequest).request.kind !== 'cancel') {
        (ev.value as PendingRequest).refuse(new DomainError('CONFLICT', 'the consultation is ringing: cancel it, or wait for the answer'));
        continue;
      }
      if (ev.on === 'customer' || ev.on === 'request') {
        ring.abort();
        const r = await reaching;
        if (r?.kind === 'answered') await r.leg.hangup().catch(() => undefined);
        handle?.release();
        deps.queue.remove(consultContact.contactId);
        if (ev.on === 'customer') return await endAll(customer, cur, 'customer', deps, log);
        (ev.value as PendingRequest).accept({ phase: 'talking', last: 'consultation cancelled' });
        record('cancelled', handle?.agent.agentId);
        if (firstGone()) return await intoLine(customer, music, deps, ctx, cur);
        return await backToCustomer('consultation cancelled');
      }
      const r = await reaching;
      if (!r || r.kind === 'failed') {
        const who = handle?.agent.agentId;
        handle?.release({ agentFault: r !== null && !customer.signal.aborted });
        deps.queue.remove(consultContact.contactId);
        record('no-answer', who);
        const last = r ? `${who} did not answer` : `nobody of ${describeTo(to)} was free`;
        clog.info({ detail: r?.detail, sipStatus: r?.sipStatus }, 'consultation: the second agent was not reached');
        if (customer.signal.aborted) return await endAll(customer, cur, 'customer', deps, log);
        if (firstGone()) return await intoLine(customer, music, deps, ctx, cur);
        return await backToCustomer(`${last}; back to the customer`);
      }
      handle!.confirm();
      second = r.leg;
    }
    const secondConnected: Connected = { agentId: handle!.agent.agentId, leg: second, reservation: handle! };

    // 2. the two agents talk (unless the first already hung up: then straight to complete)
    let request: PendingRequest | undefined;
    if (!firstGone()) {
      await deps.agents.join(cur.leg, second);
      update({ phase: 'consulting', to, toAgentId: secondConnected.agentId });
      clog.info({ toAgentId: secondConnected.agentId }, 'consultation: the agents talk');
      for (;;) {
        const ev = await race({ customer: customer.signal, agent: cur.leg.signal, second: second.signal, request: inbox.next() });
        if (ev.on === 'customer') {
          await second.hangup().catch(() => undefined);
          secondConnected.reservation.callEnded({ afterCallWorkSec: 0 });
          return await endAll(customer, cur, 'customer', deps, log);
        }
        if (ev.on === 'agent') break; // the first agent hung up: complete
        request = ev.on === 'request' ? (ev.value as PendingRequest) : undefined;
        if (ev.on === 'second' || request?.request.kind === 'cancel') {
          await deps.agents.split(cur.leg).catch(() => undefined);
          await second.hangup().catch(() => undefined);
          // the consultation was no call of the second agent's own: READY again at once
          secondConnected.reservation.callEnded({ afterCallWorkSec: 0 });
          request?.accept({ phase: 'talking', last: 'consultation cancelled' });
          record('cancelled', secondConnected.agentId);
          return await backToCustomer(ev.on === 'second' ? `${secondConnected.agentId} hung up; back to the customer` : 'consultation cancelled');
        }
        if (request?.request.kind === 'complete') break;
        request?.refuse(new DomainError('CONFLICT', 'a consultation is under way: complete or cancel it first'));
      }
      await deps.agents.split(cur.leg).catch(() => undefined);
    }

    // 3. complete: the first agent leaves into wrap-up, the customer joins the second
    request?.accept({ phase: 'talking', last: `transferred to ${secondConnected.agentId}` });
    await cur.leg.hangup().catch(() => undefined);
    cur.reservation.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
    await music.stop();
    await deps.agents.join(customer, second);
    record('completed', secondConnected.agentId);
    clog.info({ toAgentId: secondConnected.agentId }, 'consultation completed: the customer talks to the second agent');
    return { kind: 'completed', next: secondConnected };
  } finally {
    ring.abort();
  }
}

/** the first agent left and nobody took the consultation: the customer waits in their line for the next agent */
async function intoLine(customer: CallLeg, music: Playing, deps: TalkDeps, ctx: TalkContext, cur: Connected): Promise<TalkEnd> {
  await music.stop();
  cur.reservation.callEnded({ afterCallWorkSec: deps.afterCallWorkSec });
  deps.queue.enqueue(ctx.contact);
  return { kind: 'handed-over', next: null, fromAgentId: cur.agentId };
}

type RaceEntry = AbortSignal | Promise<unknown> | undefined;

/** which of these comes first: a signal aborting, or a promise settling (its value); listeners are removed after */
async function race<K extends string>(entries: Record<K, RaceEntry>): Promise<{ on: K; value?: unknown }> {
  const cleanups: (() => void)[] = [];
  try {
    return await new Promise<{ on: K; value?: unknown }>((resolve, reject) => {
      for (const [on, e] of Object.entries(entries) as [K, RaceEntry][]) {
        if (!e) continue;
        if (e instanceof AbortSignal) {
          if (e.aborted) return resolve({ on });
          const f = () => resolve({ on });
          e.addEventListener('abort', f, { once: true });
          cleanups.push(() => e.removeEventListener('abort', f));
        } else {
          e.then((value) => resolve({ on, value }), reject);
        }
      }
    });
  } finally {
    for (const c of cleanups) c();
  }
}

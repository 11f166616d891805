import { DomainError } from '../errors';
import type { TransferMode, TransferRecord, TransferTo } from '../ports/transfers';

export type { TransferMode, TransferRecord, TransferTo };

/**
 * Transfers of a connected call, asked by the agent on it (the agent page, REST) and carried out by the
 * call's own flow (`talk()` in agent-talk.ts). This module holds what both sides share: what a transfer is,
 * which request a call accepts in which phase (one table), and `TransferDesk`, where each agent's live call
 * is found by the REST edge.
 */

export type TransferRequest = { kind: 'blind'; to: TransferTo } | { kind: 'consult'; to: TransferTo } | { kind: 'complete' } | { kind: 'cancel' };

/**
 * Where the transferring agent's call stands: talking to the customer; consult-ringing (the customer on hold
 * with music, the second agent's phone ringing, or the target's next free agent awaited); consulting (the
 * two agents talk, the customer still on hold).
 */
export type TransferPhase = 'talking' | 'consult-ringing' | 'consulting';

export interface TransferStatus {
  phase: TransferPhase;
  /** during a consult: whom the agent asked for, and the agent reached (once known) */
  to?: TransferTo;
  toAgentId?: string;
  /** what became of the last transfer asked, for the page (e.g. "bob did not answer; back to the customer") */
  last?: string;
}

/** which request each phase accepts; anything else is refused as a CONFLICT */
const ACCEPTS: Record<TransferPhase, readonly TransferRequest['kind'][]> = {
  talking: ['blind', 'consult'],
  'consult-ringing': ['cancel'],
  consulting: ['complete', 'cancel'],
};

/** why a request is refused in this phase (undefined: accepted) */
export function transferRefusal(phase: TransferPhase, request: TransferRequest, fromAgentId: string): string | undefined {
  if (!ACCEPTS[phase].includes(request.kind)) {
    return phase === 'talking' ? `no consultation to ${request.kind}` : `a consultation is ${phase === 'consulting' ? 'under way' : 'ringing'}: complete or cancel it first`;
  }
  if ((request.kind === 'blind' || request.kind === 'consult') && 'agentId' in request.to && request.to.agentId === fromAgentId) return 'an agent cannot transfer a call to themselves';
  return undefined;
}

export const describeTo = (to: TransferTo): string => ('agentId' in to ? `agent ${to.agentId}` : `target ${to.target}`);

/** a request handed to the call's flow; it answers with the new status or a refusal */
export interface PendingRequest {
  request: TransferRequest;
  accept(status: TransferStatus): void;
  refuse(err: DomainError): void;
}

/** the requests for one call, in order, as its flow takes them */
export class RequestInbox {
  private readonly pending: PendingRequest[] = [];
  private wake: (() => void) | undefined;
  private waiting: Promise<PendingRequest> | undefined;

  /** the flow's side: the next request (waits for one); asked again before it came, the same promise */
  next(): Promise<PendingRequest> {
    this.waiting ??= this.take().finally(() => (this.waiting = undefined));
    return this.waiting;
  }

  private async take(): Promise<PendingRequest> {
    while (this.pending.length === 0) await new Promise<void>((r) => (this.wake = r));
    return this.pending.shift()!;
  }

  /** the REST side: hand a request over; settles when the flow has taken it */
  ask(request: TransferRequest): Promise<TransferStatus> {
    return new Promise<TransferStatus>((accept, refuse) => {
      this.pending.push({ request, accept, refuse });
      const w = this.wake;
      this.wake = undefined;
      w?.();
    });
  }

  /** the call ended: requests not taken are refused */
  close(): void {
    for (const p of this.pending.splice(0)) p.refuse(new DomainError('CONFLICT', 'the call ended'));
  }
}

interface LiveCall {
  inbox: RequestInbox;
  status: TransferStatus;
}

/**
 * Each agent's transferable call: the call's flow attaches it while the agent is on it; the REST edge asks
 * it (`request`) and reads its status; the agent page's stream listens for changes (`onChange`).
 */
export class TransferDesk {
  private readonly calls = new Map<string, LiveCall>();
  private readonly listeners = new Set<(agentId: string) => void>();

  /** the flow: `agentId` is on this call now; the returned function detaches it (and refuses what is left) */
  attach(agentId: string, inbox: RequestInbox): { update(status: TransferStatus): void; detach(): void } {
    const call: LiveCall = { inbox, status: { phase: 'talking' } };
    this.calls.set(agentId, call);
    this.changed(agentId);
    return {
      update: (status) => {
        if (this.calls.get(agentId) !== call) return;
        call.status = status;
        this.changed(agentId);
      },
      detach: () => {
        inbox.close();
        if (this.calls.get(agentId) !== call) return;
        this.calls.delete(agentId);
        this.changed(agentId);
      },
    };
  }

  /** the agent's call's transfer status; undefined when the agent is on no transferable call */
  status(agentId: string): TransferStatus | undefined {
    return this.calls.get(agentId)?.status;
  }

  /** ask the agent's call for a transfer; CONFLICT when the agent is on no call or the phase refuses it */
  async request(agentId: string, request: TransferRequest): Promise<TransferStatus> {
    const call = this.calls.get(agentId);
    if (!call) throw new DomainError('CONFLICT', 'you are on no call that can be transferred');
    const refusal = transferRefusal(call.status.phase, request, agentId);
    if (refusal) throw new DomainError('CONFLICT', refusal);
    return call.inbox.ask(request);
  }

  onChange(listener: (agentId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(agentId: string): void {
    for (const l of this.listeners) l(agentId);
  }
}

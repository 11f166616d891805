import type { EwtEstimator } from './ewt-estimator';
import type { QueueState, Target } from './queue-state';

/**
 * When a callback may be dialed: the agents expected free soon must cover every contact that takes an agent
 * first, plus this one. Callbacks let through are counted as being dialed (`target.dialing`) for a while, so
 * one scheduler pass cannot dial more callbacks than agents are expected. See docs/queue.md.
 */
export class Pacing {
  constructor(
    private readonly state: QueueState,
    private readonly ewt: EwtEstimator,
  ) {}

  /**
   * Pacing rule for callbacks: dial a callback only when the agents expected free within the target's
   * `pacingHorizonSec` cover every contact that will take an agent first, plus this one:
   *   expectedAgentsFreeWithin(target, pacingHorizonSec) ≥ ahead + 1
   * `ahead` counts the contacts a flow is connecting now (anywhere in line: they take the next free agent),
   * callbacks being dialed, and live callers before `contactId` in line order (the whole line without it).
   * Callbacks still in virtual hold are not counted: the same rule paces them, in line order.
   *
   * A `true` answer for a `contactId` counts that callback as being dialed until a flow asks an agent for it
   * (`reserveAgentFor`), it leaves the line or is enqueued again, or `pacingHoldSec` passes; so one
   * scheduler pass cannot dial more callbacks than agents are expected.
   */
  canDispatchCallback(t: Target, contactId?: string): boolean {
    const now = this.state.clock.now();
    let ahead = 0;
    let before = contactId !== undefined;
    for (const e of t.line.ordered(now)) {
      const id = e.contact.contactId;
      if (id === contactId) {
        before = false;
        continue;
      }
      if (e.waiter || t.dialing.has(id) || (e.contact.kind === 'caller' && (before || contactId === undefined))) ahead++;
    }
    for (const id of t.dialing.keys()) if (id !== contactId && !t.line.get(id)) ahead++;
    const ok = this.ewt.expectedFreeWithin(t, t.config.pacingHorizonSec) >= ahead + 1 && this.groupCanTakeOneMore(t, contactId, ahead);
    if (ok && contactId !== undefined && t.line.get(contactId) && !t.dialing.has(contactId)) this.callbackDialing(t, contactId);
    return ok;
  }

  /**
   * Count a callback as being dialed (see canDispatchCallback) for `holdMs` (default the target's
   * `pacingHoldSec`), or until a flow asks an agent for it, it leaves the line or is enqueued again.
   */
  callbackDialing(t: Target, contactId: string, holdMs?: number): void {
    this.state.mutate(() => {
      this.stopDialing(t, contactId);
      const ms = holdMs ?? t.config.pacingHoldSec * 1000;
      t.dialing.set(
        contactId,
        this.state.schedule(ms, () => t.dialing.delete(contactId)),
      );
    });
  }

  /** the callback no longer counts as being dialed (a flow asks an agent for it, it left or was enqueued again) */
  stopDialing(t: Target, contactId: string): void {
    const h = t.dialing.get(contactId);
    if (!h) return;
    h.cancel();
    t.dialing.delete(contactId);
  }

  /** a READY agent is free for this target now beyond the contacts already connecting (for `_wait_for_agent`) */
  hasFreeAgent(t: Target): boolean {
    const now = this.state.clock.now();
    const free = [...this.state.agents.values()].filter((a) => a.state === 'READY' && a.serves(t.config.name) && a.reachable(now)).length;
    const connecting = [...t.line.ordered(now)].filter((e) => e.waiter).length;
    return free > connecting + t.dialing.size;
  }

  /** stop every dialing mark's timer */
  close(): void {
    for (const t of this.state.targets.values()) {
      for (const h of t.dialing.values()) h.cancel();
      t.dialing.clear();
    }
  }

  /**
   * The pacing rule over the targets that share agents with `t` (none: true): the agents of the whole group
   * expected free within the horizon must also cover the contacts of the other lines that will take one first
   * (connecting, being dialed, live callers ranked before this callback), plus `ahead` and this callback.
   */
  private groupCanTakeOneMore(t: Target, contactId: string | undefined, ahead: number): boolean {
    const shared = this.ewt.groupFreeWithin(t, t.config.pacingHorizonSec);
    if (!shared) return true;
    const now = this.state.clock.now();
    const own = contactId !== undefined ? t.line.get(contactId) : undefined;
    const mine = own ? { p: t.line.effectivePriority(own.contact, now), at: own.contact.enqueuedAt } : undefined;
    let others = 0;
    for (const name of shared.names) {
      if (name === t.config.name) continue;
      const u = this.state.targets.get(name)!;
      for (const e of u.line.ordered(now)) {
        const p = u.line.effectivePriority(e.contact, now);
        const before = !mine || p > mine.p || (p === mine.p && e.contact.enqueuedAt <= mine.at);
        if (e.waiter || u.dialing.has(e.contact.contactId) || (e.contact.kind === 'caller' && before)) others++;
      }
      for (const id of u.dialing.keys()) if (!u.line.get(id)) others++;
    }
    return shared.free >= ahead + others + 1;
  }
}

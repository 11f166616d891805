import type { EwtMethod } from '../ports/queue';
import type { Agent } from './agent';
import { estimateWait, expectedFreeWithin, simpleWait, simulatedWaits, type AgentLoad, type EwtSnapshot } from './ewt';
import { sharedWaits, sharedWaitsAll, type SharedAgent, type SharedGroup } from './ewt-shared';
import type { Entry, QueueState, Target } from './queue-state';

export const EWT_METHODS: readonly EwtMethod[] = ['simple', 'erlang', 'erlang-a'];

/**
 * The queue's estimates, read from its state: what the agents are doing (snapshots, loads), the EWT of a
 * position by each method — jointly over the targets that share agents (ewt-shared.ts) unless 'per-target' —
 * and the agents expected free within a horizon. Joint passes are cached; the cache is emptied by the
 * state's one change notification (`QueueState.onChange`) and lives at most JOINT_CACHE_MS.
 */
export class EwtEstimator {
  private readonly jointCache = new Map<string, { at: number; waits: Map<string, Float64Array> }>();

  constructor(
    private readonly state: QueueState,
    private readonly multiSkillEwt: 'joint' | 'per-target',
  ) {
    state.onChange(() => this.jointCache.clear());
  }

  private get now(): number {
    return this.state.clock.now();
  }

  /** EWT in seconds of the contact `ahead` places from the front (the line's size: a new contact), capped */
  waitAt(t: Target, ahead: number, method: EwtMethod): number {
    const names = this.groupNames(t);
    if (names.length > 1) return ahead <= t.line.size ? this.jointWaits(t, names, method)[ahead]! : this.sharedWaitsBeyond(t, names, ahead, method)[ahead]!;
    // only 'erlang-a' reads the line (ordering it costs a sort)
    const snap = this.snapshot(t, method === 'erlang-a' ? t.line.ordered(this.now) : undefined);
    return Math.min(estimateWait(snap, ahead, method) ?? t.config.maxEwtSec, t.config.maxEwtSec);
  }

  /** EWT of the contact `ahead` places from the front by every method, rounded to 0.1 s */
  byMethod(t: Target, ahead: number): Record<EwtMethod, number> {
    const snap = this.snapshot(t, t.line.ordered(this.now));
    const out = {} as Record<EwtMethod, number>;
    for (const m of EWT_METHODS) out[m] = round1(this.groupNames(t).length > 1 ? this.waitAt(t, ahead, m) : Math.min(estimateWait(snap, ahead, m) ?? t.config.maxEwtSec, t.config.maxEwtSec));
    return out;
  }

  /** EWT of every position of `line` (the target's line in order) by each method, in one pass per method */
  byPosition(t: Target, line: readonly Entry[]): Record<EwtMethod, number[]> {
    const snap = this.snapshot(t, line);
    const maxAhead = line.length - 1;
    const cap = (x: number) => round1(Math.min(x, t.config.maxEwtSec));
    const positions = Array.from({ length: Math.max(0, maxAhead + 1) }, (_, k) => k);
    const names = this.groupNames(t);
    if (names.length > 1 && maxAhead < t.line.size) {
      const of = (m: EwtMethod) => [...this.jointWaits(t, names, m).subarray(0, maxAhead + 1)].map(round1);
      return { simple: of('simple'), erlang: of('erlang'), 'erlang-a': of('erlang-a') };
    }
    if (snap.agents.length === 0) return { simple: positions.map(() => t.config.maxEwtSec), erlang: positions.map(() => t.config.maxEwtSec), 'erlang-a': positions.map(() => t.config.maxEwtSec) };
    const free = snap.agents.filter((a) => a.kind === 'free').length;
    const simulated = maxAhead >= 0 ? simulatedWaits(snap, maxAhead) : new Float64Array(0);
    const withAbandonment = maxAhead >= 0 ? simulatedWaits(snap, maxAhead, true) : new Float64Array(0);
    return {
      simple: positions.map((k) => cap(k < free ? 0 : simpleWait(snap, k))),
      erlang: positions.map((k) => cap(k < free ? 0 : simulated[k]!)),
      'erlang-a': positions.map((k) => cap(k < free ? 0 : withAbandonment[k]!)),
    };
  }

  /** expected number of the target's agents free now or within `seconds` (a sum of probabilities) */
  expectedFreeWithin(t: Target, seconds: number): number {
    return expectedFreeWithin(this.snapshot(t), seconds);
  }

  /**
   * For the pacing rule over targets that share agents: the group's targets (`t` first) and the agents of the
   * whole group expected free within `seconds`; undefined when `t`'s staffed agents serve `t` alone.
   */
  groupFreeWithin(t: Target, seconds: number): { names: string[]; free: number } | undefined {
    const names = this.groupNames(t);
    if (names.length <= 1) return undefined;
    const group = this.buildGroup(names);
    let free = 0;
    for (const a of group.agents) {
      const u = group.targets[a.callTarget]!;
      free += expectedFreeWithin({ agents: [a.load], talk: u.talk, talkMeanSec: u.talkMeanSec, acwSec: u.acwSec }, seconds);
    }
    return { names, free };
  }

  /**
   * What the agents of a target are doing now, for the EWT methods; with the line in order (`line`), also
   * which contacts ahead may hang up, for 'erlang-a'.
   */
  snapshot(t: Target, line?: readonly Entry[]): EwtSnapshot {
    const now = this.now;
    const loads: AgentLoad[] = [];
    for (const a of this.state.agents.values()) {
      if (!a.serves(t.config.name) || !staffed(a, now)) continue;
      const load = this.loadOf(a);
      if (load) loads.push(load);
    }
    const snap: EwtSnapshot = { agents: loads, talk: t.talk.distribution(), talkMeanSec: t.talk.mean, acwSec: t.config.afterCallWorkSec };
    if (line) snap.abandonment = { ratePerSec: t.patience.ratePerSec, mayAbandon: line.map((e) => e.contact.kind === 'caller') };
    return snap;
  }

  /** what an agent is doing, for the EWT methods; undefined when NOT_READY */
  private loadOf(a: Agent): AgentLoad | undefined {
    const now = this.now;
    switch (a.state) {
      case 'READY':
        return { kind: 'free' };
      case 'RESERVED':
        return { kind: 'reserved' };
      case 'BUSY': {
        const r = this.state.reservationOf(a);
        return { kind: 'busy', talkElapsedSec: r?.confirmedAt !== undefined ? (now - r.confirmedAt) / 1000 : 0 };
      }
      case 'AFTER_CALL_WORK':
        return { kind: 'acw', acwRemainingSec: Math.max(0, ((a.acwEndsAt ?? now) - now) / 1000) };
      case 'NOT_READY':
        return undefined;
    }
  }

  /** the targets linked to `t` by staffed agents that serve more than one target (followed transitively), `t` first */
  private groupNames(t: Target): string[] {
    if (this.multiSkillEwt === 'per-target') return [t.config.name];
    const now = this.now;
    const staffedAgents = [...this.state.agents.values()].filter((a) => staffed(a, now) && a.state !== 'NOT_READY' && a.config.targets.length > 1);
    const names = [t.config.name];
    for (let i = 0; i < names.length; i++) {
      for (const a of staffedAgents) if (a.serves(names[i]!)) for (const n of a.config.targets) if (!names.includes(n)) names.push(n);
    }
    return names;
  }

  /** the group of targets `names` with every staffed agent of the group, for the joint EWT (ewt-shared.ts) */
  private buildGroup(names: string[]): SharedGroup {
    const now = this.now;
    const index = new Map(names.map((n, i) => [n, i]));
    const targets = names.map((n) => {
      const u = this.state.targets.get(n)!;
      return {
        talk: u.talk.distribution(),
        talkMeanSec: u.talk.mean,
        acwSec: u.config.afterCallWorkSec,
        abandonRatePerSec: u.patience.ratePerSec,
        line: u.line.ordered(now).map((e) => ({ priority: u.line.effectivePriority(e.contact, now), enqueuedAt: e.contact.enqueuedAt, mayAbandon: e.contact.kind === 'caller' })),
      };
    });
    const agents: SharedAgent[] = [];
    for (const a of this.state.agents.values()) {
      if (!staffed(a, now)) continue;
      const serves = a.config.targets.filter((n) => index.has(n)).map((n) => index.get(n)!);
      const load = this.loadOf(a);
      if (!serves.length || !load) continue;
      const r = this.state.reservationOf(a);
      agents.push({ load, callTarget: (r && index.get(r.target)) ?? serves[0]!, serves });
    }
    return { targets, agents };
  }

  /**
   * Joint EWT of every position of `t`'s line and, last, of a new contact, capped: one pass for the whole
   * group (sharedWaitsAll), kept for the group's other targets and later questions until the queue changes or
   * a second has passed (the supervisor's view asks for every target every second; each IVR call asks once).
   */
  private jointWaits(t: Target, names: string[], method: EwtMethod): Float64Array {
    const key = `${[...names].sort().join('\u0000')}#${method}`;
    const now = this.now;
    const hit = this.jointCache.get(key);
    if (hit && now >= hit.at && now - hit.at < JOINT_CACHE_MS) return hit.waits.get(t.config.name)!;
    const entering = names.map((n) => ({ priority: this.state.targets.get(n)!.config.priorities.caller, enqueuedAt: now }));
    const all = sharedWaitsAll(this.buildGroup(names), entering, method);
    const waits = new Map(names.map((n, i) => [n, all[i]!.map((x) => Math.min(x, this.state.targets.get(n)!.config.maxEwtSec))]));
    this.jointCache.set(key, { at: now, waits });
    return waits.get(t.config.name)!;
  }

  /** EWT of positions 0..maxAhead past the end of a shared target's line (estimatedWaitAtPosition beyond it), capped */
  private sharedWaitsBeyond(t: Target, names: string[], maxAhead: number, method: EwtMethod): Float64Array {
    const entering = { priority: t.config.priorities.caller, enqueuedAt: this.now };
    return sharedWaits(this.buildGroup(names), 0, maxAhead, entering, method).map((x) => Math.min(x, t.config.maxEwtSec));
  }
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;

/** how long a joint EWT pass answers for its group while nothing changes (elapsed talk times move it slowly) */
const JOINT_CACHE_MS = 1000;

/** an agent who takes contacts of its targets: logged in, reachable, not leaving after its call */
const staffed = (a: Agent, now: number): boolean => a.loggedIn && !a.afterCall && a.reachable(now);

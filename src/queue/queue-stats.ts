import type { EwtMethod, QueuedContact } from '../ports/queue';
import type { AgentState } from './agent';
import { erlangServiceLevel } from './ewt';
import { EWT_METHODS, round1, type EwtEstimator } from './ewt-estimator';
import type { QueueState, Target } from './queue-state';
import type { EwtAccuracy, TargetStats } from './views';

interface ScoredWait {
  at: number;
  waitSec: number;
  predictedSec: Record<EwtMethod, number>;
}

interface Outcome {
  at: number;
  waitedMs: number;
  answered: boolean;
}

interface TargetFigures {
  outcomes: Outcome[];
  /** what each method predicted for live callers in line, when they joined it (scored when an agent takes them) */
  predictions: Map<string, { at: number; sec: Record<EwtMethod, number> }>;
  /** live callers who reached an agent: predicted vs actual wait, over the stats window */
  scored: ScoredWait[];
}

/**
 * The queue's statistics over a recent window: how contacts left the line (answered or abandoned, after how
 * long), how long live callers hang up after, and how right each EWT method was for the callers it was told to.
 */
export class QueueStats {
  private readonly figures = new Map<string, TargetFigures>();

  constructor(
    private readonly state: QueueState,
    private readonly ewt: EwtEstimator,
    private readonly windowMs: number,
  ) {
    for (const name of state.targets.keys()) this.figures.set(name, { outcomes: [], predictions: new Map(), scored: [] });
  }

  private of(t: Target): TargetFigures {
    return this.figures.get(t.config.name)!;
  }

  /**
   * A contact joins (or is updated in) `t`'s line, which it is not in yet: a new live caller is told what every
   * method predicts now, to be scored against its wait; a contact that is not a live caller is not scored.
   */
  joining(t: Target, contact: QueuedContact, isNew: boolean): void {
    const f = this.of(t);
    if (isNew && contact.kind === 'caller') f.predictions.set(contact.contactId, { at: this.state.clock.now(), sec: this.ewt.byMethod(t, t.line.size + t.elsewhere) });
    else if (contact.kind !== 'caller') f.predictions.delete(contact.contactId);
  }

  /** the contact left the line without an agent (a live caller abandoned) */
  left(t: Target, contact: QueuedContact): void {
    const now = this.state.clock.now();
    this.of(t).predictions.delete(contact.contactId);
    if (contact.kind !== 'caller') return;
    const waitedMs = now - contact.enqueuedAt;
    this.recordOutcome(t, { at: now, waitedMs, answered: false });
    t.patience.record(waitedMs / 1000, true);
  }

  /** an agent was reserved for the contact: answered, and a live caller's prediction scored */
  reached(t: Target, contact: QueuedContact): void {
    const now = this.state.clock.now();
    const f = this.of(t);
    this.recordOutcome(t, { at: now, waitedMs: now - contact.enqueuedAt, answered: true });
    if (contact.kind === 'caller') t.patience.record((now - contact.enqueuedAt) / 1000, false);
    const predicted = f.predictions.get(contact.contactId);
    if (predicted) {
      f.predictions.delete(contact.contactId);
      f.scored.push({ at: now, waitSec: (now - predicted.at) / 1000, predictedSec: predicted.sec });
      if (f.scored.length > 4096) this.prune(t);
    }
  }

  /** the EWT's error for the live callers of the stats window who reached an agent (see EwtAccuracy) */
  ewtAccuracy(t: Target): EwtAccuracy | null {
    this.prune(t);
    const scored = this.of(t).scored;
    const n = scored.length;
    if (!n) return null;
    const per = (f: (w: ScoredWait, m: EwtMethod) => number) => Object.fromEntries(EWT_METHODS.map((m) => [m, round1(scored.reduce((sum, w) => sum + f(w, m), 0) / n)])) as Record<EwtMethod, number>;
    return {
      callers: n,
      meanWaitSec: round1(scored.reduce((sum, w) => sum + w.waitSec, 0) / n),
      maeSec: per((w, m) => Math.abs(w.predictedSec[m] - w.waitSec)),
      biasSec: per((w, m) => w.predictedSec[m] - w.waitSec),
    };
  }

  targetStats(t: Target): TargetStats {
    const now = this.state.clock.now();
    this.prune(t);
    const { outcomes } = this.of(t);
    const agents: Record<AgentState, number> = { READY: 0, NOT_READY: 0, RESERVED: 0, BUSY: 0, AFTER_CALL_WORK: 0 };
    for (const a of this.state.agents.values()) if (a.serves(t.config.name)) agents[a.state]++;
    const snap = this.ewt.snapshot(t);
    const answered = outcomes.filter((o) => o.answered);
    const slMs = t.config.serviceLevelSec * 1000;
    const abandoned = outcomes.filter((o) => !o.answered);
    const counted = answered.length + abandoned.filter((o) => o.waitedMs > slMs).length;
    const inSl = answered.filter((o) => o.waitedMs <= slMs).length;
    const handleSec = t.talk.mean + t.config.afterCallWorkSec;
    const spanSec = Math.min(this.windowMs, Math.max(1, now - (outcomes[0]?.at ?? now))) / 1000;
    const arrivals = outcomes.length;
    return {
      waiting: t.line.size + t.elsewhere,
      agents,
      staffed: snap.agents.length,
      meanTalkSec: round1(t.talk.mean),
      measuredCalls: t.talk.samples,
      serviceLevel: counted ? inSl / counted : null,
      forecastServiceLevel: arrivals >= 2 ? erlangServiceLevel(snap.agents.length, (arrivals / spanSec) * handleSec, handleSec, t.config.serviceLevelSec) : null,
      answered: answered.length,
      abandoned: abandoned.length,
      meanWaitSec: answered.length ? round1(answered.reduce((s, o) => s + o.waitedMs, 0) / answered.length / 1000) : null,
      ewtSec: this.ewt.byMethod(t, t.line.size + t.elsewhere),
      ewtAccuracy: this.ewtAccuracy(t),
    };
  }

  private recordOutcome(t: Target, o: Outcome): void {
    const f = this.of(t);
    f.outcomes.push(o);
    if (f.outcomes.length > 4096) this.prune(t);
  }

  private prune(t: Target): void {
    const from = this.state.clock.now() - this.windowMs;
    const f = this.of(t);
    for (const list of [f.outcomes, f.scored]) {
      let i = 0;
      while (i < list.length && list[i]!.at < from) i++;
      if (i) list.splice(0, i);
    }
  }
}

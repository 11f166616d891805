import type { ContactKind, QueuedContact } from '../ports/queue';
import type { TargetConfig } from './types';

export interface QueueEntry<W> {
  contact: QueuedContact;
  /** insertion order, the last tie-break */
  seq: number;
  /** a flow waiting for an agent for this contact (see QueueService.reserveAgentFor) */
  waiter?: W;
}

type OrderRules = Pick<TargetConfig, 'priorities' | 'ageingPerMinute' | 'maxConsecutiveSameKind'>;

/**
 * The ordered line of one target, live callers and callbacks together.
 *
 * Order: higher effective priority first, where effective priority = the contact's own priority (or the
 * target's priority for its kind) + ageingPerMinute × minutes waited since `enqueuedAt`; ties by `enqueuedAt`,
 * then by arrival. A callback that keeps the caller's `enqueuedAt` keeps the caller's place.
 *
 * Fairness: when contacts of both kinds are ready to be connected, at most `maxConsecutiveSameKind` contacts
 * of one kind are connected in a row; then the first contact of the other kind goes next.
 */
export class ContactQueue<W> {
  private readonly entries = new Map<string, QueueEntry<W>>();
  private seq = 0;
  private lastKind: ContactKind | undefined;
  private streak = 0;

  constructor(private readonly rules: OrderRules) {}

  get size(): number {
    return this.entries.size;
  }

  get(contactId: string): QueueEntry<W> | undefined {
    return this.entries.get(contactId);
  }

  /** add, or update in place (kind, priority, enqueuedAt) keeping the waiting flow if any */
  upsert(contact: QueuedContact): QueueEntry<W> {
    const existing = this.entries.get(contact.contactId);
    if (existing) {
      existing.contact = contact;
      return existing;
    }
    const entry: QueueEntry<W> = { contact, seq: this.seq++ };
    this.entries.set(contact.contactId, entry);
    return entry;
  }

  delete(contactId: string): QueueEntry<W> | undefined {
    const e = this.entries.get(contactId);
    if (e) this.entries.delete(contactId);
    return e;
  }

  effectivePriority(c: QueuedContact, now: number): number {
    const base = c.priority ?? this.rules.priorities[c.kind];
    return base + (this.rules.ageingPerMinute * Math.max(0, now - c.enqueuedAt)) / 60_000;
  }

  /** the whole line in order (position 0 first), or only the entries `only` accepts */
  ordered(now: number, only?: (e: QueueEntry<W>) => boolean): QueueEntry<W>[] {
    const entries = only ? [...this.entries.values()].filter(only) : [...this.entries.values()];
    const keyed = entries.map((e) => ({ e, p: this.effectivePriority(e.contact, now) }));
    keyed.sort((a, b) => b.p - a.p || a.e.contact.enqueuedAt - b.e.contact.enqueuedAt || a.e.seq - b.e.seq);
    return keyed.map((k) => k.e);
  }

  /** the entry to connect next among those `ready` says can be connected now (fairness applied) */
  next(now: number, ready: (e: QueueEntry<W>) => boolean): QueueEntry<W> | undefined {
    const line = this.ordered(now, ready);
    const first = line[0];
    if (!first) return undefined;
    const limit = this.rules.maxConsecutiveSameKind;
    if (limit > 0 && this.streak >= limit && first.contact.kind === this.lastKind) {
      const other = line.find((e) => e.contact.kind !== this.lastKind);
      if (other) return other;
    }
    return first;
  }

  /**
   * Record that `entry` was connected. The streak counts contacts of one kind connected in a row while the
   * other kind was also ready; it restarts when the other kind is connected or was not waiting.
   */
  connected(entry: QueueEntry<W>, ready: (e: QueueEntry<W>) => boolean): void {
    const kind = entry.contact.kind;
    const otherWaiting = [...this.entries.values()].some((e) => e !== entry && e.contact.kind !== kind && ready(e));
    if (!otherWaiting) {
      this.lastKind = kind;
      this.streak = 0;
    } else if (kind === this.lastKind) {
      this.streak++;
    } else {
      this.lastKind = kind;
      this.streak = 1;
    }
  }

  /** contacts ahead of `contactId` in the line (the whole line when the contact is not in it) */
  ahead(contactId: string | undefined, now: number): QueueEntry<W>[] {
    const line = this.ordered(now);
    const i = contactId === undefined ? -1 : line.findIndex((e) => e.contact.contactId === contactId);
    return i < 0 ? line : line.slice(0, i);
  }
}

/**
 * Group commit: work submitted in the same turn of the event loop is committed together in one store
 * transaction, and each submitter's promise settles only after that commit. Each item runs in its own
 * savepoint, so one item's error rejects that item alone.
 */
export class GroupCommit<I, R> {
  private pending: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    /** runs `fn` in one transaction */
    private readonly transaction: <T>(fn: () => T) => T,
    /** runs one item (inside a savepoint of that transaction) */
    private readonly apply: (item: I) => R,
    private readonly maxBatch = 512,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let outcomes: ({ ok: true; value: R } | { ok: false; error: unknown })[];
    try {
      outcomes = this.transaction(() =>
        batch.map(({ item }) => {
          try {
            return { ok: true as const, value: this.transaction(() => this.apply(item)) };
          } catch (error) {
            return { ok: false as const, error };
          }
        }),
      );
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Group commit: work submitted in the same turn of the event loop is committed together in one store
 * transaction, and each submitter's promise settles only after that commit. Each item runs in its own
 * savepoint, so one item's error rejects that item alone. Batches commit one after the other, never side by
 * side, so the items of this process see each other's writes in order (a check then an insert stays atomic).
 */
export class GroupCommit<I, R> {
  private pending: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** the batch committing now (the next one starts after it) */
  private committing: Promise<void> = Promise.resolve();
  /** batches commit in the context this was made in, never inside a submitter's own transaction */
  private readonly detached = AsyncLocalStorage.snapshot();

  constructor(
    /** runs `fn` in one transaction */
    private readonly transaction: <T>(fn: () => Promise<T>) => Promise<T>,
    /** runs one item (inside a savepoint of that transaction) */
    private readonly apply: (item: I) => Promise<R>,
    private readonly maxBatch = 512,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.detached(() => this.flush());
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.detached(() => this.flush()));
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.committing = this.committing.then(() => this.commit(batch));
  }

  private async commit(batch: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[]): Promise<void> {
    let outcomes: ({ ok: true; value: R } | { ok: false; error: unknown })[];
    try {
      outcomes = await this.transaction(async () => {
        const out: ({ ok: true; value: R } | { ok: false; error: unknown })[] = [];
        for (const { item } of batch) {
          try {
            out.push({ ok: true, value: await this.transaction(() => this.apply(item)) });
          } catch (error) {
            out.push({ ok: false, error });
          }
        }
        return out;
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
  }
}

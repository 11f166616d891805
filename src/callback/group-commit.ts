import { AsyncLocalStorage } from 'node:async_hooks';

export interface GroupCommitOptions<I, R> {
  /** runs `fn` in one transaction */
  transaction: <T>(fn: () => Promise<T>) => Promise<T>;
  /** runs one item (inside the batch's transaction; in a savepoint of its own once an item of the batch failed) */
  apply: (item: I) => Promise<R>;
  /**
   * called first in each batch's transaction with its items: takes the locks that keep batches committing side by
   * side from seeing each other half done (e.g. one per customer number), held until the batch commits
   */
  lock?: (items: I[]) => Promise<void>;
  /** batches committing at once (default 1: one after the other); more only with `lock` guarding what they share */
  concurrency?: number;
  maxBatch?: number;
}

type Pending<I, R> = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * Group commit: work submitted in the same turn of the event loop is committed together in one store
 * transaction, and each submitter's promise settles only after that commit. One item's error rejects that item
 * alone: the batch then runs again with each item in its own savepoint (see `applyAll`). Up to `concurrency` batches commit at once (a store
 * with several connections); while all are busy, what arrives waits and goes in the next batch, so batches
 * grow with the load. Within a batch the items see each other's writes in order; across batches, `lock`
 * serialises the ones that touch the same things (a check then an insert stays atomic).
 */
export class GroupCommit<I, R> {
  private pending: Pending<I, R>[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** the batches committing now (close waits for them) */
  private readonly committing = new Set<Promise<void>>();
  /** batches commit in the context this was made in, never inside a submitter's own transaction */
  private readonly detached = AsyncLocalStorage.snapshot();
  private readonly concurrency: number;
  private readonly maxBatch: number;

  constructor(private readonly o: GroupCommitOptions<I, R>) {
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.maxBatch = o.maxBatch ?? 512;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch && this.inFlight < this.concurrency) this.detached(() => this.flush());
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.detached(() => this.flush()));
      }
    });
  }

  /** resolves once every batch under way has committed or failed */
  async idle(): Promise<void> {
    while (this.committing.size) await Promise.all(this.committing);
  }

  private flush(): void {
    this.scheduled = false;
    // all busy: what is pending goes with the next batch, started when one of these ends
    while (this.pending.length && this.inFlight < this.concurrency) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.inFlight++;
      const run: Promise<void> = this.commit(batch).finally(() => {
        this.inFlight--;
        this.committing.delete(run);
        if (this.pending.length && !this.scheduled) this.detached(() => this.flush());
      });
      this.committing.add(run);
    }
  }

  private async commit(batch: Pending<I, R>[]): Promise<void> {
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.o.transaction(() => this.applyAll(batch, false));
    } catch (error) {
      if (!(error instanceof ItemFailed)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // an item failed: the batch is done again, each item in a savepoint of its own, so that the failure undoes
      // that item alone (what it wrote before it failed, or a failed statement, which ends a PostgreSQL transaction)
      try {
        outcomes = await this.o.transaction(() => this.applyAll(batch, true));
      } catch (error) {
        for (const p of batch) p.reject(error);
        return;
      }
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
  }

  /**
   * the batch's items in order. First without savepoints (a round trip each on a remote store, and nearly every
   * item succeeds): an item's error aborts the whole try (`ItemFailed`); then with one savepoint per item.
   */
  private async applyAll(batch: Pending<I, R>[], savepoints: boolean): Promise<Outcome<R>[]> {
    if (this.o.lock) await this.o.lock(batch.map((p) => p.item));
    const out: Outcome<R>[] = [];
    for (const { item } of batch) {
      if (!savepoints) {
        try {
          out.push({ ok: true, value: await this.o.apply(item) });
        } catch (error) {
          throw new ItemFailed(error);
        }
        continue;
      }
      try {
        out.push({ ok: true, value: await this.o.transaction(() => this.o.apply(item)) });
      } catch (error) {
        out.push({ ok: false, error });
      }
    }
    return out;
  }
}

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** an item's error in a try without savepoints: the batch's transaction rolls back, and the batch runs again with them */
class ItemFailed extends Error {
  constructor(readonly error: unknown) {
    super('an item of the batch failed');
  }
}

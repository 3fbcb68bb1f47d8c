// Group commit for append-only files: what is submitted while a write is under way
// waits and goes in the next write, so many appends share one write and one fdatasync,
// and each submitter learns when its own item is durable. After a failed write nothing
// written since can be trusted (as the lease journal): every waiting item is refused,
// and so is everything submitted later.
interface Waiting<T> { readonly item: T; readonly resolve: () => void; readonly reject: (e: Error) => void }

export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private writing = false;
  /** The error that stopped it, if one did. */
  failure?: Error;

  /**
   * `write` makes a batch durable (or throws); `afterBatch` runs between batches, after
   * the batch's submitters were told (a compaction, say).
   */
  constructor(
    private readonly write: (items: readonly T[]) => Promise<void>,
    private readonly refusal: (failure: Error) => Error = (e) => e,
    private readonly afterBatch?: () => Promise<void>,
  ) {}

  /** Resolves once `item` is durable. */
  submit(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.refusal(this.failure));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.run();
    });
  }

  /** Items submitted and not yet written. */
  waiting(): readonly T[] {
    return this.queue.map((w) => w.item);
  }

  /** Resolves once nothing is being written or waiting. */
  async idle(): Promise<void> {
    while (this.writing || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  private async run(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.write(batch.map((w) => w.item));
        } catch (error) {
          this.failure = error as Error;
          const refused = this.refusal(this.failure);
          for (const w of [...batch, ...this.queue.splice(0)]) w.reject(refused);
          return;
        }
        for (const w of batch) w.resolve();
        await this.afterBatch?.();
      }
    } finally {
      this.writing = false;
    }
  }
}

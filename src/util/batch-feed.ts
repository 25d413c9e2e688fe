/**
 * Items produced in order, taken by one consumer in batches as they come: what is
 * pushed before the consumer starts waits for it; each batch holds everything pushed
 * since the last. Iterating ends when the producer ends, and throws what it failed with.
 */
export class BatchFeed<T> implements AsyncIterable<T[]> {
  private pending: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.pending.push(item);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(error: unknown): void {
    this.failure ??= { error };
    this.notify();
  }

  /** Every item, once the producer has ended. */
  async all(): Promise<T[]> {
    const items: T[] = [];
    for await (const batch of this) for (const item of batch) items.push(item);
    return items;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T[]> {
    for (;;) {
      if (this.failure) throw this.failure.error;
      if (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        yield batch;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

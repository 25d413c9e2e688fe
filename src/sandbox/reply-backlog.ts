/**
 * Host-call replies sent to a run's worker that the run has not taken off its port yet. A guest
 * spinning in a loop takes nothing, so replies to calls it started before would pile
 * up in this process (a fetch reply can be megabytes): the host bridge counts these
 * bytes against a run's budget (see src/bridge/run-budget.ts) and waits for the guest
 * to take some before it starts more work.
 *
 * The worker counts the replies its current run takes in shared memory (TAKEN_INDEX)
 * and notifies; replies are taken in the order they were sent, so a count says which.
 * One backlog per run: replies left over when a run ends are dropped by the worker
 * uncounted, and must not start more of that run's calls in the meantime.
 */

/** Where the worker's count of replies taken is, in the slot's shared Int32Array. */
export const TAKEN_INDEX = 1;
/** How long one wait for the worker lasts before it is armed again (a terminated worker never notifies). */
const WAIT_SLICE_MS = 1_000;

/** Atomics.waitAsync (Node 16+; ES2024, beyond the lib this project compiles against). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: unknown } }).waitAsync;

export class ReplyBacklog {
  /** Sizes of the replies sent and not yet known to be taken, oldest first (from `head`). */
  private sizes: number[] = [];
  private head = 0;
  private outstanding = 0;
  /** Replies known to be taken (the shared count as last read). */
  private seen: number;

  /** Made before the run is sent to the worker, so the count read here includes none of its replies. */
  constructor(private readonly shared: Int32Array) {
    this.seen = Atomics.load(shared, TAKEN_INDEX);
  }

  /** Records a reply of `bytes` sent to the worker. */
  sent(bytes: number): void {
    this.sizes.push(bytes);
    this.outstanding += bytes;
  }

  /** Bytes sent to the worker and not taken yet. */
  bytes(): number {
    const taken = Atomics.load(this.shared, TAKEN_INDEX);
    // The count is an int32 that may wrap: the difference is what matters.
    for (let fresh = (taken - this.seen) | 0; fresh > 0 && this.head < this.sizes.length; fresh--) this.outstanding -= this.sizes[this.head++]!;
    this.seen = taken;
    if (this.head === this.sizes.length) {
      this.sizes = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.sizes.length) {
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return this.outstanding;
  }

  /** Resolves once the worker takes a reply (or after a while, to be asked again). */
  async taken(): Promise<void> {
    const waiting = waitAsync(this.shared, TAKEN_INDEX, this.seen, WAIT_SLICE_MS);
    if (waiting.async) await waiting.value;
  }
}

/** The worker side: counts one reply taken off the port and wakes a waiting bridge. */
export function countTaken(shared: Int32Array): void {
  Atomics.add(shared, TAKEN_INDEX, 1);
  Atomics.notify(shared, TAKEN_INDEX);
}

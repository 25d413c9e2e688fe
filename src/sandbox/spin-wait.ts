import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";

/**
 * Brief polling for the other side of the worker/main-thread conversation.
 *
 * Waking a sleeping thread is the costliest part of an awaited host call: on a 2-core
 * VM the sender's postMessage takes ~14 µs when the receiver sleeps (~2 µs when it is
 * awake) and the receiver takes tens of µs more to run. When the answer is usually a
 * few µs away (a no-op host function; the guest's next call right after a reply),
 * polling for it for a bounded time keeps both threads awake and skips the wake-ups.
 *
 * Adaptive, like a spinning mutex: a poll that finds nothing makes the next waits skip
 * polling, twice as many after each miss in a row (up to 64), so slow answers (fetch,
 * upstream tools, a guest computing between calls) waste at most a poll per 64 waits. A
 * hit, or a wait that turns out short by the event loop, resets it. With one core,
 * never: the poll would only delay the thread that has to answer.
 *
 * Polling that keeps finding messages never returns to the event loop (each message is
 * handled right away, the next poll follows): after MAX_BUSY_MS of that, the next wait
 * goes through the event loop so timers, I/O and other messages get their turn.
 */
export class SpinWait {
  /** Waits left that skip polling. */
  private skip = 0;
  /** How many waits the next miss makes skip. */
  private penalty = 1;
  /** When this thread's event loop last ran. */
  private lastResumed = performance.now();

  constructor(private readonly budgetMs: number) {}

  /** The budget to use on this machine: `ms` with two cores or more, else 0 (no polling). */
  static budget(ms: number): number {
    return availableParallelism() >= 2 ? ms : 0;
  }

  /**
   * Calls `poll` (which handles whatever messages are waiting and says whether there
   * were any) until it finds one or the budget is spent. Returns whether it found one.
   */
  spin(poll: () => boolean): boolean {
    if (this.budgetMs <= 0) return false;
    if (this.skip > 0) {
      this.skip--;
      return false;
    }
    const start = performance.now();
    if (start - this.lastResumed > MAX_BUSY_MS) return false;
    const end = start + this.budgetMs;
    do {
      if (poll()) {
        this.penalty = 1;
        return true;
      }
    } while (performance.now() < end);
    this.skip = this.penalty;
    this.penalty = Math.min(this.penalty * 2, MAX_SKIPPED_WAITS);
    return false;
  }

  /**
   * The event loop ran (a message or timer came through it). `waitedMs`: how long the
   * wait it ended took, if it ended one; a short one resumes polling.
   */
  resumed(waitedMs?: number): void {
    this.lastResumed = performance.now();
    if (waitedMs === undefined || waitedMs > this.budgetMs) return;
    this.skip = 0;
    this.penalty = 1;
  }
}

const MAX_SKIPPED_WAITS = 64;
/** The longest a thread goes on polling and handling messages without its event loop running. */
const MAX_BUSY_MS = 2;

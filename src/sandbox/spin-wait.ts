import { usableCpus } from "../util/usable-cpus.js";
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
 * hit, or a wait that turns out short by the event loop, resets it. With one CPU (or a
 * one-CPU quota), never: the poll would only delay the thread that has to answer.
 *
 * Polling that keeps finding messages never returns to the event loop (each message is
 * handled right away, the next poll follows). Every SpinWait of a thread shares one
 * bound: once the thread's event loop has not completed a turn for MAX_BUSY_MS, no
 * SpinWait of that thread polls until it does, so timers, I/O and other workers' messages
 * get their turn however many runs are polling.
 */
export class SpinWait {
  /** Waits left that skip polling. */
  private skip = 0;
  /** How many waits the next miss makes skip. */
  private penalty = 1;

  constructor(private readonly budgetMs: number) {}

  /** The budget to use on this machine: `ms` with two CPUs or more, else 0 (no polling). */
  static budget(ms: number): number {
    return usableCpus() >= 2 ? ms : 0;
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
    if (!turnPending) {
      // The loop has had a turn since the last poll (or nothing polled yet): a new chain starts.
      lastLoopTurn = start;
      noteNextLoopTurn();
    } else if (start - lastLoopTurn > MAX_BUSY_MS) return false;
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

  /** A wait that went through the event loop took `ms`: a short one resumes polling. */
  waited(ms: number): void {
    if (ms > this.budgetMs) return;
    this.skip = 0;
    this.penalty = 1;
  }
}

const MAX_SKIPPED_WAITS = 64;
/** The longest a thread goes on polling and handling messages without its event loop completing a turn. */
const MAX_BUSY_MS = 2;

/** When the current chain of polls began (the event loop has not completed a turn since). */
let lastLoopTurn = 0;
/** Whether an immediate is waiting to record the next turn (a chain is in progress). */
let turnPending = false;

/** Records the next time this thread's event loop reaches its check phase (setImmediate). */
function noteNextLoopTurn(): void {
  if (turnPending) return;
  turnPending = true;
  setImmediate(() => {
    turnPending = false;
    lastLoopTurn = performance.now();
  });
}

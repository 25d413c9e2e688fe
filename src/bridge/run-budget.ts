import type { ReplyBacklog } from "../sandbox/reply-backlog.js";

export class LimitError extends Error {
  override name = "LimitError";
}

export interface RunBudgetLimits {
  /** Host calls of one run served at once (limits.maxConcurrentHostCalls); more wait their turn. */
  maxConcurrent: number;
  /** Bytes one run's host calls may hold at once (limits.hostBytesInFlightMb), see RunBudget. */
  maxBytes: number;
}

/** What one host call may hold: its arguments, and at most this much reply. Sizes are JSON characters (about bytes). */
export interface CallCost {
  args: number;
  reply: number;
}

interface Waiter {
  want: number;
  start: () => void;
}

/**
 * One run's share of the host. Calls start in order, each once fewer than
 * `maxConcurrent` run and the bytes in flight leave room for it: replies being built
 * (reserved at their largest, with their arguments) plus replies the worker was sent
 * and the guest has not taken (ReplyBacklog). A guest that starts many calls and then
 * spins keeps at most `maxBytes` of replies in this process; one that awaits them
 * gets all of them, a few at a time. Arguments of waiting calls are capped at
 * `maxBytes` too: a call beyond that fails at once with a LimitError.
 */
export class RunBudget {
  private running = 0;
  private reserved = 0;
  private waitingArgs = 0;
  private readonly queue: Waiter[] = [];
  private backlog: ReplyBacklog | undefined;
  private watching = false;

  constructor(private readonly limits: RunBudgetLimits) {}

  async run<T>(cost: CallCost, backlog: ReplyBacklog | undefined, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    this.backlog = backlog ?? this.backlog;
    // Nothing can start once everything else is done if a call wants more than the whole budget: it then waits for an empty run.
    const want = Math.min(cost.args + cost.reply, this.limits.maxBytes);
    if (this.queue.length === 0 && this.fits(want)) this.begin(want);
    else await this.wait(cost, want, signal);
    try {
      return await work();
    } finally {
      this.running--;
      this.reserved -= want;
      this.pump();
    }
  }

  private fits(want: number): boolean {
    if (this.running >= this.limits.maxConcurrent) return false;
    const untaken = this.backlog?.bytes() ?? 0;
    return this.reserved + untaken + want <= this.limits.maxBytes || (this.running === 0 && untaken === 0);
  }

  private begin(want: number): void {
    this.running++;
    this.reserved += want;
  }

  private wait(cost: CallCost, want: number, signal: AbortSignal): Promise<void> {
    if (this.waitingArgs + cost.args > this.limits.maxBytes) {
      return Promise.reject(
        new LimitError(
          `This run's waiting host calls would hold more than ${mib(this.limits.maxBytes)} of arguments (limits.hostBytesInFlightMb). Await earlier calls before starting more, or send less per call.`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new LimitError("The run ended before this host call started."));
      const onAbort = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        this.waitingArgs -= cost.args;
        reject(new LimitError("The run ended before this host call started."));
      };
      const waiter: Waiter = {
        want,
        start: () => {
          signal.removeEventListener("abort", onAbort);
          this.waitingArgs -= cost.args;
          resolve();
        },
      };
      this.waitingArgs += cost.args;
      signal.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Starts waiting calls, in order, while they fit; if replies the guest has not taken block them, wakes when it takes some. */
  private pump(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.want)) {
      const next = this.queue.shift()!;
      this.begin(next.want);
      next.start();
    }
    if (this.queue.length === 0 || this.watching || !this.backlog || this.backlog.bytes() === 0) return;
    this.watching = true;
    void this.backlog.taken().then(() => {
      this.watching = false;
      this.pump();
    });
  }
}

function mib(bytes: number): string {
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
}

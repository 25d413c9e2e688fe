/**
 * Background work that waits for a quiet moment: it runs once `delayMs` have passed and
 * nothing has been in flight for `quietMs`, or at `maxDelayMs` whatever is going on.
 *
 * Why: loading TypeScript (for saves and for failed runs' diagnostics) takes 1-3 s of CPU
 * per copy and ~80 MB; started at a fixed time after start it landed in the middle of the
 * first calls a client makes, on a 2-core machine halving their speed, with the main
 * thread's part stalling every call for its duration.
 */
export class IdleTasks {
  private lastBusyAt = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    /** Whether a call is in flight now. */
    private readonly busy: () => boolean,
    private readonly quietMs: number,
    private readonly maxDelayMs: number,
  ) {}

  /** A call started or ended. */
  touch(): void {
    this.lastBusyAt = performance.now();
  }

  schedule(delayMs: number, work: () => void): void {
    const deadline = performance.now() + Math.max(delayMs, this.maxDelayMs);
    const attempt = (waitMs: number) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const now = performance.now();
        const quietFor = now - this.lastBusyAt;
        if (now < deadline && (this.busy() || quietFor < this.quietMs)) return attempt(Math.min(this.busy() ? this.quietMs : this.quietMs - quietFor, deadline - now));
        work();
      }, waitMs);
      // Never what keeps a process alive.
      timer.unref();
      this.timers.add(timer);
    };
    attempt(delayMs);
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

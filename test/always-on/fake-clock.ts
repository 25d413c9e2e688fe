import type { Clock } from "../../dist/always-on/scheduler.js";

/**
 * A clock for the scheduler that jumps to each timer's time instead of waiting for it,
 * and otherwise moves with real time: the work the scheduler does after a timer (file
 * reads, locks, claims) counts in the latency a test measures.
 */
export class FakeClock implements Clock {
  private base: number;
  private realAtBase = performance.now();
  private timers: Array<{ at: number; fn: () => void; handle: number }> = [];
  private nextHandle = 1;

  constructor(start: number) {
    this.base = start;
  }

  now(): number {
    return Math.round(this.base + (performance.now() - this.realAtBase));
  }

  setTimer(fn: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.push({ at: this.now() + ms, fn, handle });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }

  /** Jumps to each timer due by `until` in turn, runs it, and waits for `settle` (the scheduler's look) before the next. */
  async advanceTo(until: number, settle: () => Promise<void>): Promise<void> {
    for (let guard = 0; guard < 100_000; guard++) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      if (next.at > this.now()) this.jump(next.at);
      next.fn();
      await settle();
    }
    if (until > this.now()) this.jump(until);
  }

  private jump(to: number): void {
    this.base = to;
    this.realAtBase = performance.now();
  }
}

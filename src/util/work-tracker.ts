import { PeriodicCollector } from "./periodic-collector.js";

/**
 * The calls a home is working on: shutdown waits for them (up to a grace period), and a
 * serving process collects its garbage in step with them (see PeriodicCollector).
 */
export class WorkTracker {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly collector: PeriodicCollector | undefined;

  /** `collectGarbageEvery`: a full garbage collection after this many calls (undefined: never). */
  constructor(collectGarbageEvery: number | undefined) {
    if (collectGarbageEvery) this.collector = new PeriodicCollector(collectGarbageEvery, () => this.inflight.size > 0);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work
      .finally(() => {
        this.inflight.delete(work);
        this.collector?.callEnded();
      })
      .catch(() => undefined);
    return work;
  }

  /** Waits until the calls going now have ended, or `graceMs` has passed. */
  async settled(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }
}

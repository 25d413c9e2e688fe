import { IdleTasks } from "./idle-tasks.js";
import { PeriodicCollector } from "./periodic-collector.js";

/** TypeScript and other background loads wait for this long without a call in flight (see IdleTasks)... */
const IDLE_QUIET_MS = 1_000;
/** ...or this long after they were asked for, however busy the home is. */
const IDLE_MAX_DELAY_MS = 60_000;

/**
 * The calls a home is working on: shutdown waits for them (up to a grace period), and a
 * serving process collects its garbage in step with them (see PeriodicCollector).
 */
export class WorkTracker {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly collector: PeriodicCollector | undefined;
  /** Background work that waits for a quiet moment between calls (cancelled on close). */
  readonly idle = new IdleTasks(() => this.inflight.size > 0, IDLE_QUIET_MS, IDLE_MAX_DELAY_MS);

  /** `collectGarbageEvery`: a full garbage collection after this many calls (undefined: never). */
  constructor(collectGarbageEvery: number | undefined) {
    if (collectGarbageEvery) this.collector = new PeriodicCollector(collectGarbageEvery, () => this.inflight.size > 0);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    this.idle.touch();
    void work
      .finally(() => {
        this.inflight.delete(work);
        this.idle.touch();
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

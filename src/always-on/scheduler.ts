import { Cron } from "croner";
import type { ClaimResult, ScheduleClaims } from "./schedule-claims.js";

/**
 * The longest the scheduler sleeps without looking again: schedules.json changed by
 * another process (the CLI) is picked up within this, and a wall-clock jump (suspend,
 * NTP) is noticed. Each look is a stat of one file.
 */
export const SCHEDULER_RECHECK_MS = 2_000;

/** Time and timers, injected so tests can drive a hundred firings with a fake clock. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One thing to fire on a cron: a schedule from schedules.json or a built-in job (the self-check). */
export interface ScheduledJob {
  id: string;
  cron: string;
  tz?: string;
  /** After downtime, run the latest missed firing once (else skip to the next). */
  catchUp: boolean;
  /** Runs the job and records its outcome; never rejects (the scheduler logs it if it does). */
  fire(dueAt: Date): Promise<void>;
}

export interface SchedulerDeps {
  clock: Clock;
  claims: ScheduleClaims;
  /** The jobs as they are now (cheap when nothing changed: called on every look). */
  jobs(): Promise<ScheduledJob[]>;
  log(line: string): void;
  /** The longest sleep between looks (default SCHEDULER_RECHECK_MS). */
  recheckMs?: number;
}

/**
 * Fires jobs at their cron times. Each due time is claimed in the home's schedule state
 * first (so it fires once among processes sharing the home, and once after a restart);
 * a job whose previous run is still going skips that time (runs never overlap). Due
 * times from before this scheduler started were missed (downtime): the latest of them
 * is fired once if the job catches up, else skipped.
 */
export class Scheduler {
  private timer: unknown;
  private stopped = true;
  private startedAt = 0;
  private looking: Promise<void> = Promise.resolve();
  private readonly running = new Map<string, Promise<void>>();
  private readonly crons = new Map<string, Cron>();

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startedAt = this.deps.clock.now();
    this.lookSoon();
  }

  /** Looks again now (after a schedule was set or removed in this process). */
  lookSoon(): void {
    if (this.stopped) return;
    this.arm(0);
  }

  /** Resolves once the current look (not the runs it started) is over: tests step a fake clock with it. */
  whenIdle(): Promise<void> {
    return this.looking;
  }

  /** Stops firing; resolves when runs in progress have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.looking;
    await Promise.allSettled([...this.running.values()]);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /**
   * Runs `work` as a run of `id` unless one is going on (here or in another process):
   * the guard behind both cron firings and runNow. Resolves when the run has ended.
   */
  async runExclusive(id: string, dueAt: Date | undefined, work: () => Promise<void>): Promise<ClaimResult> {
    const started = await this.startExclusive(id, dueAt, work);
    await started.done;
    return started.claim;
  }

  /** Claims the run and starts it; `done` settles when it has ended (at once when not claimed). */
  private async startExclusive(id: string, dueAt: Date | undefined, work: () => Promise<void>): Promise<{ claim: ClaimResult; done: Promise<void> }> {
    const claim = await this.deps.claims.claim(id, dueAt, this.running.has(id));
    if (claim !== "claimed") return { claim, done: Promise.resolve() };
    // stop() came while the claim waited for the file lock (seconds on a loaded machine): a stopping
    // process starts no firing (it would be refused and recorded as failed); the next start catches it up.
    if (this.stopped && dueAt) {
      await this.deps.claims.unclaim(id, dueAt);
      return { claim: "taken", done: Promise.resolve() };
    }
    const done = (async () => {
      try {
        await work();
      } catch (error) {
        this.deps.log(`schedule ${id}: ${(error as Error).message}`);
      } finally {
        this.running.delete(id);
      }
    })();
    this.running.set(id, done);
    return { claim, done };
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = this.deps.clock.setTimer(() => {
      this.timer = undefined;
      this.looking = this.looking.then(() => this.look()).catch((error: Error) => this.deps.log(`scheduler: ${error.message}`));
    }, Math.max(0, ms));
  }

  private async look(): Promise<void> {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const jobs = await this.deps.jobs();
    const states = await this.deps.claims.all();
    let next = now + (this.deps.recheckMs ?? SCHEDULER_RECHECK_MS);
    for (const job of jobs) {
      const cron = this.cronOf(job);
      const lastDue = states[job.id]?.lastDueAt;
      if (!lastDue) {
        // First sight of this job: nothing before now was missed.
        await this.deps.claims.remember(job.id, new Date(now));
      } else {
        const due = cron.nextRun(new Date(lastDue));
        if (due && due.getTime() <= now) {
          const latest = latestDueAtOrBefore(cron, due, now);
          const missed = latest.getTime() < this.startedAt;
          if (missed && !job.catchUp) {
            await this.deps.claims.advance(job.id, latest);
            this.deps.log(`schedule ${job.id}: skipped the firing due ${latest.toISOString()} (missed while toolsmith was not running; catchUp is off)`);
          } else {
            // stop() may have come while this look waited for the files: a stopping process starts no run (it would be refused and recorded as failed).
            if (this.stopped) return;
            const { claim } = await this.startExclusive(job.id, latest, () => job.fire(latest));
            if (claim === "running") this.deps.log(`schedule ${job.id}: skipped the firing due ${latest.toISOString()}: its previous run is still going`);
          }
        }
      }
      const upcoming = cron.nextRun(new Date(now));
      if (upcoming) next = Math.min(next, upcoming.getTime());
    }
    if (!this.stopped) this.arm(next - this.deps.clock.now());
  }

  private cronOf(job: ScheduledJob): Cron {
    const key = `${job.cron}\u0000${job.tz ?? ""}`;
    let cron = this.crons.get(key);
    if (!cron) {
      cron = new Cron(job.cron, { timezone: job.tz, paused: true });
      this.crons.set(key, cron);
    }
    return cron;
  }
}

/** Due times walked forward one by one before jumping (a long downtime with a frequent cron). */
const MAX_DUE_STEPS = 1_000;

/**
 * The latest time the cron is due at or before `now`, given one such time `first`.
 * Walks forward from it; after a long gap, starts from croner's previousRuns (which
 * leaves out a due time in the current second) and walks the last steps.
 */
function latestDueAtOrBefore(cron: Cron, first: Date, now: number): Date {
  let latest = first;
  for (let step = 0; step < MAX_DUE_STEPS; step++) {
    const next = cron.nextRun(latest);
    if (!next || next.getTime() > now) return latest;
    latest = next;
  }
  const jumped = cron.previousRuns(1, new Date(now))[0];
  if (jumped && jumped > latest) latest = jumped;
  for (let step = 0; step < MAX_DUE_STEPS; step++) {
    const next = cron.nextRun(latest);
    if (!next || next.getTime() > now) break;
    latest = next;
  }
  return latest;
}

/** The next time `cron` (in `tz`) is due after `from`, for lists and replies. */
export function nextDue(cron: string, tz: string | undefined, from: Date): Date | undefined {
  try {
    return new Cron(cron, { timezone: tz, paused: true }).nextRun(from) ?? undefined;
  } catch {
    return undefined;
  }
}

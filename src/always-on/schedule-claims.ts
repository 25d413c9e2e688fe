import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { HomeLock } from "../library/home-lock.js";
import { writeStateFile } from "../library/state-files.js";
import { isProcessAlive } from "../util/process-alive.js";

/** How long a process waits for another to finish updating the schedule state (a read and a write: milliseconds). */
const CLAIM_LOCK_WAIT_MS = 10_000;

/** What the home remembers of one schedule across restarts and processes. */
export interface ScheduleState {
  /** The latest due time handled (fired or deliberately skipped): a firing at or before it is never run again. */
  lastDueAt?: string;
  /** The process running the schedule now, if any (runs of one schedule never overlap, across processes too). */
  runningPid?: number;
  runningSince?: string;
  lastRun?: { runId: string; ok: boolean; at: string; error?: string };
  /** Firings skipped because the previous run was still going. */
  skippedOverlaps?: number;
}

export type ClaimResult = "claimed" | "taken" | "running";

/**
 * The schedules' state in `state/schedules-state.json`, changed only under its own lock
 * file, so several toolsmith processes on one home (a stdio server and an HTTP server,
 * a `toolsmith schedule run`) fire each due time once and never run one schedule twice
 * at the same time.
 */
export class ScheduleClaims {
  private readonly file: string;
  private readonly lock: HomeLock;

  constructor(stateDir: string, private readonly pid: number) {
    this.file = join(stateDir, "schedules-state.json");
    this.lock = new HomeLock(join(stateDir, "schedules.lock"), CLAIM_LOCK_WAIT_MS);
  }

  async all(): Promise<Record<string, ScheduleState>> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as unknown;
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, ScheduleState>) : {};
    } catch {
      return {};
    }
  }

  async get(id: string): Promise<ScheduleState | undefined> {
    return (await this.all())[id];
  }

  /** Records `dueAt` as the first due time known for `id` (a schedule seen for the first time misses nothing before it). */
  async remember(id: string, dueAt: Date): Promise<void> {
    await this.update((states) => {
      if (!states[id]?.lastDueAt) states[id] = { ...states[id], lastDueAt: dueAt.toISOString() };
    });
  }

  /** Counts `id`'s due times from `at` on (a schedule set anew); a run going on stays recorded as such. */
  async restartFrom(id: string, at: Date): Promise<void> {
    await this.update((states) => {
      states[id] = { ...states[id], lastDueAt: at.toISOString() };
    });
  }

  /** Marks due times up to `dueAt` handled without running them (missed, and catchUp is off). */
  async advance(id: string, dueAt: Date): Promise<void> {
    await this.update((states) => {
      const state = { ...states[id] };
      if (!state.lastDueAt || Date.parse(state.lastDueAt) < dueAt.getTime()) state.lastDueAt = dueAt.toISOString();
      states[id] = state;
    });
  }

  /**
   * Takes the firing due at `dueAt` (or, without it, a run on request). "taken": another
   * process fired that due time already; "running": a run of `id` is going on (the due
   * time counts as handled: it is skipped, not queued).
   */
  async claim(id: string, dueAt: Date | undefined, runningHere: boolean): Promise<ClaimResult> {
    return this.update((states) => {
      const state = { ...states[id] };
      if (dueAt && state.lastDueAt && Date.parse(state.lastDueAt) >= dueAt.getTime()) return "taken";
      const elsewhere = state.runningPid !== undefined && state.runningPid !== this.pid && isProcessAlive(state.runningPid);
      if (dueAt) state.lastDueAt = dueAt.toISOString();
      if (runningHere || elsewhere) {
        if (dueAt) state.skippedOverlaps = (state.skippedOverlaps ?? 0) + 1;
        states[id] = state;
        return "running";
      }
      state.runningPid = this.pid;
      state.runningSince = new Date().toISOString();
      states[id] = state;
      return "claimed";
    });
  }

  /**
   * Gives back a firing claimed but not started (the process began stopping meanwhile):
   * no run is recorded, and the due time counts as not handled, so the next start catches it up.
   */
  async unclaim(id: string, dueAt: Date): Promise<void> {
    await this.update((states) => {
      const state = { ...states[id] };
      if (state.runningPid === this.pid) {
        delete state.runningPid;
        delete state.runningSince;
      }
      if (state.lastDueAt && Date.parse(state.lastDueAt) === dueAt.getTime()) state.lastDueAt = new Date(dueAt.getTime() - 1).toISOString();
      states[id] = state;
    });
  }

  async release(id: string, lastRun: ScheduleState["lastRun"]): Promise<void> {
    await this.update((states) => {
      const state = { ...states[id] };
      if (state.runningPid === this.pid) {
        delete state.runningPid;
        delete state.runningSince;
      }
      if (lastRun) state.lastRun = lastRun;
      states[id] = state;
    });
  }

  async forget(id: string): Promise<void> {
    await this.update((states) => {
      delete states[id];
    });
  }

  private update<T>(change: (states: Record<string, ScheduleState>) => T): Promise<T> {
    return this.lock.hold(async () => {
      const states = await this.all();
      const out = change(states);
      await writeStateFile(this.file, JSON.stringify(states, null, 2));
      return out;
    });
  }
}

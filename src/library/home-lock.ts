import { open, readFile, rm, stat } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { isProcessAlive } from "../util/process-alive.js";

/**
 * How long a writer waits for another toolsmith process to finish with the library
 * before giving up. A holder keeps it for one commit (milliseconds) or one sync with
 * the remote (a fetch and a push, each bounded by 30 s), so this covers the longest
 * legitimate hold.
 */
export const LIBRARY_LOCK_WAIT_MS = 75_000;
/** Polling interval while waiting: starts short (commits take milliseconds), backs off to this. */
const LOCK_POLL_MAX_MS = 50;
const LOCK_POLL_MIN_MS = 2;
/**
 * A lock file with no readable owner (its creator died between creating and writing
 * it, a window of microseconds) counts as stale once it is this old.
 */
const UNREADABLE_LOCK_STALE_MS = 10_000;
/** The guard that makes breaking a stale lock exclusive is itself stale after this long (the break takes microseconds). */
const BREAK_GUARD_STALE_MS = 10_000;

/** Who holds the lock: enough to tell whether that process still exists. */
interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux /proc), to tell a reused pid apart. */
  startTicks?: number;
  /** Unique per acquisition: only the acquirer releases. */
  token: string;
  since: string;
}

/** The library is held by another live process for longer than LIBRARY_LOCK_WAIT_MS. */
export class LibraryBusyError extends Error {
  override name = "LibraryBusyError";
}

export interface LockHeld {
  /** The previous owner died holding the lock (its half-done work must be undone). */
  brokeStale: boolean;
}

/**
 * A lock shared by every process using one toolsmith home: a file created with
 * O_EXCL holding the owner's pid, host and process start time. A lock whose owner
 * no longer runs is stale and is removed (under a second O_EXCL guard, so two
 * waiters never both remove it and then both hold it); waiting is bounded.
 * No native code: only the file system's exclusive create.
 */
export class HomeLock {
  constructor(
    readonly path: string,
    private readonly waitMs = LIBRARY_LOCK_WAIT_MS,
  ) {}

  /** Runs `task` while holding the lock; throws LibraryBusyError when it cannot be had in time. */
  async hold<T>(task: (held: LockHeld) => Promise<T>): Promise<T> {
    const { token, brokeStale } = await this.acquire();
    try {
      return await task({ brokeStale });
    } finally {
      await this.release(token);
    }
  }

  private async acquire(): Promise<{ token: string; brokeStale: boolean }> {
    const owner: LockOwner = { pid: process.pid, host: hostname(), startTicks: startTicksOf(process.pid), token: randomBytes(8).toString("hex"), since: new Date().toISOString() };
    const deadline = Date.now() + this.waitMs;
    let brokeStale = false;
    let pause = LOCK_POLL_MIN_MS;
    for (;;) {
      if (await this.tryCreate(owner)) return { token: owner.token, brokeStale };
      const current = await this.readOwner();
      if (current === "gone") continue;
      if (isStale(current)) {
        brokeStale = (await this.breakStale(current)) || brokeStale;
        continue;
      }
      if (Date.now() >= deadline) throw busy(current, this.waitMs);
      await sleep(pause);
      pause = Math.min(pause * 2, LOCK_POLL_MAX_MS);
    }
  }

  private async tryCreate(owner: LockOwner): Promise<boolean> {
    let handle;
    try {
      handle = await open(this.path, "wx", 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  }

  /** The owner as written, "unreadable" (with its age) when the file holds no owner yet, or "gone". */
  private async readOwner(): Promise<{ text: string; owner?: LockOwner; ageMs: number } | "gone"> {
    try {
      const [text, info] = await Promise.all([readFile(this.path, "utf8"), stat(this.path)]);
      let owner: LockOwner | undefined;
      try {
        const parsed = JSON.parse(text) as LockOwner;
        if (Number.isInteger(parsed.pid) && typeof parsed.token === "string") owner = parsed;
      } catch {
        owner = undefined;
      }
      return { text, owner, ageMs: Date.now() - info.mtimeMs };
    } catch {
      return "gone";
    }
  }

  /** Removes the lock if it still is the stale one seen; true when this call removed it. */
  private async breakStale(seen: { text: string }): Promise<boolean> {
    const guard = `${this.path}.break`;
    let handle;
    try {
      handle = await open(guard, "wx");
    } catch {
      const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > BREAK_GUARD_STALE_MS) await rm(guard, { force: true });
      else await sleep(LOCK_POLL_MIN_MS);
      return false;
    }
    try {
      const now = await readFile(this.path, "utf8").catch(() => undefined);
      if (now !== seen.text) return false;
      await rm(this.path, { force: true });
      return true;
    } finally {
      await handle.close();
      await rm(guard, { force: true });
    }
  }

  private async release(token: string): Promise<void> {
    const current = await this.readOwner();
    if (current !== "gone" && current.owner?.token === token) await rm(this.path, { force: true });
  }
}

function isStale(current: { owner?: LockOwner; ageMs: number }): boolean {
  const owner = current.owner;
  if (!owner) return current.ageMs > UNREADABLE_LOCK_STALE_MS;
  // A process on another machine (a home on a shared disk) cannot be checked: it is live.
  if (owner.host !== hostname()) return false;
  if (!isProcessAlive(owner.pid)) return true;
  // The pid runs, but it may be another process that was given the dead owner's pid.
  const ticks = startTicksOf(owner.pid);
  return owner.startTicks !== undefined && ticks !== undefined && ticks !== owner.startTicks;
}

function busy(current: { owner?: LockOwner }, waitMs: number): LibraryBusyError {
  const who = current.owner ? `process ${current.owner.pid}${current.owner.host !== hostname() ? ` on ${current.owner.host}` : ""}, since ${current.owner.since}` : "a process that is starting";
  return new LibraryBusyError(
    `The library is busy: another toolsmith process using the same home (${who}) holds its lock and did not release it within ${Math.round(waitMs / 1000)} s. Nothing was changed; retry in a moment. If no other toolsmith is running, the lock is left over and is removed automatically once its process has exited.`,
  );
}


/** Field 22 of /proc/<pid>/stat (start time in ticks since boot); undefined where there is no /proc. */
function startTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

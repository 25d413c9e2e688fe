import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { GitRepo } from "./git-repo.js";
import { nameOfFile } from "./names.js";
import { NotRegularFileError, removeInside, writeInside } from "./regular-files.js";
import { ensureStateDir, writeStateFileInPlace } from "./state-files.js";
import { isProcessAlive } from "../util/process-alive.js";

/** The folder of `state/` where each live process of a home keeps a file named by its pid. */
const PROCESSES_DIR = "processes";

/**
 * What makes a library consistent again after a process was killed mid-save:
 * a journal of the files a save is about to write, the live toolsmith processes
 * of a home (so a lock is only removed when nobody can be holding it), and the
 * leftovers of an interrupted atomic write.
 */
export class CrashRecovery {
  private readonly journal: string;
  private readonly locks: string;

  constructor(
    private readonly repo: GitRepo,
    stateDir: string,
  ) {
    this.journal = join(stateDir, "save-journal.json");
    this.locks = join(stateDir, PROCESSES_DIR);
  }

  /** Records this process as a user of the library (removed when it exits normally). */
  async register(pid: number): Promise<void> {
    await ensureStateDir(this.locks);
    await writeStateFileInPlace(join(this.locks, String(pid)), String(Date.now()));
  }

  async unregister(pid: number): Promise<void> {
    await rm(join(this.locks, String(pid)), { force: true });
  }

  /** Before a save writes anything: the paths it may touch. */
  async begin(paths: string[]): Promise<void> {
    await writeStateFileInPlace(this.journal, JSON.stringify({ paths, at: new Date().toISOString() }));
  }

  /** After the save committed, or rolled back by itself. */
  async end(): Promise<void> {
    await rm(this.journal, { force: true });
  }

  /**
   * Run at start, before anything reads the library, holding the home's lock. Returns
   * what it repaired. Git's own lock files are removed only when no other toolsmith
   * process of this home is alive (one might be running git this instant).
   */
  async recover(selfPid: number): Promise<string[]> {
    const others = await this.liveOthers(selfPid);
    const repaired = others.length === 0 ? await this.removeGitLocks() : [];
    repaired.push(...(await this.rollBackJournal()));
    const leftovers = await findTempFiles(this.repo.root);
    for (const file of leftovers) await rm(file, { force: true });
    if (leftovers.length) repaired.push(`removed ${leftovers.length} partial file(s) of an interrupted write`);
    return repaired;
  }

  /**
   * Run by whoever takes over the home's lock from a process that died holding it:
   * that process's git lock files and its half-written save are left-overs.
   */
  async rollBackAbandoned(): Promise<string[]> {
    return [...(await this.removeGitLocks()), ...(await this.rollBackJournal())];
  }

  private async removeGitLocks(): Promise<string[]> {
    const repaired: string[] = [];
    for (const lock of await this.gitLocks()) {
      await rm(lock, { force: true });
      repaired.push(`removed stale git lock ${lock.slice(this.repo.root.length + 1)}`);
    }
    return repaired;
  }

  /** Puts the files of an interrupted save back as HEAD has them (the caller holds the home's lock). */
  private async rollBackJournal(): Promise<string[]> {
    const interrupted = await readFile(this.journal, "utf8").then((t) => JSON.parse(t) as { paths: unknown }, () => undefined);
    if (!interrupted) return [];
    const paths = Array.isArray(interrupted.paths) ? interrupted.paths.filter((p): p is string => typeof p === "string") : [];
    const repaired: string[] = [];
    const restored: string[] = [];
    for (const path of paths) {
      const skipped = await this.rollBack(path);
      if (skipped) repaired.push(skipped);
      else restored.push(path);
    }
    if (restored.length) await this.repo.git.raw(["reset", "--quiet", "HEAD", "--", ...restored]).catch(() => undefined);
    await this.end();
    if (restored.length) repaired.push(`rolled back an interrupted save (${restored.join(", ")})`);
    return repaired;
  }

  /**
   * Puts one journaled path back as it is at HEAD (or removes it), never following a
   * link: folders on the way must be real, and a link at the path itself is replaced or
   * removed, not written through. Returns why it was left alone, if it was.
   */
  private async rollBack(path: string): Promise<string | undefined> {
    if (nameOfFile(path) === undefined) return `left a journal entry alone: '${path}' is not a file of an integration`;
    try {
      const atHead = await this.repo.show("HEAD", path);
      if (atHead === undefined) await removeInside(this.repo.root, path);
      else await writeInside(this.repo.root, path, atHead);
      return undefined;
    } catch (error) {
      if (error instanceof NotRegularFileError) return `left '${path}' alone: ${error.message}`;
      throw error;
    }
  }

  private async liveOthers(selfPid: number): Promise<number[]> {
    const entries = await readdir(this.locks).catch(() => [] as string[]);
    const alive: number[] = [];
    for (const entry of entries) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === selfPid) continue;
      if (isProcessAlive(pid)) alive.push(pid);
      else await rm(join(this.locks, entry), { force: true });
    }
    return alive;
  }

  private async gitLocks(): Promise<string[]> {
    const gitDir = join(this.repo.root, ".git");
    const found: string[] = [];
    for (const name of ["index.lock", "HEAD.lock", "ORIG_HEAD.lock", "config.lock", "packed-refs.lock"]) {
      if (await stat(join(gitDir, name)).then(() => true, () => false)) found.push(join(gitDir, name));
    }
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith(".lock")) found.push(path);
      }
    };
    await walk(join(gitDir, "refs"));
    return found;
  }
}


/** Files left by writeFileAtomic when its process died between write and rename. */
async function findTempFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.name === ".git") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.\d+\.[0-9a-f]{8}\.tmp$/.test(entry.name)) found.push(path);
    }
  };
  await walk(root);
  return found;
}

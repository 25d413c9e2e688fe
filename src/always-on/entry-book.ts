import { join } from "node:path";
import { HomeLock } from "../library/home-lock.js";
import { ensureStateDir } from "../library/state-files.js";
import { fileStamp, readEntries, readRawEntries, writeEntries, type EntryProblem, type FileKind, type Loaded } from "./always-on-files.js";

/** How long a change to schedules.json or hooks.json waits for another process's change (a read and a write). */
const FILE_LOCK_WAIT_MS = 10_000;

/**
 * One of the home's always-on files (schedules.json or hooks.json) as a live book: read
 * again only when its stamp changes (another process, a person's editor), changed by
 * read-modify-write under a lock so concurrent changes from several processes all land.
 * Entries that fail validation are reported once per change and kept in the file as they are.
 */
export class EntryBook<T> {
  private cached: { stamp: string; loaded: Loaded<T> } | { stamp: string; error: Error } | undefined;
  private readonly lock: HomeLock;

  constructor(
    private readonly path: string,
    private readonly kind: FileKind<T>,
    private readonly fileName: string,
    private readonly stateDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.lock = new HomeLock(join(stateDir, `${kind.key}-file.lock`), FILE_LOCK_WAIT_MS);
  }

  /** The valid entries and the problems of the others; throws AlwaysOnFileError when the file as a whole is unusable. */
  async current(): Promise<Loaded<T>> {
    const stamp = fileStamp(this.path);
    if (this.cached?.stamp !== stamp) {
      try {
        const loaded = await readEntries(this.path, this.kind, this.fileName);
        for (const problem of loaded.problems) this.log(`${this.fileName}: ${problem.message} (this entry is not used; the others are)`);
        this.cached = { stamp, loaded };
      } catch (error) {
        this.log(`${(error as Error).message} (no entry of it is used until it is fixed)`);
        this.cached = { stamp, error: error as Error };
      }
    }
    if ("error" in this.cached) throw this.cached.error;
    return this.cached.loaded;
  }

  /** Like current(), but an unusable file reads as no entries and one problem with id "*" (the scheduler keeps going). */
  async currentOrEmpty(): Promise<Loaded<T>> {
    try {
      return await this.current();
    } catch (error) {
      const problem: EntryProblem = { id: "*", message: (error as Error).message };
      return { entries: new Map(), problems: [problem] };
    }
  }

  /** Changes the raw entries under the lock; `change` returns what the caller gets back. */
  async change<R>(change: (entries: Map<string, unknown>) => R): Promise<R> {
    await ensureStateDir(this.stateDir);
    return this.lock.hold(async () => {
      const entries = await readRawEntries(this.path, this.kind, this.fileName);
      const out = change(entries);
      await writeEntries(this.path, this.kind, entries);
      this.cached = undefined;
      return out;
    });
  }
}

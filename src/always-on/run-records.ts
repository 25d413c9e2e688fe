import { mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { LogEntry } from "../sandbox/protocol.js";

/** The workspace folder (relative to the workspace) that holds outcomes: runs/<id>/<timestamp>.json. */
export const RUNS_FOLDER = "runs";
/** Writes to one id after which its folder is listed again, so records another process wrote there (a CLI `schedule run`) count towards `keep`. */
const RELIST_AFTER_WRITES = 50;
/**
 * How long a record handed to writeSoon waits for others to share its pass. Each record
 * is a few file system calls, each a thread-pool round trip; written right after each
 * reply they competed with the next hook's run, written together every WRITE_DELAY_MS
 * they mostly do not. A run's outcome reaches disk this much later at most; `flush()`
 * writes at once.
 */
export const WRITE_DELAY_MS = 20;

/** What started a run: a schedule's time, its runNow/`schedule run`, a webhook, or the built-in self-check. */
export type RunTrigger = "schedule" | "manual" | "hook" | "self-check";

/** One run's outcome as kept on disk (`{ ok, result?, error?, startedAt, durationMs }` and context). */
export interface RunRecord {
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
  startedAt: string;
  durationMs: number;
  trigger: RunTrigger;
  integration?: string;
  export?: string;
  logs: LogEntry[];
  /** Versions (commit shas) of the library integrations the run loaded. */
  versions: Record<string, string>;
  /** For a scheduled firing: the time it was due (startedAt may be later after downtime). */
  dueAt?: string;
}

/**
 * Outcomes of schedule and hook runs under `workspace/runs/<id>/`, one JSON file per run
 * named by its start time, at most `keep` per id (the oldest are removed after writes;
 * another process's records count from the next listing, see `known`).
 * Written by the host, so guest code reads them with `workspace.readJson`.
 */
export class RunRecords {
  private readonly root: string;
  /** Folders made by this process: a reservation skips their mkdir (one file system call fewer on a hook's path). */
  private readonly madeDirs = new Set<string>();
  /** Records handed to writeSoon and not yet on disk, in order; one background pass writes them all. */
  private pending: Array<{ runId: string; record: RunRecord; written: () => void }> = [];
  private writing: Promise<void> = Promise.resolve();
  /** The pending pass, until it starts. */
  private timer: NodeJS.Timeout | undefined;
  /**
   * Per id, the names of its records on disk (oldest first) as this process knows them:
   * listed on the first write and every RELIST_AFTER_WRITES writes, kept up to date in
   * between, so pruning after a write usually costs one unlink and no listing.
   */
  private readonly known = new Map<string, { names: string[]; writes: number }>();

  constructor(
    workspaceDir: string,
    private readonly keep: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.root = join(workspaceDir, RUNS_FOLDER);
  }

  /** A run id (`<id>/<timestamp>`) reserved for a run starting at `startedAt`; its file exists (empty) until `write`. */
  async reserve(id: string, startedAt: Date): Promise<string> {
    const dir = join(this.root, id);
    const stamp = fileStamp(startedAt);
    for (let n = 1; ; n++) {
      const name = n === 1 ? stamp : `${stamp}-${n}`;
      try {
        if (!this.madeDirs.has(dir)) {
          await mkdir(dir, { recursive: true });
          this.madeDirs.add(dir);
        }
        const handle = await open(join(dir, `${name}.json`), "wx", 0o600);
        await handle.close();
        return `${id}/${name}`;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // The folder was removed since (a person cleaning up runs/): made again on the next try.
        if (code === "ENOENT" && this.madeDirs.delete(dir) && n <= 1000) continue;
        if (code !== "EEXIST" || n > 1000) throw error;
      }
    }
  }

  async write(runId: string, record: RunRecord): Promise<void> {
    await this.writeRecord(runId, record);
    await this.prune(idOf(runId), [runId]);
  }

  /**
   * Writes the record after the caller has moved on (a hook replies before its record is
   * on disk): records queued within WRITE_DELAY_MS are written in one pass that prunes
   * each id once; a failed write is logged, never dropped silently. Resolves when this
   * record is written or its failure logged; `flush()` waits for every record handed over.
   */
  writeSoon(runId: string, record: RunRecord): Promise<void> {
    return new Promise<void>((written) => {
      this.pending.push({ runId, record, written });
      if (this.timer) return; // the pass already scheduled takes this one too
      this.timer = setTimeout(() => this.writeQueued(), WRITE_DELAY_MS);
    });
  }

  /** Resolves when every record handed to writeSoon so far is written (or its failure logged). */
  async flush(): Promise<void> {
    if (this.timer) this.writeQueued();
    await this.writing;
  }

  private writeQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writePending());
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const ids = new Map<string, string[]>();
    // One after another: a record on disk means every record handed over before it is too.
    for (const { runId, record, written } of batch) {
      await this.writeRecord(runId, record).then(
        () => {
          const id = idOf(runId);
          ids.set(id, [...(ids.get(id) ?? []), runId]);
        },
        (error: Error) => this.log(`run ${runId}: its record could not be written to workspace/${RUNS_FOLDER}/${runId}.json (${error.message}); outcome: ${record.ok ? "ok" : `failed: ${record.error?.name}: ${record.error?.message}`}`),
      );
      written();
    }
    for (const [id, runIds] of ids) await this.prune(id, runIds).catch((error: Error) => this.log(`runs of ${id}: old records could not be removed (${error.message})`));
  }

  private async writeRecord(runId: string, record: RunRecord): Promise<void> {
    await writeFileIn(join(this.root, `${runId}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }

  /** The newest records of one id, newest first (empty files of runs still going are left out). */
  async recent(id: string, count: number): Promise<Array<{ runId: string; record: RunRecord }>> {
    const names = await this.names(id);
    const out: Array<{ runId: string; record: RunRecord }> = [];
    for (const name of names.reverse()) {
      if (out.length >= count) break;
      const text = await readFile(join(this.root, id, name), "utf8").catch(() => "");
      if (!text) continue;
      try {
        out.push({ runId: `${id}/${name.slice(0, -".json".length)}`, record: JSON.parse(text) as RunRecord });
      } catch {
        // A record cut by a crash: skipped.
      }
    }
    return out;
  }

  async read(runId: string): Promise<RunRecord | undefined> {
    const text = await readFile(join(this.root, `${runId}.json`), "utf8").catch(() => "");
    return text ? (JSON.parse(text) as RunRecord) : undefined;
  }

  private async names(id: string): Promise<string[]> {
    const names = await readdir(join(this.root, id)).catch(() => [] as string[]);
    // The timestamp names sort in time order (ISO, fixed width; "-2" suffixes after their base).
    return names.filter((n) => n.endsWith(".json")).sort();
  }

  /** Removes the oldest records of `id` beyond `keep`, after `runIds` (of that id) were written. */
  private async prune(id: string, runIds: string[]): Promise<void> {
    let known = this.known.get(id);
    if (!known || known.writes >= RELIST_AFTER_WRITES) {
      known = { names: await this.names(id), writes: 0 };
      this.known.set(id, known);
    } else {
      for (const runId of runIds) insertSorted(known.names, `${runId.slice(id.length + 1)}.json`);
    }
    known.writes += runIds.length;
    const excess = known.names.length - this.keep;
    if (excess <= 0) return;
    for (const name of known.names.splice(0, excess)) {
      await unlink(join(this.root, id, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error; // removed already (by another process or a person)
      });
    }
  }
}

/** Adds `name` to the sorted `names` unless it is there (a new record's name is usually the last). */
function insertSorted(names: string[], name: string): void {
  let at = names.length;
  while (at > 0 && names[at - 1]! > name) at--;
  if (names[at - 1] !== name) names.splice(at, 0, name);
}

function idOf(runId: string): string {
  return runId.slice(0, runId.indexOf("/"));
}

/** `2026-12-02T06-40-00.123Z`: an ISO time that is a valid file name everywhere. */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/:/g, "-");
}

async function writeFileIn(path: string, text: string): Promise<void> {
  const handle = await open(path, "w", 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

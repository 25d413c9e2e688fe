import { appendFile, chmod, mkdir, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { RunRecordSchema, type RunRecord } from "./run-record.js";

/** The file runs are appended to; it is rotated once it passes MAX_SEGMENT_BYTES. */
const CURRENT = "runs.jsonl";
/** Rotated segments: `runs-<ms since epoch>-<pid>.jsonl` (unique per process, so two processes rotating at once lose nothing). */
const ROTATED = /^runs-(\d{13})-(\d+)\.jsonl$/;
/** Size at which the current file is rotated. */
export const MAX_SEGMENT_BYTES = 1024 * 1024;
/** Rotated segments kept besides the current file: at most ~5 MiB of runs in all. */
export const KEPT_SEGMENTS = 4;
/** Records waiting to be written at most (a stuck disk must not grow memory); later ones are not recorded. */
const MAX_QUEUED_RECORDS = 1_000;
/** How long a record waits for others to share its append (another process's listing sees it this much later at most). */
export const APPEND_DELAY_MS = 100;
/** Runs listed when no limit is given. */
export const DEFAULT_RUNS_LISTED = 20;
/** Most runs one listing returns. */
export const MAX_RUNS_LISTED = 1000;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export interface RunFilter {
  /** Only runs that failed. */
  failed?: boolean;
  /** Only runs that imported this saved integration. */
  integration?: string;
  limit?: number;
}

/**
 * The last runs of a home, one JSON line each, in `state/runs/`. Several processes
 * may append at once: each batch of records is one `appendFile` of whole lines (O_APPEND), and
 * rotation renames to a name no other process uses, so no line is lost or torn.
 * A line that does not parse (cut by a crash) is skipped when reading.
 */
export class RunLog {
  private writing: Promise<void> = Promise.resolve();
  /** Lines waiting for the write in progress to finish: written together, in one append. */
  private queued: string[] = [];
  private ready: Promise<void> | undefined;
  /** The pending batch's write, until it starts. */
  private timer: NodeJS.Timeout | undefined;

  /** `writerId` (a process id) keeps this process's rotated segment names apart from others'. */
  constructor(
    readonly dir: string,
    private readonly writerId: number,
    private readonly bounds: { maxSegmentBytes: number; keptSegments: number } = { maxSegmentBytes: MAX_SEGMENT_BYTES, keptSegments: KEPT_SEGMENTS },
  ) {}

  /**
   * Queues a record; `flush()` (and every read by this process) writes it at once,
   * otherwise it goes out with the others of the next APPEND_DELAY_MS in one append.
   * Opening, appending to and stat-ing the file cost ~0.8 ms of the main thread on a
   * loaded machine: paid per run, that was half a trivial run's round trip.
   */
  append(record: RunRecord): void {
    if (this.queued.length >= MAX_QUEUED_RECORDS) return;
    this.queued.push(`${JSON.stringify(record)}\n`);
    if (this.timer || this.queued.length > 1) return; // a write is scheduled and will take this line too
    this.timer = setTimeout(() => this.writeQueued(), APPEND_DELAY_MS);
    // Never what keeps a process alive: close() flushes.
    this.timer.unref();
  }

  /** Writes what is queued now; resolves when everything appended so far is on disk. */
  flush(): Promise<void> {
    if (this.timer) this.writeQueued();
    return this.writing;
  }

  private writeQueued(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing
      .then(() => {
        const lines = this.queued.join("");
        this.queued = [];
        return lines ? this.write(lines) : undefined;
      })
      .catch(() => undefined);
  }

  /** Runs newest first, filtered. */
  async recent(filter: RunFilter = {}): Promise<RunRecord[]> {
    await this.flush();
    const limit = Math.min(Math.max(1, filter.limit ?? DEFAULT_RUNS_LISTED), MAX_RUNS_LISTED);
    const out: RunRecord[] = [];
    for (const file of await this.segmentsNewestFirst()) {
      const text = await readFile(join(this.dir, file), "utf8").catch(() => "");
      const lines = text.split("\n");
      for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
        const record = parseLine(lines[i]!);
        if (!record) continue;
        if (filter.failed && record.ok) continue;
        if (filter.integration !== undefined && !record.integrations.some((used) => used.name === filter.integration)) continue;
        out.push(record);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  private async write(lines: string): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: DIR_MODE }).then(() => chmod(this.dir, DIR_MODE).catch(() => undefined));
    await this.ready;
    const path = join(this.dir, CURRENT);
    await appendFile(path, lines, { mode: FILE_MODE });
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size >= this.bounds.maxSegmentBytes) await this.rotate(path);
  }

  private async rotate(path: string): Promise<void> {
    // Another process may have rotated it a moment ago: then there is nothing to move.
    await rename(path, join(this.dir, `runs-${Date.now()}-${this.writerId}.jsonl`)).catch(() => undefined);
    const rotated = (await this.segmentsNewestFirst()).filter((f) => f !== CURRENT);
    for (const old of rotated.slice(this.bounds.keptSegments)) await unlink(join(this.dir, old)).catch(() => undefined);
  }

  /** The current file first, then rotated segments newest first. */
  private async segmentsNewestFirst(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const rotated = names.filter((n) => ROTATED.test(n)).sort().reverse();
    return [...(names.includes(CURRENT) ? [CURRENT] : []), ...rotated];
  }
}

function parseLine(line: string): RunRecord | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = RunRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

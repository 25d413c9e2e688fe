import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LogEntry } from "../sandbox/protocol.js";

/** The workspace folder (relative to the workspace) that holds outcomes: runs/<id>/<timestamp>.json. */
export const RUNS_FOLDER = "runs";

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
 * named by its start time, at most `keep` per id (the oldest are removed after each write).
 * Written by the host, so guest code reads them with `workspace.readJson`.
 */
export class RunRecords {
  private readonly root: string;

  constructor(workspaceDir: string, private readonly keep: number) {
    this.root = join(workspaceDir, RUNS_FOLDER);
  }

  /** A run id (`<id>/<timestamp>`) reserved for a run starting at `startedAt`; its file exists (empty) until `write`. */
  async reserve(id: string, startedAt: Date): Promise<string> {
    const dir = join(this.root, id);
    await mkdir(dir, { recursive: true });
    const stamp = fileStamp(startedAt);
    for (let n = 1; ; n++) {
      const name = n === 1 ? stamp : `${stamp}-${n}`;
      try {
        const handle = await open(join(dir, `${name}.json`), "wx", 0o600);
        await handle.close();
        return `${id}/${name}`;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n > 1000) throw error;
      }
    }
  }

  async write(runId: string, record: RunRecord): Promise<void> {
    await writeFileIn(join(this.root, `${runId}.json`), `${JSON.stringify(record, null, 2)}\n`);
    await this.prune(runId.slice(0, runId.indexOf("/")));
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

  private async prune(id: string): Promise<void> {
    const names = await this.names(id);
    const excess = names.length - this.keep;
    for (const name of names.slice(0, Math.max(0, excess))) await rm(join(this.root, id, name), { force: true });
  }
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

import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { appendStateFile, writeStateFile } from "./state-files.js";

/** Longest error kept in a record (what search shows; the full story is one verify away). */
export const VERIFICATION_ERROR_MAX_CHARS = 500;
/** Lines the log may reach before it is rewritten with the latest record per integration. */
const COMPACT_AFTER_LINES = 5_000;

const RecordSchema = z.object({
  name: z.string(),
  /** The integration's version (commit) the test ran against. */
  version: z.string().optional(),
  passed: z.boolean(),
  at: z.string(),
  error: z.string().optional(),
});
type StoredRecord = z.infer<typeof RecordSchema>;

/** What search shows as `lastVerification`: the last re-run of the saved test, not the save-time `verified`. */
export interface LastVerification {
  passed: boolean;
  /** ISO time of the re-run. */
  at: string;
  error?: string;
}

/**
 * The outcome of the last `verify` of each integration, in the home's
 * `state/verifications.jsonl` (not in git: it describes this machine's view of the APIs).
 * Every outcome is one appended line, small enough that concurrent processes' appends
 * never interleave (O_APPEND); the last line per name wins. Other processes' records are
 * picked up when the file's size changes. A record is shown only while the integration
 * is at the version it was verified at: a new save starts over with `verified`.
 */
export class VerificationRecords {
  private readonly file: string;
  private latest = new Map<string, StoredRecord>();
  private loadedSize = -1;
  private lines = 0;

  constructor(stateDir: string) {
    this.file = join(stateDir, "verifications.jsonl");
  }

  /** Re-reads the file if it changed since the last read (another process verified something). */
  async refresh(): Promise<void> {
    const size = await stat(this.file).then((s) => s.size, () => 0);
    if (size === this.loadedSize) return;
    const text = await readFile(this.file, "utf8").catch(() => "");
    const latest = new Map<string, StoredRecord>();
    let lines = 0;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      lines++;
      try {
        const parsed = RecordSchema.safeParse(JSON.parse(line));
        if (parsed.success) latest.set(parsed.data.name, parsed.data);
      } catch {
        // A torn or foreign line: skipped; the next record of that name replaces it anyway.
      }
    }
    this.latest = latest;
    this.lines = lines;
    this.loadedSize = size;
  }

  async record(name: string, outcome: { version?: string; passed: boolean; error?: string }): Promise<LastVerification> {
    const entry: StoredRecord = { name, ...(outcome.version ? { version: outcome.version } : {}), passed: outcome.passed, at: new Date().toISOString() };
    if (!outcome.passed && outcome.error) entry.error = outcome.error.slice(0, VERIFICATION_ERROR_MAX_CHARS);
    await appendStateFile(this.file, `${JSON.stringify(entry)}\n`);
    await this.refresh();
    if (this.lines > COMPACT_AFTER_LINES) await this.compact();
    return shown(entry);
  }

  /** The last verification of `name` at `version`, if there is one. */
  get(name: string, version: string | undefined): LastVerification | undefined {
    const entry = this.latest.get(name);
    if (!entry || (entry.version ?? undefined) !== (version ?? undefined)) return undefined;
    return shown(entry);
  }

  /**
   * Rewrites the log with one line per integration. A line another process appends
   * between the read and the rename is lost; the next verify of that integration
   * records it again (state is a cache of outcomes, never needed for correctness).
   */
  private async compact(): Promise<void> {
    const text = [...this.latest.values()].map((r) => `${JSON.stringify(r)}\n`).join("");
    await writeStateFile(this.file, text);
    this.loadedSize = -1;
    await this.refresh();
  }
}

function shown(entry: StoredRecord): LastVerification {
  return { passed: entry.passed, at: entry.at, ...(entry.error ? { error: entry.error } : {}) };
}

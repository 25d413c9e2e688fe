import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { appendStateFile, writeStateFile } from "./state-files.js";
import { extractSignature } from "./signature.js";

/**
 * New entries up to this many are appended to the log instead of rewriting the whole
 * file (megabytes with a large library); more than that (a first start) rewrite it.
 */
const APPEND_LIMIT = 256;

/**
 * Signatures by hash of the code, persisted in the home's `state/` so a restart
 * does not re-parse every integration. Only a cache: losing it costs time, not data.
 *
 * `signatures.json` holds them all; `signatures.log` (one `[hash, signature]` JSON
 * line each) the few added since, so a save appends a line instead of rewriting the
 * file. The next start folds the log into the file.
 */
export class SignatureCache {
  private entries = new Map<string, string>();
  /** Entries not on disk yet. */
  private pending = new Map<string, string>();
  /** The log has entries that belong in the file. */
  private compact = false;
  private readonly file: string;
  private readonly log: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, "signatures.json");
    this.log = join(stateDir, "signatures.log");
  }

  async load(): Promise<void> {
    this.pending = new Map();
    this.compact = false;
    try {
      const raw = JSON.parse(await readFile(this.file, "utf8")) as Record<string, string>;
      this.entries = new Map(Object.entries(raw).filter(([, v]) => typeof v === "string"));
    } catch {
      this.entries = new Map();
    }
    const log = await readFile(this.log, "utf8").catch(() => "");
    for (const line of log.split("\n")) {
      if (!line) continue;
      this.compact = true;
      try {
        const [key, value] = JSON.parse(line) as unknown[];
        if (typeof key === "string" && typeof value === "string") this.entries.set(key, value);
      } catch {
        // A line cut short by a crash: that entry is computed again when needed.
      }
    }
  }

  async get(code: string): Promise<string> {
    const key = createHash("sha1").update(code).digest("hex");
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const signature = await extractSignature(code);
    this.entries.set(key, signature);
    this.pending.set(key, signature);
    return signature;
  }

  async persist(): Promise<void> {
    if (this.pending.size === 0 && !this.compact) return;
    const pending = this.pending;
    this.pending = new Map();
    try {
      if (this.compact || pending.size > APPEND_LIMIT) {
        this.compact = false;
        await writeStateFile(this.file, JSON.stringify(Object.fromEntries(this.entries)));
        await rm(this.log, { force: true });
      } else {
        await appendStateFile(this.log, [...pending].map((entry) => `${JSON.stringify(entry)}\n`).join(""));
      }
    } catch {
      // A read-only or full state folder only costs a slower next start.
    }
  }
}

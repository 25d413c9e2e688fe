import { createHash } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STATE_FILE_MODE } from "./state-files.js";

/** Past this many entries the file starts over (each is a few KB; a derived entry is only a cache). */
const MAX_ENTRIES = 20_000;

/**
 * Declarations the compiler derived for integrations whose version came without a
 * `<name>.d.ts` (a library pulled from a remote written by an older toolsmith, or a file
 * added by hand), kept in the home's `state/declarations.jsonl` by hash of name and code,
 * so each is derived once per home and not on every start. Only a cache: losing it costs
 * a compile, not data. Saves commit their `.d.ts` and never come here.
 */
export class DerivedDeclarations {
  private entries: Map<string, string> | undefined;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, "declarations.jsonl");
  }

  /** The cached declarations of this code, else `derive()`'s, recorded for the next time. */
  get(name: string, code: string, derive: () => string): string {
    const entries = this.load();
    const key = createHash("sha1").update(name).update("\0").update(code).digest("hex");
    const hit = entries.get(key);
    if (hit !== undefined) return hit;
    const dts = derive();
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(key, dts);
    // Written at once (a few KB, after a compile that took far longer), so a restart right after finds it.
    try {
      appendFileSync(this.file, `${JSON.stringify([key, dts])}\n`, { mode: STATE_FILE_MODE });
    } catch {
      // A read-only or full state folder only costs deriving it again after a restart.
    }
    return dts;
  }

  /** Read on first use (synchronously: search asks for declarations synchronously). */
  private load(): Map<string, string> {
    if (this.entries) return this.entries;
    this.entries = new Map();
    let text = "";
    try {
      text = readFileSync(this.file, "utf8");
    } catch {
      return this.entries;
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const [key, value] = JSON.parse(line) as unknown[];
        if (typeof key === "string" && typeof value === "string") this.entries.set(key, value);
      } catch {
        // A line cut short by a crash: derived again when needed.
      }
    }
    return this.entries;
  }
}

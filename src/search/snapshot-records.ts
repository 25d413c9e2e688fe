import { rememberFacts, storedFactsOf, type StoredFacts } from "../library/declaration-outline.js";
import type { Integration } from "../library/library-store.js";
import type { IndexedEntry } from "./search-entries.js";

/**
 * The integration records of a search snapshot, one JSON line each, kept as the bytes
 * read from disk and parsed only when a record is asked for: a restart's first search
 * reads the records of its hits, not of the whole library (10,000 records took about
 * 0.2 s to parse, and as long again to collect). Each line also holds the facts search
 * reads from the record's declarations (outline, statements), so answering needs no compiler.
 */

/** A record as a snapshot line holds it: code left out where declarations were committed (search shows those). */
interface StoredRecord extends Integration {
  facts?: StoredFacts;
}

const NEWLINE = 0x0a;

export class SnapshotRecords {
  /** True once a line could not be read as a record (the file was damaged after it was written). */
  damaged = false;

  /** `bytes` holds the lines; `starts[i]`..`starts[i + 1] - 1` is line i (without its newline); `withFacts[i]` is "1" when line i holds its declarations' facts. */
  constructor(
    private readonly bytes: Buffer,
    private readonly starts: readonly number[],
    private readonly withFacts: string,
  ) {}

  /** Whether line `i` holds the facts of its declarations (or has none to hold). */
  hasFacts(i: number): boolean {
    return this.withFacts[i] === "1";
  }

  get count(): number {
    return this.starts.length - 1;
  }

  /** Line `i` as stored (what a snapshot written later copies when the record did not change). */
  line(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]!, this.starts[i + 1]! - 1);
  }

  /** Record `i`; a line that is not one (a damaged file) gives an empty record named `name` and marks the snapshot damaged. */
  record(i: number, name: string): Integration {
    try {
      const stored = JSON.parse(this.line(i).toString("utf8")) as StoredRecord;
      if (stored?.name !== name || typeof stored.code !== "string" || typeof stored.signature !== "string" || typeof stored.meta !== "object" || stored.meta === null) throw new Error("not a record");
      const { facts, ...record } = stored;
      if (record.declarations === undefined) return record;
      if (facts) rememberFacts(record.declarations, facts);
      // Its signature is its declarations: stored once.
      return { ...record, signature: record.declarations };
    } catch {
      this.damaged = true;
      return { name, code: "", signature: "", meta: { description: "", tags: [], hosts: [], secrets: [], verified: false } };
    }
  }
}

/**
 * Where each line of `bytes` starts, from `from` on, for `count` lines; undefined when the
 * bytes do not hold exactly that many newline-terminated lines (a truncated file).
 */
export function lineStarts(bytes: Buffer, from: number, count: number): number[] | undefined {
  const starts = [from];
  let at = from;
  for (let i = 0; i < count; i++) {
    const end = bytes.indexOf(NEWLINE, at);
    if (end < 0) return undefined;
    at = end + 1;
    starts.push(at);
  }
  return at === bytes.length ? starts : undefined;
}

/**
 * An integration's index entry read from a snapshot: its record is parsed the first time
 * it is needed. The index itself was restored without it (no tokenizing), and an empty
 * query orders by `updatedAt`, which the snapshot keeps beside the index.
 */
export class SnapshotEntry {
  readonly kind = "integration" as const;
  private loaded: Integration | undefined;

  constructor(
    readonly id: string,
    readonly updatedAt: string | undefined,
    private readonly records: SnapshotRecords,
    private readonly line: number,
  ) {}

  get name(): string {
    return this.id;
  }
  get description(): string {
    return this.record.meta.description;
  }
  get tags(): string[] {
    return this.record.meta.tags;
  }
  get signature(): string {
    return this.record.signature;
  }
  get record(): Integration {
    return (this.loaded ??= this.records.record(this.line, this.id));
  }
  /** The store's record for the same files (see syncIndexWithLibrary): the stored line still describes it. */
  set record(record: Integration) {
    this.loaded = record;
  }

  /** The line this entry was read from, and whether it holds its facts. */
  storedLine(): { line: Buffer; hasFacts: boolean } {
    return { line: this.records.line(this.line), hasFacts: this.records.hasFacts(this.line) };
  }
}

/**
 * One snapshot line for an entry: the line it was read from when it came from the last
 * snapshot unchanged, else its record (code left out where it has declarations) with the
 * facts of its declarations when they are known without loading the compiler. Reports
 * whether the line holds the facts (a later write, once the compiler is loaded, adds them).
 */
export function snapshotLine(entry: IndexedEntry | SnapshotEntry): { line: string | Buffer; hasFacts: boolean } {
  if (entry instanceof SnapshotEntry) {
    const stored = entry.storedLine();
    // Written before the compiler was loaded: written anew when the facts can be had now.
    if (stored.hasFacts || storedFactsOf(entry.record.declarations ?? "", "if-compiler-loaded") === undefined) return stored;
  }
  const record = (entry as Extract<IndexedEntry, { kind: "integration" }>).record;
  if (record.declarations === undefined) return { line: JSON.stringify(record), hasFacts: true };
  const facts = storedFactsOf(record.declarations, "if-compiler-loaded");
  const stored: StoredRecord = { ...record, code: "", signature: "", ...(facts ? { facts } : {}) };
  return { line: JSON.stringify(stored), hasFacts: facts !== undefined };
}

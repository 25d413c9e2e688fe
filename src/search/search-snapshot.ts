import { join } from "node:path";
import { readHeadFromFiles } from "../library/head-ref.js";
import type { Integration } from "../library/library-store.js";
import { integrationFiles } from "../library/names.js";
import { readRegularFile } from "../library/regular-files.js";
import { parseMeta } from "../library/metadata.js";
import type { SavedIndex, SearchIndex } from "../library/search-index.js";
import { extractSignature } from "../library/signature.js";
import { startFactsThread } from "../library/facts-thread.js";
import { writeStateFile } from "../library/state-files.js";
import { SERVER_VERSION } from "../version.js";
import { builtinEntries, integrationEntry, type IndexedEntry } from "./search-entries.js";
import { pulledSince, readSnapshotBytes, SNAPSHOT_FILE, SNAPSHOT_FORMAT } from "./start-prefetch.js";
import { lineStarts, snapshotLine, SnapshotEntry, SnapshotRecords } from "./snapshot-records.js";
import type { PulledChanges } from "./pulled-files.js";

/**
 * The search index and the integration records it was built from, saved in `state/`
 * with the library commit they reflect, so that a restart answers its first search
 * without reading every file or tokenizing every integration: from the snapshot as
 * it is when nothing changed, or brought up to HEAD from the git diff when commits
 * came in (a pull). Only a cache: any doubt (another format or toolsmith version,
 * rewritten history, a damaged file) means the index is built from the library as before.
 */

export { SNAPSHOT_FILE };

/**
 * The snapshot file: this header as one JSON line, then one line per integration record
 * in the index's order (see snapshot-records.ts), parsed only when a record is needed.
 */
interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  /** Builtin entries and tokenization change with toolsmith: a snapshot is only read by the version that wrote it. */
  toolsmith: string;
  head: string;
  index: SavedIndex;
  /** Per indexed integration (index.ids order): when it was last changed (an empty query lists the newest first). */
  updatedAt: Array<string | null>;
  /** Per record line: "1" when it holds its declarations' facts. */
  withFacts: string;
}

export interface WarmIndex {
  /** The library commit the index now reflects. */
  head: string;
  /** The commit the snapshot on disk reflects (older than `head` when commits came in since). */
  savedHead: string;
  /** An integration's declarations as the index holds its record. */
  declarationsFor(name: string): string | undefined;
  /** True once a record in the snapshot turned out unreadable: answer from the loaded library instead. */
  damaged(): boolean;
  /** Records of the snapshot were saved without their declarations' facts (a later save adds them). */
  factsMissing: boolean;
}

/**
 * Fills `index` from the snapshot in `stateDir`, brought up to the library's HEAD.
 * Undefined (and the index untouched) when there is no usable snapshot.
 */
export async function warmIndex(index: SearchIndex<IndexedEntry>, stateDir: string, libraryRoot: string): Promise<WarmIndex | undefined> {
  const snapshot = await readSnapshot(stateDir);
  const head = readHeadFromFiles(join(libraryRoot, ".git"));
  if (!snapshot || !head) return undefined;
  const { header, records } = snapshot;
  // Records saved before the compiler was loaded have no facts: the first search that shows
  // one starts a thread for them (see prepareFacts), so a command that never searches loads no compiler.
  let pulled: PulledChanges | undefined;
  if (header.head !== head) {
    // The snapshot has no facts of what came in: a thread loads the compiler for them meanwhile.
    startFactsThread();
    // Which integrations moved comes from the commits (one `git log`); their files come from
    // the commit when a pull brought them packed, else from the working tree (see pulled-files.ts).
    // Usually being read already, since the server's code started loading (see start-prefetch.ts).
    pulled = await pulledSince(libraryRoot, header.head, head);
    if (!pulled) return undefined;
  }
  const lineOf = new Map(header.index.ids.map((id, i) => [id, i]));
  let restored = false;
  try {
    restored = index.restore(header.index, (id) => {
      const i = lineOf.get(id)!;
      return new SnapshotEntry(id, header.updatedAt[i] ?? undefined, records, i) as unknown as IndexedEntry;
    });
  } catch {
    restored = false;
  }
  if (!restored) {
    index.replaceAll([]);
    return undefined;
  }
  for (const entry of builtinEntries()) index.upsert(entry);
  if (pulled) {
    try {
      await indexPulled(index, libraryRoot, pulled);
    } catch {
      // Some of it indexed, the rest unreadable: the index is built from the library instead.
      index.replaceAll([]);
      return undefined;
    }
  }
  return {
    head,
    savedHead: header.head,
    declarationsFor: (name) => {
      const entry = index.get(name);
      return entry?.kind === "integration" ? entry.record.declarations : undefined;
    },
    damaged: () => records.damaged,
    factsMissing: header.withFacts.includes("0"),
  };
}

/**
 * Indexes the integrations a pull touched, each as soon as its files have been read (the
 * indexing overlaps git's reading), with the versions the commits gave them; removes one
 * whose code is gone or that has a file that is not a regular file (the full load leaves
 * such an integration out too). Rejects when the files could not all be read.
 */
async function indexPulled(index: SearchIndex<IndexedEntry>, root: string, { touched, files }: PulledChanges): Promise<void> {
  const names = [...touched.keys()];
  let next = 0;
  for await (const batch of files) {
    for (const found of batch) {
      const name = names[next++]!;
      if (!found) {
        index.remove(name);
        continue;
      }
      const { declarations, code, meta } = found;
      const record: Integration = { name, code, meta: parseMeta(meta), declarations, signature: declarations ?? (await extractSignature(code)), ...touched.get(name)! };
      index.upsert(integrationEntry(withTestReadOnDemand(record, root, integrationFiles(name).test)));
    }
  }
  if (next !== names.length) throw new Error(`read the files of ${next} of ${names.length} pulled integrations`);
}

/**
 * `record` with its `test` read from the working tree when first asked for (a search
 * result's example, the next snapshot): a start after a pull of thousands reads a
 * file less per integration. A test that is not a regular file reads as none (the full
 * load then leaves the integration out).
 */
function withTestReadOnDemand(record: Integration, root: string, rel: string): Integration {
  let test: { text: string | undefined } | undefined;
  Object.defineProperty(record, "test", {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!test) {
        try {
          test = { text: readRegularFile(root, rel) };
        } catch {
          test = { text: undefined };
        }
      }
      return test.text;
    },
    set: (text: string | undefined) => void (test = { text }),
  });
  return record;
}

async function readSnapshot(stateDir: string): Promise<{ header: SnapshotHeader; records: SnapshotRecords } | undefined> {
  try {
    const bytes = await readSnapshotBytes(stateDir);
    const headerEnd = bytes.indexOf(0x0a);
    if (headerEnd < 0) return undefined;
    const header = JSON.parse(bytes.toString("utf8", 0, headerEnd)) as SnapshotHeader;
    if (header?.format !== SNAPSHOT_FORMAT || header.toolsmith !== SERVER_VERSION || typeof header.head !== "string" || !Array.isArray(header.index?.ids)) return undefined;
    const count = header.index.ids.length;
    if (!Array.isArray(header.updatedAt) || header.updatedAt.length !== count || typeof header.withFacts !== "string" || header.withFacts.length !== count) return undefined;
    // Exactly one line per indexed integration, or the file is not what was written.
    const starts = lineStarts(bytes, headerEnd + 1, count);
    return starts ? { header, records: new SnapshotRecords(bytes, starts, header.withFacts) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Saves the index's integration entries and their records as of `head`. Yields to the
 * event loop now and then (a large library's records take a while to write out).
 * Returns how many records were saved without their declarations' facts (the compiler
 * was not loaded yet): a later save adds them.
 */
export async function writeSnapshot(index: SearchIndex<IndexedEntry>, stateDir: string, head: string): Promise<number> {
  const saved = index.toJSON((entry) => entry.kind === "integration");
  const parts: Array<string | Buffer> = [];
  const updatedAt: Array<string | null> = [];
  let withFacts = "";
  let missing = 0;
  let lastYield = performance.now();
  // The entries as the saved index has them (an entry replaced while this yields is caught by the next save).
  const entries = saved.ids.map((id) => index.get(id)!);
  for (const entry of entries) {
    updatedAt.push(entry.updatedAt ?? null);
    const { line, hasFacts } = snapshotLine(entry);
    parts.push(line, "\n");
    withFacts += hasFacts ? "1" : "0";
    if (!hasFacts) missing++;
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, toolsmith: SERVER_VERSION, head, index: saved, updatedAt, withFacts };
  try {
    await writeStateFile(join(stateDir, SNAPSHOT_FILE), Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p))]));
  } catch {
    // A read-only or full state folder only costs a slower next start.
  }
  return missing;
}

/** Longest stretch a snapshot write keeps the event loop (requests wait meanwhile). */
const YIELD_EVERY_MS = 20;

/**
 * Makes the index hold exactly the library's integrations once the store has loaded:
 * everything anew without a warm start; otherwise only what differs from the snapshot
 * (an entry whose files are the same keeps its place and takes the store's record).
 */
export function syncIndexWithLibrary(index: SearchIndex<IndexedEntry>, records: readonly Integration[], warm: boolean): void {
  if (!warm) {
    index.replaceAll([...builtinEntries(), ...records.map(integrationEntry)]);
    return;
  }
  const names = new Set<string>();
  for (const record of records) {
    names.add(record.name);
    const entry = index.get(record.name);
    if (entry?.kind === "integration" && sameFiles(entry.record, record)) entry.record = record;
    else index.upsert(integrationEntry(record));
  }
  index.removeWhere((entry) => entry.kind === "integration" && !names.has(entry.id));
}

function sameFiles(a: Integration, b: Integration): boolean {
  // A snapshot record without code has declarations, committed with the code at the same version.
  return a.version === b.version && (a.code === b.code || (a.code === "" && a.declarations !== undefined)) && a.test === b.test && a.declarations === b.declarations && a.signature === b.signature && JSON.stringify(a.meta) === JSON.stringify(b.meta);
}

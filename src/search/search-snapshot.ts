import { lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GitRepo } from "../library/git-repo.js";
import { readHeadFromFiles } from "../library/head-ref.js";
import type { Integration } from "../library/library-store.js";
import { touchedBetween, type IntegrationVersion } from "../library/library-watch.js";
import { integrationFiles } from "../library/names.js";
import { NotRegularFileError, readRegularFile } from "../library/regular-files.js";
import { parseMeta } from "../library/metadata.js";
import { readStoredDeclarations } from "../library/stored-declarations.js";
import type { SavedIndex, SearchIndex } from "../library/search-index.js";
import { extractSignature } from "../library/signature.js";
import { writeStateFile } from "../library/state-files.js";
import { SERVER_VERSION } from "../version.js";
import { builtinEntries, integrationEntry, type IndexedEntry } from "./search-entries.js";

/**
 * The search index and the integration records it was built from, saved in `state/`
 * with the library commit they reflect, so that a restart answers its first search
 * without reading every file or tokenizing every integration: from the snapshot as
 * it is when nothing changed, or brought up to HEAD from the git diff when commits
 * came in (a pull). Only a cache: any doubt (another format or toolsmith version,
 * rewritten history, a damaged file) means the index is built from the library as before.
 */

export const SNAPSHOT_FILE = "search-snapshot.json";
/** Changed files up to which a warm start applies what the commits since the snapshot changed (else the index is built from the library). */
const MAX_DIFF_FILES = 100_000;
const SNAPSHOT_FORMAT = 1;
/** Code, test, metadata and declarations. */
const FILES_PER_INTEGRATION = 4;

interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** Builtin entries and tokenization change with toolsmith: a snapshot is only read by the version that wrote it. */
  toolsmith: string;
  head: string;
  records: Integration[];
  index: SavedIndex;
}

export interface WarmIndex {
  /** The library commit the index now reflects. */
  head: string;
  /** The commit the snapshot on disk reflects (older than `head` when commits came in since). */
  savedHead: string;
  records: Map<string, Integration>;
}

/**
 * Fills `index` from the snapshot in `stateDir`, brought up to the library's HEAD.
 * Undefined (and the index untouched) when there is no usable snapshot.
 */
export async function warmIndex(index: SearchIndex<IndexedEntry>, stateDir: string, libraryRoot: string): Promise<WarmIndex | undefined> {
  const snapshot = await readSnapshot(stateDir);
  const head = readHeadFromFiles(join(libraryRoot, ".git"));
  if (!snapshot || !head) return undefined;
  const records = new Map(snapshot.records.map((r) => [r.name, r.declarations === undefined ? r : { ...r, signature: r.declarations }]));
  const changed: Array<[string, Integration | undefined]> = [];
  if (snapshot.head !== head) {
    // Which integrations moved comes from the commits (one `git log`); their files are read
    // from the working tree, as the full load reads them (a pull checks them out): reading
    // tens of thousands of blobs from git (loose objects after a local commit) took seconds.
    const touched = await touchedBetween(new GitRepo(libraryRoot), snapshot.head, head).catch(() => undefined);
    if (!touched || touched.size * FILES_PER_INTEGRATION > MAX_DIFF_FILES) return undefined;
    for (const [name, when] of touched) changed.push([name, await readWorkingRecord(libraryRoot, name, when)]);
  }
  const builtins = new Map(builtinEntries().map((e) => [e.id, e]));
  let restored = false;
  try {
    restored = index.restore(snapshot.index, (id) => {
      const record = records.get(id);
      return record ? integrationEntry(record) : undefined;
    });
  } catch {
    restored = false;
  }
  if (!restored) {
    index.replaceAll([]);
    return undefined;
  }
  for (const entry of builtins.values()) index.upsert(entry);
  for (const [name, record] of changed) {
    if (record) {
      records.set(name, record);
      index.upsert(integrationEntry(record));
    } else {
      records.delete(name);
      index.remove(name);
    }
  }
  return { head, savedHead: snapshot.head, records };
}

/**
 * One integration as the library folder holds it, with the version the commits gave it;
 * undefined when its code is gone or one of its files is not a regular file (the full
 * load leaves such an integration out too). Its code is read only when it has no
 * declarations: the snapshot's records leave it out then (search shows the declarations).
 */
async function readWorkingRecord(root: string, name: string, when: IntegrationVersion): Promise<Integration | undefined> {
  const rel = integrationFiles(name);
  try {
    // As the full load reads it: a declaration file that is a link is ignored, not fatal.
    const declarations = readStoredDeclarations(root, name);
    const code = declarations === undefined ? readRegularFile(root, rel.code) : regularFileExists(root, rel.code) ? "" : undefined;
    if (code === undefined) return undefined;
    const test = readRegularFile(root, rel.test);
    const meta = parseMeta(readRegularFile(root, rel.meta));
    return { name, code, test, meta, declarations, signature: declarations ?? (await extractSignature(code)), ...when };
  } catch (error) {
    if (error instanceof NotRegularFileError) return undefined;
    throw error;
  }
}

/** True for a regular file, false when nothing is there; throws NotRegularFileError for anything else (a link). */
function regularFileExists(root: string, rel: string): boolean {
  let info;
  try {
    info = lstatSync(join(root, rel));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw error;
  }
  if (!info.isFile()) throw new NotRegularFileError(rel, "not a regular file");
  return true;
}

async function readSnapshot(stateDir: string): Promise<Snapshot | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(stateDir, SNAPSHOT_FILE), "utf8")) as Snapshot;
    if (parsed?.format !== SNAPSHOT_FORMAT || parsed.toolsmith !== SERVER_VERSION || typeof parsed.head !== "string" || !Array.isArray(parsed.records)) return undefined;
    const valid = parsed.records.every((r) => typeof r?.name === "string" && typeof r.code === "string" && typeof r.signature === "string" && typeof r.meta === "object" && r.meta !== null);
    return valid ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the index's integration entries and their records as of `head`. */
export async function writeSnapshot(index: SearchIndex<IndexedEntry>, stateDir: string, head: string): Promise<void> {
  const saved = index.toJSON((entry) => entry.kind === "integration");
  // Code is left out where declarations were committed: search shows them, not the code (the store reads it).
  const records = saved.ids.map((id) => {
    const { record } = index.get(id) as Extract<IndexedEntry, { kind: "integration" }>;
    // Its signature is its declarations then: stored once.
    return record.declarations === undefined ? record : { ...record, code: "", signature: "" };
  });
  const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, toolsmith: SERVER_VERSION, head, records, index: saved };
  try {
    await writeStateFile(join(stateDir, SNAPSHOT_FILE), JSON.stringify(snapshot));
  } catch {
    // A read-only or full state folder only costs a slower next start.
  }
}

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

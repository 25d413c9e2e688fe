import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readHeadFromFiles } from "../library/head-ref.js";
import { SERVER_VERSION } from "../version.js";
import { readPulled, type PulledChanges } from "./pulled-files.js";

/**
 * A server's first reads, started the moment `serve` starts, while the server's code
 * loads (a few hundred ms): the search snapshot's bytes (megabytes at a large library),
 * and, when commits came in since the snapshot (a pull), what they changed (`git log`,
 * then the files, see pulled-files.ts). The warm start (search-snapshot.ts) takes them
 * from here when they are of its home and commits, else reads them itself.
 */

export const SNAPSHOT_FILE = "search-snapshot.json";

export const SNAPSHOT_FORMAT = 2;

/**
 * The snapshot's format, toolsmith version and library commit, from its header line as
 * writeSnapshot writes it (those three first). Only a hint: the warm start checks the
 * whole header.
 */
const HEADER_START = /^\{"format":(\d+),"toolsmith":("[^"\n]*"),"head":"([0-9a-f]{40,64})"/;
/** The header's first bytes, which hold its head. */
const HEAD_HINT_BYTES = 512;

let snapshot: { path: string; bytes: Promise<Buffer> } | undefined;
let pull: { root: string; changes: Promise<{ from: string; to: string; changes: Promise<PulledChanges | undefined> } | undefined> } | undefined;

/** Starts reading the snapshot of the home whose state and library folders these are, and what was pulled since it. */
export function prefetchStart(stateDir: string, libraryRoot: string): void {
  const path = join(stateDir, SNAPSHOT_FILE);
  const bytes = readFile(path);
  bytes.catch(() => undefined);
  snapshot = { path, bytes };
  const changes = bytes.then(
    (read) => {
      const from = snapshotHeadHint(read);
      const to = readHeadFromFiles(join(libraryRoot, ".git"));
      if (!from || !to || from === to) return undefined;
      return { from, to, changes: readPulled(libraryRoot, from, to).catch(() => undefined) };
    },
    () => undefined,
  );
  pull = { root: libraryRoot, changes };
}

/**
 * The commit a snapshot file of this format and toolsmith version was saved at, read from
 * its first bytes without parsing the header line (megabytes at a large library); else
 * undefined (the warm start will not use it).
 */
export function snapshotHeadHint(bytes: Buffer): string | undefined {
  const match = HEADER_START.exec(bytes.toString("utf8", 0, Math.min(bytes.length, HEAD_HINT_BYTES)));
  if (!match || Number(match[1]) !== SNAPSHOT_FORMAT) return undefined;
  try {
    return JSON.parse(match[2]!) === SERVER_VERSION ? match[3] : undefined;
  } catch {
    return undefined;
  }
}

/** The snapshot's bytes: the prefetched read when it is of this file (once), else a read now. */
export function readSnapshotBytes(stateDir: string): Promise<Buffer> {
  const path = join(stateDir, SNAPSHOT_FILE);
  if (snapshot?.path === path) {
    const { bytes } = snapshot;
    snapshot = undefined;
    return bytes;
  }
  return readFile(path);
}

/** readPulled(root, from, to): the prefetched reading when it is of these commits (once), else a reading now. */
export async function pulledSince(root: string, from: string, to: string): Promise<PulledChanges | undefined> {
  if (pull?.root === root) {
    const prefetched = await pull.changes.catch(() => undefined);
    pull = undefined;
    if (prefetched?.from === from && prefetched.to === to) return prefetched.changes;
  }
  return readPulled(root, from, to);
}

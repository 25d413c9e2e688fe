import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The search snapshot's bytes, read from the moment `serve` starts: the file (megabytes
 * at a large library) is read by the thread pool while the server's code loads, so the
 * first search does not wait for the read after it (see search-snapshot.ts).
 */

export const SNAPSHOT_FILE = "search-snapshot.json";

let prefetched: { path: string; bytes: Promise<Buffer> } | undefined;

/** Starts reading the snapshot of the home whose state folder is `stateDir`. */
export function prefetchSnapshot(stateDir: string): void {
  const path = join(stateDir, SNAPSHOT_FILE);
  const bytes = readFile(path);
  bytes.catch(() => undefined);
  prefetched = { path, bytes };
}

/** The snapshot's bytes: the prefetched read when it is of this file (once), else a read now. */
export function readSnapshotBytes(stateDir: string): Promise<Buffer> {
  const path = join(stateDir, SNAPSHOT_FILE);
  if (prefetched?.path === path) {
    const { bytes } = prefetched;
    prefetched = undefined;
    return bytes;
  }
  return readFile(path);
}

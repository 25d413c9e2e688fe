import { appendFile, chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";

/**
 * The home's `state/` folder: run statistics (error messages of runs), caches, the save
 * journal. Only its owner may read it, like `secrets.json`: what runs leave behind may
 * quote anything a run saw.
 */
export const STATE_DIR_MODE = 0o700;
export const STATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and `subfolders` in it) readable by the owner only, and tightens what an
 * earlier version left there with wider modes.
 */
export async function ensureStateDir(dir: string, subfolders: string[] = []): Promise<void> {
  for (const folder of [dir, ...subfolders.map((s) => join(dir, s))]) {
    await mkdir(folder, { recursive: true, mode: STATE_DIR_MODE });
    await chmod(folder, STATE_DIR_MODE);
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isFile()) await chmod(join(folder, entry.name), STATE_FILE_MODE).catch(() => undefined);
    }
  }
}

/** Replaces a state file atomically; the new file is readable by its owner only. */
export function writeStateFile(path: string, content: string): Promise<void> {
  return writeFileAtomic(path, content, STATE_FILE_MODE);
}

/** Writes a small state file in place (a new one each time: the mode applies when it is created). */
export function writeStateFileInPlace(path: string, content: string): Promise<void> {
  return writeFile(path, content, { mode: STATE_FILE_MODE });
}

/** Appends to a state file, creating it readable by its owner only. */
export function appendStateFile(path: string, content: string): Promise<void> {
  return appendFile(path, content, { mode: STATE_FILE_MODE });
}

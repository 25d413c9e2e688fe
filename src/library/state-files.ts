import { appendFile, chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

/**
 * The home's `state/` folder: run statistics (error messages of runs), caches, the save
 * journal. Only its owner may read it, like `secrets.json`: what runs leave behind may
 * quote anything a run saw.
 */
export const STATE_DIR_MODE = 0o700;
export const STATE_FILE_MODE = 0o600;

/**
 * Creates `dir` readable by its owner only, and tightens what an earlier version left
 * there with wider modes. Best effort on an existing folder: a read-only home still opens.
 */
export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
  await chmod(dir, STATE_DIR_MODE).catch(() => undefined);
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) await chmod(join(dir, entry.name), STATE_FILE_MODE).catch(() => undefined);
  }
}

/** Replaces a state file atomically; the new file is readable by its owner only. */
export function writeStateFile(path: string, content: string | Uint8Array): Promise<void> {
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

import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, type Stats } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

/**
 * The library holds only regular files in real folders. A link (or a device, a FIFO, a
 * socket) where an integration's file or folder should be is never read or written
 * through: a shared library's remote could otherwise point one at any file of the
 * machine (`../secrets.json`, a private key) and have it read, committed and pushed.
 */

/** Thrown when a path in the library is not a regular file or a real folder. The message names it relative to the library. */
export class NotRegularFileError extends Error {
  override name = "NotRegularFileError";
  constructor(
    /** Relative to the library's root, '/'-separated. */
    readonly path: string,
    what: string,
  ) {
    super(
      `'${path}' in the library is ${what}; toolsmith keeps only regular files in real folders in its library and never follows links. ` +
        `Remove it from the library folder (git rm '${path}') and try again.`,
    );
  }
}

/** O_NOFOLLOW: a link as the last component fails with ELOOP. O_NONBLOCK: opening a FIFO does not wait for a writer. */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Reads `rel` under `root` as UTF-8 if it is a regular file; undefined when nothing is
 * there. Never follows a link at the last component; the folders above are the caller's
 * (the library's walk does not enter linked folders; writers check them). Synchronous,
 * as the library's load reads thousands of small files.
 */
export function readRegularFile(root: string, rel: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(join(root, rel), READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ELOOP") throw new NotRegularFileError(rel, "a symbolic link");
    throw error;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new NotRegularFileError(rel, describe(info));
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws NotRegularFileError unless every folder from `root` down to `rel` is a real
 * folder (or does not exist yet) and `rel` itself is a regular file or absent.
 */
export function assertRegularPath(root: string, rel: string): void {
  assertRealFolders(root, rel);
  const info = lstatOrUndefined(join(root, rel));
  if (info && !info.isFile()) throw new NotRegularFileError(rel, describe(info));
}

/**
 * Writes `rel` atomically (a new file renamed over it: a link there is replaced, never
 * written through), after checking that no folder on the way is a link.
 */
export async function writeInside(root: string, rel: string, content: string): Promise<void> {
  assertRealFolders(root, rel);
  await writeFileAtomic(join(root, rel), content);
}

/** Removes `rel` (a link there is removed itself), after checking that no folder on the way is a link. */
export async function removeInside(root: string, rel: string): Promise<void> {
  assertRealFolders(root, rel);
  await rm(join(root, rel), { force: true });
}

function assertRealFolders(root: string, rel: string): void {
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) throw new NotRegularFileError(rel, "not a path inside the library");
  for (let i = 1; i < parts.length; i++) {
    const folder = parts.slice(0, i).join("/");
    const info = lstatOrUndefined(join(root, folder));
    // Missing: the rest is created as real folders by the write.
    if (!info) return;
    if (!info.isDirectory()) throw new NotRegularFileError(folder, describe(info));
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

function describe(info: Stats): string {
  if (info.isSymbolicLink()) return "a symbolic link";
  if (info.isDirectory()) return "a folder";
  return "not a regular file";
}

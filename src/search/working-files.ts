import { lstatSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { integrationFiles } from "../library/names.js";
import { NotRegularFileError, readRegularFile } from "../library/regular-files.js";
import { declarationFileOf, readStoredDeclarations } from "../library/stored-declarations.js";
import { usableCpus } from "../util/usable-cpus.js";
import { distFile } from "../dist-dir.js";

/**
 * The files a search index needs of integrations that came in since the snapshot (a
 * pull), read from the working tree as the full load reads them. Thousands of them are
 * read by worker threads: the reads are system calls that would otherwise hold the start
 * for most of a second. (pulled-files.ts reads them from the commit instead when that is cheaper.)
 */

export interface WorkingFiles {
  declarations?: string;
  /** The code, read only when there are no declarations (search shows those); "" otherwise. */
  code: string;
  meta?: string;
}

/** Below this many integrations the files are read in place (a thread costs more than it saves). */
export const THREAD_MIN_NAMES = 256;

/**
 * An integration's files; undefined when its code is gone or one of its files is not a
 * regular file (the full load leaves such an integration out too). Its test is not read
 * here (see search-snapshot.ts).
 */
export function readWorkingFiles(root: string, name: string): WorkingFiles | undefined {
  const rel = integrationFiles(name);
  try {
    // As the full load reads it: a declaration file that is a link is ignored, not fatal.
    const declarations = readStoredDeclarations(root, name);
    const code = declarations === undefined ? readRegularFile(root, rel.code) : regularFileExists(root, rel.code) ? "" : undefined;
    if (code === undefined) return undefined;
    return { declarations, code, meta: readRegularFile(root, rel.meta) };
  } catch (error) {
    if (error instanceof NotRegularFileError) return undefined;
    throw error;
  }
}

/**
 * readWorkingFiles of each name, in order: for `threadMin` names or more, split between
 * worker threads, one per usable CPU (the main thread has nothing else to do meanwhile
 * but the snapshot), else in place.
 */
export async function readWorkingFilesOf(root: string, names: readonly string[], threadMin = THREAD_MIN_NAMES): Promise<Array<WorkingFiles | undefined>> {
  if (names.length < threadMin) return names.map((name) => readWorkingFiles(root, name));
  const threads = Math.max(1, Math.min(MAX_THREADS, usableCpus(), Math.floor(names.length / threadMin)));
  const share = Math.ceil(names.length / threads);
  const parts = await Promise.all(Array.from({ length: threads }, (_, i) => readInThread(root, names.slice(i * share, (i + 1) * share))));
  return parts.flat();
}

/** Threads reading at once at most. */
const MAX_THREADS = 4;

async function readInThread(root: string, names: readonly string[]): Promise<Array<WorkingFiles | undefined>> {
  const worker = new Worker(distFile("search/working-files-worker.js"), { workerData: { root, names } });
  try {
    return await new Promise((resolve, reject) => {
      worker.once("message", (reply: { files?: Array<WorkingFiles | null>; error?: string }) =>
        reply.files ? resolve(reply.files.map((f) => f ?? undefined)) : reject(new Error(reply.error)),
      );
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the file reader stopped (exit code ${code})`)));
    });
  } finally {
    void worker.terminate();
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

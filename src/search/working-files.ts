import { lstatSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { integrationFiles } from "../library/names.js";
import { NotRegularFileError, readRegularFile } from "../library/regular-files.js";
import { declarationFileOf, readStoredDeclarations } from "../library/stored-declarations.js";
import { catBlobs, treeAt, type TreeEntry } from "../library/library-watch.js";
import { runGit } from "../library/git-runner.js";
import { REGULAR_FILE_MODES } from "../library/tree-check.js";
import { usableCpus } from "../util/usable-cpus.js";
import { distFile } from "../dist-dir.js";

/**
 * The files a search index needs of integrations that came in since the snapshot (a
 * pull), read from the working tree as the full load reads them. Thousands of them are
 * read by a worker thread while the main thread restores the snapshot: the reads are
 * system calls that would otherwise hold the start for most of a second.
 */

export interface WorkingFiles {
  declarations?: string;
  /** The code, read only when there are no declarations (search shows those); "" otherwise. */
  code: string;
  meta?: string;
}

/** The mode `git log --raw` gives a deleted file. */
const DELETED_MODE = "000000";

/** Below this many integrations the files are read in place (a thread costs more than it saves). */
const THREAD_MIN_NAMES = 256;

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

/**
 * The files of integrations a pull brought, as readWorkingFiles gives them: from the commit
 * (`head`) when its objects are packed, as a pull of many brings them (one `git cat-file`,
 * several times faster than reading as many files); from the working tree otherwise (loose
 * objects, e.g. a bulk commit made in place, cost git a file each, more than the working
 * tree's); in place for a few.
 */
export async function readPulledFiles(root: string, head: string, names: readonly string[], options: { threadMin?: number; known?: ReadonlyMap<string, TreeEntry> } = {}): Promise<Array<WorkingFiles | undefined>> {
  const threadMin = options.threadMin ?? THREAD_MIN_NAMES;
  if (names.length < threadMin) return names.map((name) => readWorkingFiles(root, name));
  if ((await looseObjects(root)) < names.length) return readCommittedFiles(root, head, names, options.known);
  return readWorkingFilesOf(root, names, threadMin);
}

/** How many loose objects the repository holds (`git count-objects`); infinite when that cannot be told. */
async function looseObjects(root: string): Promise<number> {
  const counted = await runGit(root, ["count-objects"]);
  const loose = Number(/^(\d+) objects/.exec(counted.stdout)?.[1]);
  return counted.exitCode === 0 && Number.isFinite(loose) ? loose : Number.POSITIVE_INFINITY;
}

/**
 * readWorkingFiles of each name as `commit` records them: left out (undefined) when its
 * code is absent or a file of it is not a regular file (mode), as the full load leaves it out;
 * a declaration file that is not regular is ignored.
 */
export async function readCommittedFiles(root: string, commit: string, names: readonly string[], known?: ReadonlyMap<string, TreeEntry>): Promise<Array<WorkingFiles | undefined>> {
  const paths = names.flatMap((name) => [...Object.values(integrationFiles(name)), declarationFileOf(name)]);
  // The commits' own record of each file (see touchedBetween) when it has them all; else one listing of the tree.
  const tree = known && paths.every((p) => known.has(p)) ? known : await treeAt(root, commit);
  const regular = (path: string) => {
    const entry = tree.get(path);
    return entry === undefined || entry.mode === DELETED_MODE ? "absent" : REGULAR_FILE_MODES.has(entry.mode) ? entry.sha : "not regular";
  };
  const wanted: string[] = [];
  const want = (sha: string) => wanted.push(sha) - 1;
  const plans = names.map((name) => {
    const rel = integrationFiles(name);
    const code = regular(rel.code);
    const meta = regular(rel.meta);
    const test = regular(rel.test);
    const declarations = regular(declarationFileOf(name));
    if (code === "absent" || code === "not regular" || meta === "not regular" || test === "not regular") return undefined;
    const hasDeclarations = declarations !== "absent" && declarations !== "not regular";
    return {
      declarations: hasDeclarations ? want(declarations) : undefined,
      code: hasDeclarations ? undefined : want(code),
      meta: meta === "absent" ? undefined : want(meta),
    };
  });
  const texts = await catBlobs(root, wanted);
  return plans.map((plan) =>
    plan && { declarations: plan.declarations === undefined ? undefined : texts[plan.declarations], code: plan.code === undefined ? "" : (texts[plan.code] ?? ""), meta: plan.meta === undefined ? undefined : texts[plan.meta] },
  );
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

import { integrationFiles } from "../library/names.js";
import { streamBlobs, touchedBetween, treeAt, type IntegrationVersion, type TreeEntry } from "../library/library-watch.js";
import { runGit } from "../library/git-runner.js";
import { declarationFileOf } from "../library/stored-declarations.js";
import { REGULAR_FILE_MODES } from "../library/tree-check.js";
import { BatchFeed } from "../util/batch-feed.js";
import { readWorkingFiles, readWorkingFilesOf, THREAD_MIN_NAMES, type WorkingFiles } from "./working-files.js";

/**
 * What commits brought since the search snapshot (a pull): which integrations they
 * touched, and those integrations' files, read from the commit when git holds them packed
 * (see feedPulledFiles). Read from the moment `serve` starts, while the server's code
 * loads (see start-prefetch.ts), or by the warm start itself.
 */

/** Changed files up to which a warm start applies what the commits since the snapshot changed (else the index is built from the library). */
const MAX_DIFF_FILES = 100_000;
/** Code, test, metadata and declarations. */
const FILES_PER_INTEGRATION = 4;
/** The mode `git log --raw` gives a deleted file. */
const DELETED_MODE = "000000";

export interface PulledChanges {
  /** Every integration the commits touched, with the newest commit that did. */
  touched: Map<string, IntegrationVersion>;
  /** Their files, in `touched`'s order (undefined for one the full load leaves out), as they are read. */
  files: BatchFeed<WorkingFiles | undefined>;
}

/**
 * What the commits from `from` to `to` in the library at `root` changed; undefined when
 * `to` does not descend from `from` or the change is too large to apply (then the index
 * is built from the library). Settles once the touched integrations are known; their
 * files are read meanwhile.
 */
export async function readPulled(root: string, from: string, to: string): Promise<PulledChanges | undefined> {
  const blobs = new Map<string, TreeEntry>();
  const touched = await touchedBetween({ root }, from, to, blobs).catch(() => undefined);
  if (!touched || touched.size * FILES_PER_INTEGRATION > MAX_DIFF_FILES) return undefined;
  return { touched, files: feedPulledFiles(root, to, [...touched.keys()], { known: blobs }) };
}

interface PulledFilesOptions {
  /** Below this many names, read in place (tests set it low). */
  threadMin?: number;
  /** The files' modes and blob ids at `head`, when known (see touchedBetween). */
  known?: ReadonlyMap<string, TreeEntry>;
}

/**
 * The files of integrations a pull brought, as readWorkingFiles gives them, each handed
 * over as soon as it is read: from the commit (`head`) when its objects are packed, as a
 * pull of many brings them (one `git cat-file`, several times faster than reading as many
 * files; handed over while git writes them out); from the working tree otherwise (loose
 * objects, e.g. a bulk commit made in place, cost git a file each, more than the working
 * tree's); in place for a few.
 */
export function feedPulledFiles(root: string, head: string, names: readonly string[], options: PulledFilesOptions = {}): BatchFeed<WorkingFiles | undefined> {
  const feed = new BatchFeed<WorkingFiles | undefined>();
  const read = async () => {
    const threadMin = options.threadMin ?? THREAD_MIN_NAMES;
    if (names.length < threadMin) for (const name of names) feed.push(readWorkingFiles(root, name));
    else if ((await looseObjects(root)) < names.length) await streamCommittedFiles(root, head, names, options.known, (files) => feed.push(files));
    else for (const files of await readWorkingFilesOf(root, names, threadMin)) feed.push(files);
  };
  read().then(
    () => feed.end(),
    (error: unknown) => feed.fail(error),
  );
  return feed;
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
  const read: Array<WorkingFiles | undefined> = [];
  await streamCommittedFiles(root, commit, names, known, (files) => read.push(files));
  return read;
}

/** readCommittedFiles, handing each name's files to `take` in order as soon as git has written them out. */
async function streamCommittedFiles(root: string, commit: string, names: readonly string[], known: ReadonlyMap<string, TreeEntry> | undefined, take: (files: WorkingFiles | undefined) => void): Promise<void> {
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
    const plan = {
      declarations: hasDeclarations ? want(declarations) : undefined,
      code: hasDeclarations ? undefined : want(code),
      meta: meta === "absent" ? undefined : want(meta),
    };
    return { ...plan, last: wanted.length - 1 };
  });
  // Objects come back in the order asked for: a name's files are complete once its last object has come.
  const texts: Array<string | undefined> = [];
  let next = 0;
  const handOver = () => {
    for (; next < plans.length && (plans[next]?.last ?? -1) < texts.length; next++) {
      const plan = plans[next];
      take(plan && { declarations: plan.declarations === undefined ? undefined : texts[plan.declarations], code: plan.code === undefined ? "" : (texts[plan.code] ?? ""), meta: plan.meta === undefined ? undefined : texts[plan.meta] });
    }
  };
  handOver();
  await streamBlobs(root, wanted, (text) => {
    texts.push(text);
    handOver();
  });
}

import type { GitRepo } from "./git-repo.js";
import { runGit, runGitBytes } from "./git-runner.js";
import { integrationFiles, nameOfFile } from "./names.js";
import { declarationFileOf } from "./stored-declarations.js";

/** One integration as a commit records it; code undefined when it does not exist there. */
export interface CommittedIntegration {
  name: string;
  code?: string;
  test?: string;
  meta?: string;
  declarations?: string;
  /** The newest commit up to the target that touched its files. */
  version: string;
  updatedAt: string;
}

/**
 * What moved between `from` and `to` when `to` descends from `from` (the common
 * case: others' saves, reverts, removals, pulls fast-forwarded): every integration
 * touched in between, read from the commit `to` itself (not the working tree, where
 * another process may be writing a save it has not committed yet). Undefined when
 * history was rewritten (a reset, a replayed sync): then the caller re-reads it all.
 */
export async function changesBetween(repo: GitRepo, from: string, to: string): Promise<CommittedIntegration[] | undefined> {
  const touched = await touchedBetween(repo, from, to);
  if (!touched) return undefined;
  const paths = [...touched.keys()].flatMap((name) => [...Object.values(integrationFiles(name)), declarationFileOf(name)]);
  const contents = await readAt(repo.root, to, paths);
  return [...touched].map(([name, when]) => {
    const rel = integrationFiles(name);
    return { name, code: contents.get(rel.code), test: contents.get(rel.test), meta: contents.get(rel.meta), declarations: contents.get(rel.declarations), ...when };
  });
}

/** When an integration last changed: the newest commit (up to some target) that touched its files. */
export interface IntegrationVersion {
  version: string;
  updatedAt: string;
}

/**
 * The integrations whose files commits from `from` to `to` touched, each with the newest
 * of those commits, from one `git log`; undefined when `to` does not descend from `from`.
 */
export async function touchedBetween(repo: GitRepo, from: string, to: string): Promise<Map<string, IntegrationVersion> | undefined> {
  const ancestor = await runGit(repo.root, ["merge-base", "--is-ancestor", from, to]);
  if (ancestor.exitCode !== 0) return undefined;
  const touched = new Map<string, IntegrationVersion>();
  for (const commit of await repo.log([], undefined, `${from}..${to}`)) {
    for (const file of commit.files) {
      const name = nameOfFile(file);
      if (name && !touched.has(name)) touched.set(name, { version: commit.sha, updatedAt: commit.date });
    }
  }
  return touched;
}

/**
 * Past this many paths, blobs are looked up by id from one `git ls-tree -r` of the commit:
 * `cat-file` resolving `<commit>:<path>` walks the tree for each path, which grows with the
 * square of a flat folder's size (40,000 paths of a 10,000-integration pull took minutes).
 */
const PATHS_BY_TREE_LISTING = 256;

/** The contents of `paths` at `commit` in one `git cat-file --batch`; absent paths are left out. */
async function readAt(root: string, commit: string, paths: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (paths.length === 0) return found;
  let objects = paths.map((p) => `${commit}:${p}`);
  if (paths.length > PATHS_BY_TREE_LISTING) {
    const listing = await runGitBytes(root, ["ls-tree", "-r", "-z", "--full-tree", commit]);
    if (listing.exitCode !== 0) throw new Error(`git ls-tree failed: ${listing.stderr.trim()}`);
    const blobOf = new Map<string, string>();
    // Each entry: "<mode> <type> <sha>\t<path>\0".
    for (const entry of listing.stdout.toString("utf8").split("\0")) {
      const tab = entry.indexOf("\t");
      if (tab === -1) continue;
      const [, type, sha] = entry.slice(0, tab).split(" ");
      if (type === "blob" && sha) blobOf.set(entry.slice(tab + 1), sha);
    }
    // Paths the commit does not have are left out (absent), as cat-file would report them missing.
    paths = paths.filter((p) => blobOf.has(p));
    objects = paths.map((p) => blobOf.get(p)!);
    if (paths.length === 0) return found;
  }
  const result = await runGitBytes(root, ["cat-file", "--batch"], objects.map((o) => `${o}\n`).join(""));
  if (result.exitCode !== 0) throw new Error(`git cat-file failed: ${result.stderr.trim()}`);
  const out = result.stdout;
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(0x0a, at);
    if (eol === -1) break;
    const header = out.subarray(at, eol).toString("utf8");
    at = eol + 1;
    if (header.endsWith(" missing") || header.endsWith(" ambiguous")) continue;
    const size = Number(header.slice(header.lastIndexOf(" ") + 1));
    found.set(path, out.subarray(at, at + size).toString("utf8"));
    at += size + 1;
  }
  return found;
}

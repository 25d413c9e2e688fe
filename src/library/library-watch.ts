import type { GitRepo } from "./git-repo.js";
import { runGit, runGitBytes, streamGit } from "./git-runner.js";
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

/** A file as a commit records it: its mode (`000000` once deleted) and blob id. */
export interface TreeEntry {
  mode: string;
  sha: string;
}

/**
 * The integrations whose files commits from `from` to `to` touched, each with the newest
 * of those commits, from one `git log`; undefined when `to` does not descend from `from`.
 * `blobs`, when given, receives each touched file's state at `to` (the newest change's
 * mode and blob id), so reading them needs no listing of the whole tree; it stays empty
 * when the range holds a merge (whose result the log does not show).
 */
export async function touchedBetween(repo: Pick<GitRepo, "root">, from: string, to: string, blobs?: Map<string, TreeEntry>): Promise<Map<string, IntegrationVersion> | undefined> {
  const ancestor = await runGit(repo.root, ["merge-base", "--is-ancestor", from, to]);
  if (ancestor.exitCode !== 0) return undefined;
  const listed = await runGit(repo.root, ["log", "--format=%x1e%H%x1f%cI%x1f%P", "--raw", "--no-abbrev", "--no-renames", `${from}..${to}`]);
  if (listed.exitCode !== 0) return undefined;
  const touched = new Map<string, IntegrationVersion>();
  const chunks = listed.stdout.split("\x1e");
  // A merge's result is not in the log (only its parents' changes): then the blobs are not known from it.
  if (chunks.some((chunk) => (chunk.split("\n")[0]!.split("\x1f")[2] ?? "").includes(" "))) blobs = undefined;
  // Newest commit first; each: "\x1e<sha>\x1f<date>\x1f<parents>\n\n:<old mode> <new mode> <old sha> <new sha> <status>\t<path>\n…".
  for (const chunk of chunks) {
    const lines = chunk.split("\n");
    const [sha = "", date = ""] = lines[0]!.split("\x1f");
    if (!sha) continue;
    for (const line of lines) {
      if (!line.startsWith(":")) continue;
      const tab = line.indexOf("\t");
      const path = line.slice(tab + 1);
      const name = nameOfFile(path);
      if (!name) continue;
      if (!touched.has(name)) touched.set(name, { version: sha, updatedAt: date });
      if (blobs && !blobs.has(path)) {
        const [, newMode = "", , newSha = ""] = line.slice(1, tab).split(" ");
        blobs.set(path, { mode: newMode, sha: newSha });
      }
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
    const tree = await treeAt(root, commit);
    // Paths the commit does not have are left out (absent), as cat-file would report them missing.
    paths = paths.filter((p) => tree.has(p));
    objects = paths.map((p) => tree.get(p)!.sha);
  }
  const texts = await catBlobs(root, objects);
  paths.forEach((path, i) => {
    const text = texts[i];
    if (text !== undefined) found.set(path, text);
  });
  return found;
}

/** Every blob of `commit` by path, with its mode (`100644`, `120000` for a link …), from one `git ls-tree -r`. */
export async function treeAt(root: string, commit: string): Promise<Map<string, TreeEntry>> {
  const listing = await runGitBytes(root, ["ls-tree", "-r", "-z", "--full-tree", commit]);
  if (listing.exitCode !== 0) throw new Error(`git ls-tree failed: ${listing.stderr.trim()}`);
  const tree = new Map<string, TreeEntry>();
  // Each entry: "<mode> <type> <sha>\t<path>\0" (read in place: a large library lists tens of thousands).
  const text = listing.stdout.toString("utf8");
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf("\0", at);
    const stop = end === -1 ? text.length : end;
    const space = text.indexOf(" ", at);
    const tab = text.indexOf("\t", at);
    if (space > at && tab > space && tab < stop && text.startsWith(" blob ", space)) {
      tree.set(text.slice(tab + 1, stop), { mode: text.slice(at, space), sha: text.slice(space + 6, tab) });
    }
    at = stop + 1;
  }
  return tree;
}

/** The texts of these objects (blob ids, or `<commit>:<path>`) from one `git cat-file --batch`, in order; undefined for a missing one. */
export async function catBlobs(root: string, objects: readonly string[]): Promise<Array<string | undefined>> {
  const texts: Array<string | undefined> = [];
  await streamBlobs(root, objects, (text) => texts.push(text));
  return texts;
}

/**
 * catBlobs, handing each object's text (undefined for a missing one) to `take` in order
 * as git writes it out, so that the caller's work overlaps git's. Rejects when git fails
 * or gives fewer objects than asked for.
 */
export async function streamBlobs(root: string, objects: readonly string[], take: (text: string | undefined) => void): Promise<void> {
  if (objects.length === 0) return;
  const reader = new BatchOutputReader(take);
  const result = await streamGit(root, ["cat-file", "--batch", "--buffer"], objects.map((o) => `${o}\n`).join(""), (chunk) => reader.add(chunk));
  if (result.exitCode !== 0) throw new Error(`git cat-file failed: ${result.error ?? result.stderr.trim()}`);
  if (reader.count !== objects.length) throw new Error(`git cat-file gave ${reader.count} of ${objects.length} objects`);
}

/**
 * Parses `git cat-file --batch` output as it arrives: per object "<id> <type> <size>\n<bytes>\n",
 * or "<name> missing\n" / "<name> ambiguous\n". A chunk that ends inside an object is kept
 * until the rest has come (joined once, not per chunk: a blob of megabytes comes in many).
 */
class BatchOutputReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the next object needs in all (header included) once its header is known; else 0. */
  private needed = 0;
  count = 0;

  constructor(private readonly take: (text: string | undefined) => void) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.needed > this.buffered) return;
    let out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let at = 0;
    this.needed = 0;
    for (;;) {
      const eol = out.indexOf(0x0a, at);
      if (eol === -1) break;
      const header = out.toString("latin1", at, eol);
      if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
        this.count++;
        this.take(undefined);
        at = eol + 1;
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(" ") + 1));
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`unexpected git cat-file output: ${header.slice(0, 120)}`);
      const end = eol + 1 + size;
      if (end + 1 > out.length) {
        this.needed = end + 1 - at;
        break;
      }
      this.count++;
      this.take(out.toString("utf8", eol + 1, end));
      at = end + 1;
    }
    out = out.subarray(at);
    this.chunks = out.length ? [out] : [];
    this.buffered = out.length;
  }
}

import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import type { SimpleGit, simpleGit as SimpleGitFactory } from "simple-git";
import { runGit } from "./git-runner.js";
import { PrivateIndex } from "./private-index.js";

/** Identity used for commits when the machine has none configured. */
const FALLBACK_AUTHOR = { name: "toolsmith", email: "toolsmith@localhost" };

/** The tree of an empty index (SHA-1 and SHA-256 repositories): as a first commit it would record nothing. */
const EMPTY_TREES = new Set(["4b825dc642cb6eb9a060e54bf8d69288fbee4904", "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"]);

/**
 * `git commit` runs `git maintenance run --auto` after every commit; commitFiles does
 * the same every this many commits (the check counts loose objects, so a few commits
 * late changes nothing).
 */
const MAINTENANCE_EVERY = 16;

/** A commit just made: its sha and its committer date as `git log --format=%cI` shows it. */
export interface Committed {
  sha: string;
  date: string;
  /** False when the files equalled HEAD's already: no commit was made and `sha` is HEAD. */
  created: boolean;
}

export interface CommitInfo {
  sha: string;
  date: string;
  message: string;
  files: string[];
}

/** simple-git's factory (CommonJS, required when first used). */
export function loadSimpleGit(): typeof SimpleGitFactory {
  return (createRequire(import.meta.url)("simple-git") as { simpleGit: typeof SimpleGitFactory }).simpleGit;
}

/**
 * The library's git repository. Every operation goes through one queue, so
 * concurrent saves commit one after another and never race on the index.
 */
export class GitRepo {
  private client: SimpleGit | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private commitsSinceMaintenance = 0;
  private readonly privateIndex: PrivateIndex;

  constructor(readonly root: string) {
    this.privateIndex = new PrivateIndex(join(root, ".git"), (args, index) => this.exec(args, undefined, index));
  }

  /** simple-git on this repository, loaded on first use (a start answers its first search before it needs git). */
  get git(): SimpleGit {
    this.client ??= loadSimpleGit()({ baseDir: this.root, maxConcurrentProcesses: 1, trimmed: false });
    return this.client;
  }

  /** Runs `task` after every task queued before it; a failure does not block later tasks. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  isRepository(): boolean {
    return existsSync(join(this.root, ".git"));
  }

  async init(branch: string): Promise<void> {
    await this.git.init(["--initial-branch", branch]);
    await this.ensureIdentity();
    await this.refuseLinks();
  }

  /**
   * `core.symlinks=false`: should a link ever reach the library's history, git checks
   * it out as a small file holding the link's text, not as a link. A second layer
   * behind the checks on pull and clone (see tree-check.ts).
   */
  async refuseLinks(): Promise<void> {
    const current = await this.git.raw(["config", "--local", "--get", "core.symlinks"]).catch(() => "");
    if (current.trim() !== "false") await this.git.addConfig("core.symlinks", "false");
  }

  /** Sets a repository-local identity only when git has none, so commits never fail for want of one. */
  async ensureIdentity(): Promise<void> {
    const email = await this.git.raw(["config", "--get", "user.email"]).catch(() => "");
    if (!email.trim()) {
      await this.git.addConfig("user.email", FALLBACK_AUTHOR.email);
      await this.git.addConfig("user.name", FALLBACK_AUTHOR.name);
    }
  }

  /**
   * Stages exactly `add` (files to record) and `remove` (files deleted from disk) in a
   * private index equal to HEAD (see PrivateIndex: nothing else anyone staged is carried
   * along) and commits it as one new commit on HEAD. What `git commit -- <paths>` did,
   * with plumbing (update-index, write-tree, commit-tree, update-ref) so the cost grows
   * as little as possible with the library: nothing stats the other files of the tree
   * (porcelain commit refreshes the whole index), prints a diff summary, runs hooks or
   * walks history.
   *
   * Same outcomes as the `git commit -m` it replaces: the message is cleaned up the
   * same way, an empty message is an error, an index identical to HEAD makes no commit
   * (HEAD is returned), and HEAD moves only if it is still the commit the new one was
   * built on (a compare-and-swap, like porcelain's ref lock), with a `commit: <subject>`
   * reflog entry.
   */
  async commitFiles(add: string[], remove: string[], message: string): Promise<Committed> {
    const text = cleanupMessage(message);
    if (!text) throw new Error("Aborting commit due to empty commit message.");
    const paths = [...add, ...remove];
    const head = await this.currentHead();
    const index = await this.privateIndex.matching(head?.sha);
    if (paths.length) await this.exec(["update-index", "--add", "--remove", "--", ...paths], undefined, index);
    const tree = (await this.exec(["write-tree"], undefined, index)).trim();
    // Nothing changed (the same content saved again): like `git commit` through simple-git,
    // which resolves on that exit status, no commit and HEAD stays the version.
    if (head && tree === head.tree) {
      await this.privateIndex.matches(head.sha);
      return { sha: head.sha, date: await this.commitDate(head.sha), created: false };
    }
    if (!head && EMPTY_TREES.has(tree)) throw new Error("nothing to commit");
    const sha = (await this.exec(["commit-tree", tree, ...(head ? ["-p", head.sha] : []), "-F", "-"], text)).trim();
    const subject = text.slice(0, text.indexOf("\n"));
    // A compare-and-swap: fails if HEAD is no longer the parent (as porcelain commit does).
    const updateRef = ["update-ref", "-m", `commit${head ? "" : " (initial)"}: ${subject}`, "HEAD", sha, head?.sha ?? ""];
    await this.exec(updateRef);
    // The commit is in: nothing below may fail the save (its caller would roll the files back).
    await this.privateIndex.matches(sha).catch(() => undefined);
    // The shared index learns exactly these paths, so `git status` agrees with HEAD.
    if (paths.length) await this.exec(["update-index", "--add", "--remove", "--", ...paths]).catch(() => undefined);
    const date = await this.commitDate(sha).catch(() => new Date().toISOString());
    if (++this.commitsSinceMaintenance >= MAINTENANCE_EVERY) {
      this.commitsSinceMaintenance = 0;
      // Queued behind this commit, not awaited by it; `--auto` returns at once unless gc is due.
      void this.serialize(() => this.exec(["maintenance", "run", "--auto", "--quiet"])).catch(() => undefined);
    }
    return { sha, date, created: true };
  }

  /** A commit's committer date as `git log --format=%cI` shows it. */
  private async commitDate(sha: string): Promise<string> {
    return (await this.exec(["show", "-s", "--format=%cI", sha])).trim();
  }

  /** HEAD's commit and tree, or undefined before the first commit. */
  private async currentHead(): Promise<{ sha: string; tree: string } | undefined> {
    try {
      const [sha = "", tree = ""] = (await this.exec(["rev-parse", "HEAD^{commit}", "HEAD^{tree}"])).trim().split("\n");
      return { sha, tree };
    } catch (error) {
      // An unborn branch (before the first commit) is the only expected failure.
      const unborn = await this.exec(["rev-parse", "--verify", "--quiet", "HEAD"]).then(
        () => false,
        (e: GitExecError) => e.exitCode === 1,
      );
      if (unborn) return undefined;
      throw error;
    }
  }

  /** Runs one git command in the repository (stdin from `input`) and returns its stdout. */
  private async exec(args: string[], input?: string, indexFile?: string): Promise<string> {
    const result = await runGit(this.root, args, input, indexFile ? { env: { GIT_INDEX_FILE: indexFile } } : {});
    if (result.exitCode === 0) return result.stdout;
    const detail = result.stderr.trim() || result.stdout.trim() || result.error || `exit code ${result.exitCode}`;
    const failure = new Error(`git ${args[0]} failed: ${detail}`) as GitExecError;
    failure.exitCode = result.exitCode ?? undefined;
    failure.stderr = result.stderr;
    throw failure;
  }

  async head(): Promise<string | undefined> {
    try {
      return (await this.git.revparse(["HEAD"])).trim();
    } catch {
      return undefined;
    }
  }

  /** A file's content at a commit, or undefined when it did not exist there. */
  async show(version: string, path: string): Promise<string | undefined> {
    try {
      return await this.git.show([`${version}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /** The tree modes (e.g. `100644`, `120000` for a link) of `paths` at `version`; absent paths are left out. */
  async modesAt(version: string, paths: string[]): Promise<Map<string, string>> {
    const out = await this.exec(["ls-tree", "-z", version, "--", ...paths]);
    const modes = new Map<string, string>();
    for (const entry of out.split("\0")) {
      const tab = entry.indexOf("\t");
      if (tab > 0) modes.set(entry.slice(tab + 1), entry.slice(0, entry.indexOf(" ")));
    }
    return modes;
  }

  async resolveCommit(version: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,40}$/i.test(version) && !/^[A-Za-z0-9_./~^-]{1,100}$/.test(version)) return undefined;
    try {
      return (await this.git.revparse(["--verify", "--quiet", `${version}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Commits newest first, each with the files it touched; optionally only those touching `paths`, or in `range` (`a..b`). */
  async log(paths: string[] = [], maxCount?: number, range?: string): Promise<CommitInfo[]> {
    const args = ["log", "--format=%x1e%H%x1f%cI%x1f%s", "--name-only", "--no-renames"];
    if (maxCount) args.push(`--max-count=${maxCount}`);
    if (range) args.push(range);
    if (paths.length) args.push("--", ...paths);
    let raw: string;
    try {
      // Plumbing, not simple-git: a start reads what a pull brought before simple-git is needed.
      raw = await this.exec(args);
    } catch {
      return [];
    }
    return raw
      .split("\x1e")
      .filter((chunk) => chunk.trim() !== "")
      .map((chunk) => {
        const [header = "", ...rest] = chunk.split("\n");
        const [sha = "", date = "", message = ""] = header.split("\x1f");
        return { sha, date, message, files: rest.map((f) => f.trim()).filter(Boolean) };
      });
  }
}

type GitExecError = Error & { exitCode?: number; stderr: string };

/**
 * The cleanup `git commit -m` applies (its default "whitespace" mode): trailing
 * whitespace removed from every line, leading and trailing blank lines dropped,
 * runs of blank lines collapsed to one, and a final newline.
 */
export function cleanupMessage(message: string): string {
  const lines: string[] = [];
  let blank = 0;
  for (const raw of message.split("\n")) {
    const line = raw.replace(/[ \t\r\n]+$/, "");
    if (line === "") {
      blank++;
      continue;
    }
    if (blank > 0 && lines.length > 0) lines.push("");
    blank = 0;
    lines.push(line);
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { runGit } from "./git-runner.js";

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
}

export interface CommitInfo {
  sha: string;
  date: string;
  message: string;
  files: string[];
}

/**
 * The library's git repository. Every operation goes through one queue, so
 * concurrent saves commit one after another and never race on the index.
 */
export class GitRepo {
  readonly git: SimpleGit;
  private tail: Promise<unknown> = Promise.resolve();
  private commitsSinceMaintenance = 0;
  /** The last commit this process made and its tree (a fact about that sha, whatever HEAD is now). */
  private lastCommit: { sha: string; tree: string } | undefined;
  /** UTC offsets (minutes) for which isoStrict() was seen to print exactly what `%cI` prints. */
  private readonly isoChecked = new Set<number>();

  constructor(readonly root: string) {
    this.git = simpleGit({ baseDir: root, maxConcurrentProcesses: 1, trimmed: false });
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
   * Stages exactly `add` (files to record) and `remove` (files deleted from disk) and
   * commits the index as one new commit on HEAD. What `git add` + `git commit` did,
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
    if (paths.length) await this.exec(["update-index", "--add", "--remove", "--", ...paths]);
    // HEAD comes from the ref files when they still name the last commit made here (no
    // git process for that), from git otherwise; both only read, beside write-tree.
    const [tree, head] = await Promise.all([this.exec(["write-tree"]).then((out) => out.trim()), this.currentHead()]);
    if (head && tree === head.tree) {
      // Nothing changed (the same content saved again): like `git commit` through
      // simple-git, which resolves on that exit status, no commit and HEAD stays the version.
      return { sha: head.sha, date: (await this.exec(["show", "-s", "--format=%cI", head.sha])).trim() };
    }
    if (!head && EMPTY_TREES.has(tree)) throw new Error("nothing to commit");
    // The date is set here, so it is known without asking git: author and committer
    // date are "now", as git would take them.
    const seconds = Math.floor(Date.now() / 1000);
    const offset = -new Date(seconds * 1000).getTimezoneOffset();
    const when = `@${seconds} ${gitOffset(offset)}`;
    const sha = (await this.exec(["commit-tree", tree, ...(head ? ["-p", head.sha] : []), "-F", "-"], text, { GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when })).trim();
    const subject = text.slice(0, text.indexOf("\n"));
    // A compare-and-swap: fails if HEAD is no longer the parent (as porcelain commit does).
    const updateRef = ["update-ref", "-m", `commit${head ? "" : " (initial)"}: ${subject}`, "HEAD", sha, head?.sha ?? ""];
    await this.exec(updateRef);
    // The commit is in: nothing below may fail the save (its caller would roll the files back).
    this.lastCommit = { sha, tree };
    let date = isoStrict(seconds, offset);
    if (!this.isoChecked.has(offset)) {
      // Once per UTC offset: does git print dates the way isoStrict does (versions differ for UTC)?
      const shown = await this.exec(["show", "-s", "--format=%cI", sha]).then((out) => out.trim(), () => undefined);
      if (shown === date) this.isoChecked.add(offset);
      date = shown || date;
    }
    if (++this.commitsSinceMaintenance >= MAINTENANCE_EVERY) {
      this.commitsSinceMaintenance = 0;
      // Queued behind this commit, not awaited by it; `--auto` returns at once unless gc is due.
      void this.serialize(() => this.exec(["maintenance", "run", "--auto", "--quiet"])).catch(() => undefined);
    }
    return { sha, date };
  }

  /** HEAD's commit and tree, or undefined before the first commit. */
  private async currentHead(): Promise<{ sha: string; tree: string } | undefined> {
    const last = this.lastCommit;
    if (last && (await this.headFromRefFiles()) === last.sha) return last;
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

  /**
   * HEAD as the loose ref files say, or undefined when they do not say it plainly (a
   * packed ref, another ref storage, a `.git` file): only ever compared with a sha.
   */
  private async headFromRefFiles(): Promise<string | undefined> {
    try {
      const gitDir = join(this.root, ".git");
      const head = await readFile(join(gitDir, "HEAD"), "utf8");
      const ref = /^ref: (refs\/heads\/[^\s]+)\s*$/.exec(head)?.[1];
      if (!ref) return /^[0-9a-f]{40,64}\s*$/.test(head) ? head.trim() : undefined;
      if (ref.split("/").includes("..")) return undefined;
      return (await readFile(join(gitDir, ref), "utf8")).trim();
    } catch {
      return undefined;
    }
  }

  /** Runs one git command in the repository (stdin from `input`) and returns its stdout. */
  private async exec(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
    const result = await runGit(this.root, args, input, env);
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

  async resolveCommit(version: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,40}$/i.test(version) && !/^[A-Za-z0-9_./~^-]{1,100}$/.test(version)) return undefined;
    try {
      return (await this.git.revparse(["--verify", "--quiet", `${version}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Commits newest first, each with the files it touched; optionally only those touching `paths`. */
  async log(paths: string[] = [], maxCount?: number): Promise<CommitInfo[]> {
    const args = ["log", "--format=%x1e%H%x1f%cI%x1f%s", "--name-only"];
    if (maxCount) args.push(`--max-count=${maxCount}`);
    if (paths.length) args.push("--", ...paths);
    let raw: string;
    try {
      raw = await this.git.raw(args);
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

/** A UTC offset in minutes as git writes it in commits: `+0130`, `-0500`. */
function gitOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

/** `%cI` of a commit dated `seconds` at `offset` minutes from UTC: `2025-01-31T17:04:05+01:00`. */
function isoStrict(seconds: number, offset: number): string {
  const local = new Date((seconds + offset * 60) * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const abs = Math.abs(offset);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${offset < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

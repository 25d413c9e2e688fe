import { existsSync } from "node:fs";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

/** Identity used for commits when the machine has none configured. */
const FALLBACK_AUTHOR = { name: "toolsmith", email: "toolsmith@localhost" };

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

  async commitFiles(add: string[], remove: string[], message: string): Promise<string> {
    if (add.length) await this.git.add(add);
    if (remove.length) await this.git.raw(["rm", "--cached", "--quiet", "--ignore-unmatch", "--", ...remove]);
    await this.git.commit(message, undefined, { "--no-verify": null });
    return (await this.git.revparse(["HEAD"])).trim();
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

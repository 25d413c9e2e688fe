import { execFile } from "node:child_process";

/** What git did: its exit code (null when it could not be run, see `error`) and output. */
export interface GitResult<Out = string> {
  exitCode: number | null;
  stdout: Out;
  stderr: string;
  error?: string;
}

export interface GitRunOptions {
  /** Extra environment (e.g. GIT_INDEX_FILE for a private index). */
  env?: Record<string, string>;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs one git command in `cwd` with `input` on stdin; never rejects (see `exitCode`). */
export function runGit(cwd: string, args: string[], input?: string, options: GitRunOptions = {}): Promise<GitResult> {
  return run(cwd, args, input, options).then((r) => ({ ...r, stdout: r.stdout.toString("utf8") }));
}

/** runGit with stdout as bytes (for `cat-file --batch`, whose sizes count bytes). */
export function runGitBytes(cwd: string, args: string[], input?: string, options: GitRunOptions = {}): Promise<GitResult<Buffer>> {
  return run(cwd, args, input, options);
}

function run(cwd: string, args: string[], input: string | undefined, options: GitRunOptions): Promise<GitResult<Buffer>> {
  return new Promise((resolve) => {
    const env = options.env ? { ...process.env, ...options.env } : undefined;
    const child = execFile("git", args, { cwd, env, maxBuffer: MAX_OUTPUT, encoding: "buffer" }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ exitCode, stdout, stderr: stderr.toString("utf8"), error: error && exitCode === null ? error.message : undefined });
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

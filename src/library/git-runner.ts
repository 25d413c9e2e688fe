import { execFile, spawn } from "node:child_process";

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

/**
 * Runs one git command in `cwd` with `input` on stdin, handing its output to `onStdout`
 * chunk by chunk as git writes it (a consumer can start before git is done); never
 * rejects (see `exitCode`). A throw from `onStdout` stops git and is the result's error.
 */
export function streamGit(cwd: string, args: string[], input: string, onStdout: (chunk: Buffer) => void): Promise<Omit<GitResult<undefined>, "stdout">> {
  return new Promise((resolve) => {
    const child = spawn("git", args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    let failed: string | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      if (failed !== undefined) return;
      try {
        onStdout(chunk);
      } catch (error) {
        failed = (error as Error).message;
        child.kill();
      }
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => {
      failed ??= error.message;
    });
    child.on("close", (code) => resolve({ exitCode: failed === undefined ? code : null, stderr: Buffer.concat(stderr).toString("utf8"), error: failed }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

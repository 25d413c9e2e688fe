import { execFile } from "node:child_process";

/** What git did: its exit code (null when it could not be run, see `error`) and output. */
export interface GitResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs one git command in `cwd` with `input` on stdin; never rejects (see `exitCode`). */
export function runGit(cwd: string, args: string[], input?: string): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile("git", args, { cwd, maxBuffer: MAX_OUTPUT, encoding: "utf8" }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ exitCode, stdout, stderr, error: error && exitCode === null ? error.message : undefined });
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input ?? "");
  });
}

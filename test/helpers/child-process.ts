import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

/** The built CLI (`toolsmith`); tests run against dist/, so build first. */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "cli.js");

/** Any child a helper starts is killed after this long unless the caller says otherwise, so a hang fails a test instead of stalling the suite. */
const DEFAULT_TIMEOUT_MS = 50_000;

export interface ChildOutcome {
  /** The exit code, or null when the process was killed at `timeoutMs` (it did not exit by itself). */
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

export interface ChildOptions {
  /** Written to stdin, which is then closed (empty when not given). */
  input?: string;
  /** The whole environment (process.env when not given). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A child `node` process with `args`: its exit code and output, once it exits or is killed at `timeoutMs`. Never rejects. */
export function spawnNode(args: string[], options: ChildOptions = {}): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.on("error", () => undefined); // a child that exits before reading its input
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: killed ? null : code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

/** A child node process (V8 flags are per process; `toolsmith run` is `[CLI, "run", "-"]`): its stdout, once it exits with 0. */
export async function runNode(args: string[], options: ChildOptions = {}): Promise<string> {
  const { code, stdout, stderr } = await spawnNode(args, options);
  if (code !== 0) throw new Error(`node ${args.join(" ")} failed (${code === null ? "killed at its timeout" : code}): ${stderr}`);
  return stdout;
}

export type CliOutcome = ChildOutcome;

/** Runs the built `toolsmith` CLI with `args` on `home` (TOOLSMITH_HOME, added to `env`), killed after `timeoutMs` if it has not exited. */
export function runCli(args: string[], options: ChildOptions & { home?: string } = {}): Promise<CliOutcome> {
  const env = { ...(options.env ?? process.env), ...(options.home ? { TOOLSMITH_HOME: options.home } : {}) };
  return spawnNode([CLI, ...args], { ...options, env });
}

/**
 * `runCli` for tests that check the CLI between synchronous steps (or must not let an
 * in-process server on the same home act while the CLI runs): the same outcome, with
 * the test's event loop blocked until the CLI exits or is killed at `timeoutMs`.
 */
export function runCliSync(args: string[], options: ChildOptions & { home?: string } = {}): CliOutcome {
  const env = { ...(options.env ?? process.env), ...(options.home ? { TOOLSMITH_HOME: options.home } : {}) };
  const r = spawnSync(process.execPath, [CLI, ...args], { env, input: options.input ?? "", encoding: "utf8", timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  return { code: r.error || r.signal ? null : r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", pid: r.pid ?? -1 };
}

import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./child-process.js";

/** Any server a test starts is killed after this long at the latest. */
const SERVER_LIFETIME_MS = 5 * 60_000;
const LISTENING = /serving MCP over Streamable HTTP at (\S+)/;

export interface ServedHttp {
  child: ChildProcess;
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp. */
  url: string;
  port: number;
  /** What the server wrote to stderr so far. */
  stderr: () => string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM (or `signal`), then waits for the exit. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * `toolsmith serve --http --port 0 ...args` as a child process on `home`, once it says
 * where it listens. Rejects with its stderr when it exits first.
 */
export function serveHttp(home: string, options: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServedHttp> {
  const child = spawn(process.execPath, [CLI, "serve", "--http", "--port", "0", ...(options.args ?? [])], {
    env: { ...process.env, TOOLSMITH_HOME: home, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const guard = setTimeout(() => child.kill("SIGKILL"), SERVER_LIFETIME_MS);
  guard.unref();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => (clearTimeout(guard), resolve(code))));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const url = LISTENING.exec(err)?.[1];
      if (url) resolve({ child, url, port: Number(new URL(url).port), stderr: () => err, exited, stop });
    });
    void exited.then((code) => reject(new Error(`toolsmith serve --http exited (${code}) before listening: ${err}`)));
  });
}

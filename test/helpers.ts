import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { createServer } from "../dist/server/create-server.js";
import { Toolsmith, type ToolsmithOptions } from "../dist/toolsmith.js";
import { parseConfig } from "../dist/config/load-config.js";

export const CLI = join(import.meta.dirname, "..", "dist", "cli.js");

/** A child node process (V8 flags are per process; `toolsmith run` is `[CLI, "run", "-"]`): its stdout, once it exits with 0; killed after 50 s. */
export function runNode(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(" ")} failed (${code}): ${err}`));
    });
  });
}

/** A fresh toolsmith home in a temp folder, optionally with a config.json. */
export async function makeHome(config?: unknown): Promise<{ home: string; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), "toolsmith-test-"));
  if (config !== undefined) {
    await mkdir(home, { recursive: true });
    await writeFile(join(home, "config.json"), JSON.stringify(config));
  }
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

export interface Connected {
  client: Client;
  toolsmith: Toolsmith;
  home: string;
  call: (name: string, args: Record<string, unknown>) => Promise<ToolReply>;
  close: () => Promise<void>;
}

export interface ToolReply {
  isError: boolean;
  body: any;
  text: string;
}

/** A real v2 MCP client connected in-process to a server on `home` (`options`: more Toolsmith options, e.g. fireSchedules). */
export async function connect(home: string, config?: unknown, options: Partial<ToolsmithOptions> = {}): Promise<Connected> {
  const toolsmith = Toolsmith.open({ ...options, home, config: config === undefined ? undefined : parseConfig(JSON.stringify(config)) });
  await toolsmith.whenReady();
  const server = createServer(toolsmith);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: "toolsmith-test", version: "1.0.0" });
  await client.connect(clientTransport);
  const call = async (name: string, args: Record<string, unknown>): Promise<ToolReply> => {
    const result = (await client.callTool({ name, arguments: args })) as any;
    const text = result.content?.[0]?.text ?? "";
    return { isError: result.isError === true, body: result.structuredContent ?? safeParse(text), text };
  };
  return {
    client,
    toolsmith,
    home,
    call,
    close: async () => {
      await client.close();
      await server.close();
      await toolsmith.close();
    },
  };
}

/** A server on a fresh home for the enclosing suite: connected before its tests, closed and removed after. */
export interface ServerFixture {
  readonly env: Connected;
  readonly home: string;
}

/** `config` (or a function giving it, for values known only once other fixtures started) is the server's config.json. */
export function useServer(config?: unknown | (() => unknown)): ServerFixture {
  let env: Connected | undefined;
  let made: { home: string; cleanup: () => Promise<void> } | undefined;
  beforeAll(async () => {
    made = await makeHome();
    env = await connect(made.home, typeof config === "function" ? (config as () => unknown)() : config);
  });
  afterAll(async () => {
    await env?.close();
    await made?.cleanup();
  });
  return {
    get env() {
      if (!env) throw new Error("useServer: the server is not connected yet (use it inside a test)");
      return env;
    },
    get home() {
      if (!made) throw new Error("useServer: the home is not made yet (use it inside a test)");
      return made.home;
    },
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface CliOutcome {
  /** The exit code, or null when the process was killed at `timeoutMs` (it did not exit by itself). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `toolsmith` CLI as a child process with `args`, killed after `timeoutMs` if it has not exited. */
export function runCli(args: string[], options: { home?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const env = { ...(options.env ?? process.env), ...(options.home ? { TOOLSMITH_HOME: options.home } : {}) };
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 50_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: killed ? null : code, stdout, stderr });
    });
  });
}

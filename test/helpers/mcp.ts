import { afterAll, beforeAll } from "vitest";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createServer } from "../../dist/server/create-server.js";
import { Toolsmith, type ToolsmithOptions } from "../../dist/toolsmith.js";
import { parseConfig } from "../../dist/config/load-config.js";
import { CLI } from "./child-process.js";
import { makeHome, type MadeHome } from "./home.js";

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
  let made: MadeHome | undefined;
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

export interface StdioConnected {
  client: SdkClient;
  transport: StdioClientTransport;
  /** What the server process wrote to stderr so far. */
  stderr: () => string;
  close: () => Promise<void>;
}

/**
 * The built CLI serving MCP over stdio on `home` (a child process), with a 2025-era
 * client (@modelcontextprotocol/sdk 1.x) connected to it. The child gets only
 * TOOLSMITH_HOME and PATH, as a desktop client would start it. `prepare` sets the
 * client up (request handlers) before it connects.
 */
export async function connectStdio(
  home: string,
  options: { name?: string; clientOptions?: ConstructorParameters<typeof SdkClient>[1]; prepare?: (client: SdkClient) => void } = {},
): Promise<StdioConnected> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "" }, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new SdkClient({ name: options.name ?? "toolsmith-test", version: "1.0.0" }, options.clientOptions);
  options.prepare?.(client);
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, close: () => client.close() };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

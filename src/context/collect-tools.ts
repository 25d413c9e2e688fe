import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { UpstreamServerSchema, type UpstreamServer } from "../config/schema.js";
import { UpstreamConnection } from "../bridge/upstream/upstream-connection.js";
import type { ListedTool } from "./count-tokens.js";

export type ServerTools = { server: string; source: string; tools: ListedTool[] } | { server: string; source: string; error: string };

/**
 * The tool lists of every server in a toolsmith or Claude Desktop config (both keep
 * them under `mcpServers`), fetched by connecting to each. A failure is reported
 * for that server and the others go on.
 */
export async function toolsFromConfig(path: string, progress: (line: string) => void): Promise<ServerTools[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  const servers = (raw as { mcpServers?: Record<string, unknown> })?.mcpServers ?? {};
  return Promise.all(
    Object.entries(servers).map(async ([server, entry]): Promise<ServerTools> => {
      const parsed = UpstreamServerSchema.safeParse(entry);
      if (!parsed.success) return { server, source: path, error: parsed.error.issues.map((i) => i.message).join("; ") };
      return connectAndList(server, parsed.data, progress);
    }),
  );
}

async function connectAndList(server: string, config: UpstreamServer, progress: (line: string) => void): Promise<ServerTools> {
  const connection = new UpstreamConnection(server, config, progress);
  try {
    await connection.ensureConnected();
    const state = connection.current;
    if (state.status === "ready") return { server, source: "url" in config ? config.url : config.command, tools: state.tools as ListedTool[] };
    return { server, source: "url" in config ? config.url : config.command, error: state.status === "unavailable" ? state.reason : "did not start" };
  } finally {
    await connection.close();
  }
}

/**
 * Saved tools/list results: `{ server?, tools: [...] }` (e.g. data/tool-lists)
 * or a JSON-RPC response whose `result.tools` holds them.
 */
export async function toolsFromJsonFile(path: string): Promise<ServerTools> {
  const name = basename(path).replace(/\.json$/i, "");
  try {
    const raw = JSON.parse(await readFile(path, "utf8")) as { server?: string | { name?: string }; tools?: ListedTool[]; result?: { tools?: ListedTool[] } };
    const server = typeof raw.server === "string" ? raw.server : (raw.server?.name ?? name);
    const tools = raw.tools ?? raw.result?.tools;
    if (!Array.isArray(tools)) return { server, source: path, error: 'no "tools" array (expected a tools/list result)' };
    return { server, source: path, tools };
  } catch (error) {
    return { server: name, source: path, error: (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message };
  }
}

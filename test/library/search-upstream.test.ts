import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { createServer } from "../../dist/server/create-server.js";
import { Toolsmith } from "../../dist/toolsmith.js";
import { makeHome } from "../helpers.js";

const MODULES = join(import.meta.dirname, "..", "..", "node_modules", "@modelcontextprotocol");

let home: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  // Seed the library first, so that the starts below are quick.
  const seeding = Toolsmith.open({ home, upstreams: false });
  await seeding.whenReady();
  await seeding.close();
}, 120_000);
afterAll(async () => cleanup?.());

/** Starts toolsmith on the shared home with `config` and connects a real MCP client at once: nothing waits for the upstreams here. */
function startWith(config: unknown) {
  const state: { toolsmith?: Toolsmith; client?: Client } = {};
  beforeAll(async () => {
    writeFileSync(join(home, "config.json"), JSON.stringify(config));
    state.toolsmith = Toolsmith.open({ home });
    const server = createServer(state.toolsmith);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    state.client = new Client({ name: "search-upstream-test", version: "1.0.0" });
    await state.client.connect(clientTransport);
  }, 60_000);
  afterAll(async () => {
    await state.client?.close();
    await state.toolsmith?.close();
  });
  return async (args: Record<string, unknown>) => {
    const result = (await state.client!.callTool({ name: "search_library", arguments: args })) as any;
    expect(result.isError, JSON.stringify(result)).not.toBe(true);
    return result.structuredContent;
  };
}

const memory = () => ({ command: process.execPath, args: [join(MODULES, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: join(home, "memory.jsonl") } });

describe("a search sent right after start waits for upstream servers still connecting", () => {
  const search = startWith({ limits: { upstreamStartWaitMs: 60_000 }, get mcpServers() { return { memory: memory() }; } });

  it("the very first search already lists the memory server's tools and the server itself", async () => {
    const body = await search({ query: "memory knowledge graph" });
    const tools = body.results.filter((r: { kind: string }) => r.kind === "mcp-tool").map((r: { name: string }) => r.name);
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((n: string) => n.startsWith("memory/"))).toBe(true);
    expect(body.unavailable).toBeUndefined();
    const listed = body.servers.find((s: { server: string }) => s.server === "memory");
    expect(listed).toMatchObject({ status: "ready", module: "mcp/memory" });
    expect(listed.tools).toEqual(expect.arrayContaining(["create_entities", "read_graph", "search_nodes"]));
  });

  it('an empty query and "mcp" list the servers with their tools; an unrelated query does not', async () => {
    for (const query of ["", "mcp"]) {
      const body = await search({ query });
      expect(body.servers.map((s: { server: string }) => s.server)).toEqual(["memory"]);
      expect(body.servers[0].tools).toContain("create_entities");
    }
    expect((await search({ query: "csv" })).servers).toBeUndefined();
  });
});

describe("past the wait, a server still connecting is named as not yet indexed", () => {
  // Starts and never answers initialize: it stays "connecting" (for the 30 s connect timeout).
  const search = startWith({ limits: { upstreamStartWaitMs: 200 }, mcpServers: { silent: { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] } } });

  it("says which server is not indexed yet and lists it as connecting", async () => {
    const body = await search({ query: "silent" });
    expect(body.unavailable).toEqual([{ server: "silent", reason: "still connecting: its tools are not indexed yet; search again in a few seconds" }]);
    expect(body.servers).toEqual([{ server: "silent", status: "connecting", module: "mcp/silent", tools: [] }]);
  });
});

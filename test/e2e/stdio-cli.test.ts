import { readFileSync } from "node:fs";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectStdio, makeHome, type StdioConnected } from "../helpers.js";

/** tools/list as the model API sees it: name, description, input_schema. */
function apiProjectionTokens(tools: Array<{ name: string; description?: string; inputSchema: unknown }>): number {
  return encode(JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })))).length;
}

describe("the built CLI over stdio, driven by a 2025-era client (@modelcontextprotocol/sdk 1.x)", () => {
  let stdio: StdioConnected;
  let client: StdioConnected["client"];
  let home: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    stdio = await connectStdio(home, { name: "claude-desktop-like" });
    client = stdio.client;
  });
  afterAll(async () => {
    await stdio?.close();
    await cleanup();
  });

  it("lists exactly three tools, in a fixed order, with honest annotations and a small footprint", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["search_library", "run_code", "save_integration"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.search_library!.annotations?.readOnlyHint).toBe(true);
    expect(byName.run_code!.annotations?.readOnlyHint).toBe(false);
    expect(byName.save_integration!.annotations?.readOnlyHint).toBe(false);
    expect(byName.run_code!.description).toContain("export default");
    expect(byName.run_code!.description).toContain("library/");
    expect(apiProjectionTokens(tools as any)).toBeLessThanOrEqual(450);
  });

  it("runs code, searches and saves end to end", async () => {
    const run = (await client.callTool({ name: "run_code", arguments: { code: "const n: number = 6; console.log('x'); export default n * 7" } })) as any;
    expect(run.isError).toBeFalsy();
    expect(run.structuredContent).toMatchObject({ ok: true, result: 42, logs: [{ level: "log", text: "x" }] });
    expect(JSON.parse(run.content[0].text)).toEqual(run.structuredContent);

    const saved = (await client.callTool({
      name: "save_integration",
      arguments: { name: "stdio/echo", description: "Echo", code: "export const echo = (s: string): string => s;", test: 'import { echo } from "library/stdio/echo"; if (echo("a") !== "a") throw new Error("no");' },
    })) as any;
    expect(saved.isError, saved.content[0].text).toBeFalsy();
    expect(saved.structuredContent.verified).toBe(true);

    const found = (await client.callTool({ name: "search_library", arguments: { query: "echo" } })) as any;
    expect(found.structuredContent.results[0].import).toBe('import { echo } from "library/stdio/echo";');
  });

  it("answers bad input with an error and keeps serving", async () => {
    const bad = (await client.callTool({ name: "run_code", arguments: { code: "throw new Error('nope')" } })) as any;
    expect(bad.isError).toBe(true);
    expect(bad.structuredContent.error.message).toBe("nope");
    const invalid = (await client.callTool({ name: "save_integration", arguments: { name: "Nope!", description: "x", code: "" } })) as any;
    expect(invalid.isError).toBe(true);
    // An unknown tool is a protocol error, not a tool result.
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(/no_such_tool/);
    const after = (await client.callTool({ name: "run_code", arguments: { code: "export default 'alive'" } })) as any;
    expect(after.structuredContent.result).toBe("alive");
  });

  it("cancels a spinning run over stdio: the worker stops and the next run works", async () => {
    // Warm up first, so start-up work (seeding, parsing) does not count as CPU use below.
    await client.callTool({ name: "run_code", arguments: { code: "export default 0" } });
    await new Promise((r) => setTimeout(r, 500));
    const controller = new AbortController();
    const spinning = client.callTool({ name: "run_code", arguments: { code: "while (true) {}", timeoutMs: 25_000 } }, undefined, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 400));
    controller.abort();
    await expect(spinning).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    const ticks = () => {
      const fields = readFileSync(`/proc/${stdio.transport.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return Number(fields[11]) + Number(fields[12]);
    };
    const before = ticks();
    await new Promise((r) => setTimeout(r, 1000));
    // A worker still spinning would use ~100 ticks (one core) in that second.
    expect(ticks() - before).toBeLessThan(40);
    const next = (await client.callTool({ name: "run_code", arguments: { code: "export default 'after cancel'" } })) as any;
    expect(next.structuredContent.result).toBe("after cancel");
  });

  it("writes only MCP to stdout (diagnostics went to stderr)", () => {
    expect(stdio.stderr()).toContain("serving MCP over stdio");
  });
});

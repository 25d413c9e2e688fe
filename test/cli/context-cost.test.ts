import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHome, runCliSync } from "../helpers.js";

const LISTS = join(import.meta.dirname, "..", "..", "data", "tool-lists");
const REFERENCE = ["github-official-default", "notion", "playwright", "filesystem", "memory"].map((n) => join(LISTS, `${n}.json`));
const MODULES = join(import.meta.dirname, "..", "..", "node_modules", "@modelcontextprotocol");

const contextCost = (home: string, args: string[]) => runCliSync(["context-cost", ...args], { home, timeoutMs: 60_000 });

/** An independent recount: API projection of each file's tools, summed per server. */
function recount(file: string): number {
  const { tools } = JSON.parse(readFileSync(file, "utf8")) as { tools: Array<{ name: string; description?: string; inputSchema?: unknown }> };
  return encode(JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })))).length;
}

let home: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ home, cleanup } = await makeHome()));
afterAll(async () => cleanup());

describe("toolsmith context-cost", () => {
  it("counts the reference setup from saved tool lists and meets the 98.7% target", () => {
    const r = contextCost(home, [...REFERENCE.flatMap((f) => ["--tools-json", f]), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const expected = REFERENCE.map(recount);
    expect(report.servers.map((s: { apiTokens: number }) => s.apiTokens)).toEqual(expected);
    expect(report.conventional.apiTokens).toBe(expected.reduce((a, b) => a + b, 0));
    expect(report.conventional.apiTokens).toBe(33_653);
    expect(report.toolsmith.apiTokens).toBeLessThanOrEqual(450);
    expect(report.reduction).toBeGreaterThanOrEqual(0.987);
  });

  it("prints a table, and reports a bad file without stopping", () => {
    const missing = join(home, "nope.json");
    const r = contextCost(home, ["--tools-json", REFERENCE[4]!, "--tools-json", missing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("| memory-server | 9 | 893 |");
    expect(r.stdout).toMatch(/\| nope \| — \| failed: no such file/);
    expect(r.stdout).toContain("**toolsmith (3 tools)**");
  });

  it("connects to the servers of a Claude Desktop config, reporting one that fails", () => {
    const desktop = join(home, "claude_desktop_config.json");
    writeFileSync(
      desktop,
      JSON.stringify({
        mcpServers: {
          memory: { command: process.execPath, args: [join(MODULES, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: join(home, "m.jsonl") } },
          everything: { command: process.execPath, args: [join(MODULES, "server-everything", "dist", "index.js"), "stdio"] },
          ghost: { command: "toolsmith-no-such-command-xyz" },
        },
      }),
    );
    const r = contextCost(home, ["--config", desktop, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("context-cost: upstream 'memory': starting");
    const report = JSON.parse(r.stdout);
    const byName = Object.fromEntries(report.servers.map((s: { server: string }) => [s.server, s]));
    expect(byName.memory.tools).toBe(9);
    expect(byName.everything.tools).toBeGreaterThan(5);
    expect(byName.ghost.error).toMatch(/not found|ENOENT/);
    expect(report.reduction).toBeGreaterThan(0.5);
  });

  it("gives usage errors clearly", () => {
    expect(contextCost(home, ["--config", join(home, "missing.json")])).toMatchObject({ code: 2, stderr: expect.stringContaining("no such file") });
    expect(contextCost(home, ["extra"])).toMatchObject({ code: 2 });
  });
});

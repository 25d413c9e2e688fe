import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, type Connected } from "../helpers.js";

const MODULES = join(import.meta.dirname, "..", "..", "node_modules", "@modelcontextprotocol");
const FIXTURE = join(import.meta.dirname, "..", "fixtures", "upstream-fixture.mjs");
const node = process.execPath;

let env: Connected;
let home: string;
let cleanup: () => Promise<void>;
let httpUpstream: ChildProcess;
let files: string;

/** Starts the fixture over Streamable HTTP on 127.0.0.1 and returns its port. */
function startHttpUpstream(): Promise<number> {
  httpUpstream = spawn(node, [FIXTURE, "http"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    httpUpstream.stdout!.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
    httpUpstream.once("exit", (code) => reject(new Error(`http upstream exited with ${code}`)));
  });
}

beforeAll(async () => {
  const port = await startHttpUpstream();
  const made = await makeHome();
  home = made.home;
  cleanup = made.cleanup;
  files = join(home, "files");
  mkdirSync(join(files, "docs"), { recursive: true });
  writeFileSync(join(files, "docs", "a.txt"), "alpha");
  writeFileSync(join(files, "b.txt"), "bravo bravo");
  const config = {
    limits: { timeoutMs: 8000 },
    mcpServers: {
      everything: { command: node, args: [join(MODULES, "server-everything", "dist", "index.js"), "stdio"] },
      memory: { command: node, args: [join(MODULES, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: join(home, "memory.jsonl") } },
      filesystem: { command: node, args: [join(MODULES, "server-filesystem", "dist", "index.js"), files] },
      fixture: { command: node, args: [FIXTURE, "stdio"] },
      web: { url: `http://127.0.0.1:${port}/mcp` },
      broken: { command: node, args: [FIXTURE, "stdio", "fail"] },
      missing: { command: "toolsmith-no-such-command-xyz" },
    },
  };
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  env = await connect(home);
  await env.toolsmith.upstreamsSettled();
});
afterAll(async () => {
  await env?.close();
  httpUpstream?.kill();
  await cleanup?.();
});

const run = (code: string, timeoutMs?: number) => env.call("run_code", timeoutMs ? { code, timeoutMs } : { code });

describe("upstream servers stay out of the tool list", () => {
  it("still lists exactly three tools", async () => {
    const { tools } = await env.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["search_library", "run_code", "save_integration"]);
  });
});

describe("search finds upstream tools with signatures", () => {
  it("shows each tool as kind mcp-tool with its import line and a TypeScript signature", async () => {
    const found = await env.call("search_library", { query: "sum numbers", limit: 20 });
    const sum = found.body.results.find((r: { name: string }) => r.name === "everything/get-sum");
    expect(sum).toMatchObject({ kind: "mcp-tool", server: "everything", import: 'import { get_sum } from "mcp/everything";' });
    expect(sum.signature).toContain("export function get_sum(args: {");
    expect(sum.signature).toMatch(/a: number/);
    const structured = (await env.call("search_library", { query: "get-structured-content" })).body.results.find((r: { name: string }) => r.name === "everything/get-structured-content");
    expect(structured.signature).toMatch(/location: "New York" \| "Chicago" \| "Los Angeles"/);
    expect(structured.signature).toMatch(/Promise<\{[^]*temperature: number/);
  });

  it("follows tools/list pagination", async () => {
    const all = await env.call("search_library", { query: "fixture", limit: 50 });
    const names = all.body.results.filter((r: { server?: string }) => r.server === "fixture").map((r: { name: string }) => r.name.slice("fixture/".length)).sort();
    expect(names).toEqual(["add-numbers", "crash", "echo", "fail", "hang", "meta", "pid"]);
  });

  it("reports broken upstreams as unavailable with the reason, without stopping toolsmith", async () => {
    const reply = await env.call("search_library", {});
    const servers = reply.body.unavailable.map((u: { server: string }) => u.server).sort();
    expect(servers).toEqual(["broken", "missing"]);
    const missing = reply.body.unavailable.find((u: { server: string }) => u.server === "missing");
    expect(missing.reason).toMatch(/not found|ENOENT/);
    const importBroken = await run('import { echo } from "mcp/broken"; export default await echo({ text: "x" })');
    expect(importBroken.body.error.message).toContain("'broken' is unavailable");
    const unknown = await run('import { x } from "mcp/nope"; export default x');
    expect(unknown.body.error.message).toContain("configured: broken, everything, filesystem, fixture, memory, missing, web");
  });
});

describe("code calls upstream tools through mcp/<server>", () => {
  it("maps hyphenated names and parses text results as JSON where they are JSON", async () => {
    const reply = await run(`import { get_sum, echo } from "mcp/everything";
import everything from "mcp/everything";
export default { sum: await get_sum({ a: 2, b: 3 }), echo: await echo({ message: "hi" }), viaDefault: typeof everything["get-sum"] };`);
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result.sum).toContain("5");
    expect(reply.body.result.echo).toContain("hi");
    expect(reply.body.result.viaDefault).toBe("function");
  });

  it("returns structured content", async () => {
    const reply = await run(`import { get_structured_content } from "mcp/everything";
export default await get_structured_content({ location: "Chicago" });`);
    expect(reply.isError, reply.text).toBe(false);
    expect(typeof reply.body.result.temperature).toBe("number");
    const sum = await run('import { add_numbers } from "mcp/fixture"; export default await add_numbers({ a: 40, b: 2 })');
    expect(sum.body.result).toEqual({ sum: 42 });
  });

  it("throws the upstream's message on isError", async () => {
    const caught = await run('import { fail } from "mcp/fixture"; let out = "no error"; try { await fail(); } catch (e) { out = (e as Error).message; } export default out');
    expect(caught.body.result).toContain("the fixture failed on purpose");
    const plain = await run('import { fail } from "mcp/fixture"; await fail(); export default 1');
    expect(plain.isError).toBe(true);
    expect(plain.body.error.message).toContain("the fixture failed on purpose");
    expect(plain.body.error.name).toBe("UpstreamToolError");
  });

  it("runs a stateful sequence on the memory server in one run", async () => {
    const reply = await run(`import { create_entities, create_relations, search_nodes, read_graph } from "mcp/memory";
await create_entities({ entities: [
  { name: "Ada", entityType: "person", observations: ["wrote the first program"] },
  { name: "Analytical Engine", entityType: "machine", observations: ["designed by Babbage"] },
] });
await create_relations({ relations: [{ from: "Ada", to: "Analytical Engine", relationType: "programmed" }] });
const found = await search_nodes({ query: "Ada" });
const graph = await read_graph({});
export default { found: found.entities.map((e: any) => e.name), relations: graph.relations.length };`);
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result.found).toContain("Ada");
    expect(reply.body.result.relations).toBe(1);
  });

  it("reads a temp folder through the filesystem server", async () => {
    const reply = await run(`import { read_text_file, list_directory } from "mcp/filesystem";
const listing = await list_directory({ path: ${JSON.stringify(files)} });
const text = await read_text_file({ path: ${JSON.stringify(join(files, "b.txt"))} });
export default { listing, text };`);
    expect(reply.isError, reply.text).toBe(false);
    expect(JSON.stringify(reply.body.result.listing)).toContain("docs");
    expect(JSON.stringify(reply.body.result.text)).toContain("bravo bravo");
  });

  it("calls an upstream over Streamable HTTP", async () => {
    const reply = await run('import { echo, add_numbers } from "mcp/web"; export default [await echo({ text: "over http" }), await add_numbers({ a: 1, b: 2 })]');
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual(["over http", { sum: 3 }]);
  });

  it("restarts a stdio upstream that crashed mid-call on next use", async () => {
    const before = await run('import { pid } from "mcp/fixture"; export default await pid()');
    const crash = await run('import { crash } from "mcp/fixture"; await crash(); export default "survived"');
    expect(crash.isError).toBe(true);
    expect(crash.body.error.message).toMatch(/stopped|closed|exited/i);
    const after = await run('import { pid } from "mcp/fixture"; export default await pid()');
    expect(after.isError, after.text).toBe(false);
    expect(after.body.result).not.toBe(before.body.result);
  });

  it("ends a hanging upstream call at the run's deadline, and the upstream stays usable", async () => {
    const hung = await run('import { hang } from "mcp/fixture"; await hang(); export default 1', 500);
    expect(hung.body.error.name).toBe("TimeoutError");
    const next = await run('import { echo } from "mcp/fixture"; export default await echo({ text: "still here" })');
    expect(next.body.result).toBe("still here");
  });

  it("lets a saved integration wrap two upstream calls", async () => {
    const saved = await env.call("save_integration", {
      name: "demo/sum-and-echo",
      description: "Adds with one upstream and echoes with another",
      code: `import { add_numbers } from "mcp/fixture";
import { echo } from "mcp/web";
export async function sumAndEcho(a: number, b: number): Promise<string> {
  const { sum } = (await add_numbers({ a, b })) as { sum: number };
  return (await echo({ text: "sum=" + sum })) as string;
}`,
      test: `import { sumAndEcho } from "library/demo/sum-and-echo";
const got = await sumAndEcho(2, 5);
if (got !== "sum=7") throw new Error("got " + got);`,
    });
    expect(saved.isError, saved.text).toBe(false);
    expect(saved.body.verified).toBe(true);
    const used = await run('import { sumAndEcho } from "library/demo/sum-and-echo"; export default await sumAndEcho(20, 22)');
    expect(used.body.result).toBe("sum=42");
  });
});

describe("config and import-config", () => {
  it("rejects malformed mcpServers entries with a clear message", async () => {
    const { home: bad, cleanup: done } = await makeHome({ mcpServers: { a: { command: "x", argz: [] }, b: { url: "ftp://nope" }, c: {} } });
    try {
      const r = runCliSync([], { home: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("'mcpServers.a': unknown key 'argz'");
      expect(r.stderr).toContain("mcpServers.b.url");
      expect(r.stderr).toContain('needs "command"');
    } finally {
      await done();
    }
  });

  it("imports a Claude Desktop config and prints the block that replaces it", async () => {
    const { home: target, cleanup: done } = await makeHome({ limits: { timeoutMs: 5000 } });
    try {
      const desktop = join(target, "claude_desktop_config.json");
      writeFileSync(
        desktop,
        JSON.stringify({
          globalShortcut: "Cmd+Space",
          mcpServers: {
            github: { command: "npx", args: ["-y", "@modelcontextprotocol/server-github"], env: { GITHUB_PERSONAL_ACCESS_TOKEN: "ghp_x" } },
            memory: { command: "npx", args: ["-y", "@modelcontextprotocol/server-memory"] },
            remote: { url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer abc" } },
            toolsmith: { command: "toolsmith", args: [] },
            "bad name!": { command: "x" },
            old: { command: "npx", args: ["-y", "old-server"], disabled: true },
          },
        }),
      );
      const r = runCliSync(["import-config", desktop], { home: target });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain("added 'github'");
      expect(r.stderr).toContain("1 server(s) were skipped");
      expect(statSync(join(target, "config.json")).mode & 0o777).toBe(0o600);
      expect(r.stderr).toContain("skipped 'toolsmith': it is toolsmith itself");
      expect(r.stderr).toContain("skipped 'bad name!'");
      expect(r.stderr).toContain("skipped 'old': it is disabled");
      const block = JSON.parse(r.stdout);
      expect(Object.keys(block.mcpServers)).toEqual(["toolsmith"]);
      expect(block.mcpServers.toolsmith.args[0]).toMatch(/dist[\\/]cli\.js$/);
      expect(block.mcpServers.toolsmith.env.TOOLSMITH_HOME).toBe(target);
      const written = JSON.parse(readFileSync(join(target, "config.json"), "utf8"));
      expect(written.limits).toEqual({ timeoutMs: 5000 });
      expect(Object.keys(written.mcpServers).sort()).toEqual(["github", "memory", "remote"]);
      const again = runCliSync(["import-config", desktop, "--dry-run"], { home: target });
      expect(again.stderr).toContain("unchanged 'github'");
      expect(again.code).toBe(0);
      const missing = runCliSync(["import-config", join(target, "nope.json")], { home: target });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("no such file");
    } finally {
      await done();
    }
  });
});

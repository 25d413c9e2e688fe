import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, makeHome } from "./helpers.js";

/** tools/list as the model API sees it: name, description, input_schema. */
function apiProjectionTokens(tools: Array<{ name: string; description?: string; inputSchema: unknown }>): number {
  return encode(JSON.stringify(tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })))).length;
}

function cli(home: string, args: string[], input?: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, TOOLSMITH_HOME: home }, input, encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the built CLI over stdio, driven by a 2025-era client (@modelcontextprotocol/sdk 1.x)", () => {
  let client: Client;
  let transport: StdioClientTransport;
  let home: string;
  let cleanup: () => Promise<void>;
  let stderr = "";

  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "" }, stderr: "pipe" });
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: "claude-desktop-like", version: "0.0.1" });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client.close();
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
      const fields = readFileSync(`/proc/${transport.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
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
    expect(stderr).toContain("serving MCP over stdio");
  });
});

describe("CLI commands", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ home, cleanup } = await makeHome()));
  afterAll(async () => cleanup());

  it("--help works for every command", () => {
    expect(cli(home, ["--help"])).toMatchObject({ code: 0, stdout: expect.stringContaining("Commands:") });
    for (const command of ["serve", "run", "search", "log", "revert"]) {
      const r = cli(home, [command, "--help"]);
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: toolsmith`);
    }
  });

  it("run prints the result, logs to stderr, and exits 1 on failure", () => {
    const file = join(home, "job.ts");
    writeFileSync(file, "console.log('working');\nexport default { answer: 42 as number };");
    const ok = cli(home, ["run", file]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ answer: 42 });
    expect(ok.stderr).toContain("working");

    const piped = cli(home, ["run", "-"], "export default [1, 2, 3].map((n) => n * 2)");
    expect(JSON.parse(piped.stdout)).toEqual([2, 4, 6]);

    const failing = cli(home, ["run", "-"], "\n\nthrow new RangeError('too big')");
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("RangeError: too big (stdin:3:");

    const json = cli(home, ["run", "-", "--json"], "export default 1");
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, result: 1 });
  });

  it("search, log and revert work on the library", () => {
    const found = cli(home, ["search", "csv", "--json"]);
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout).results[0].name).toBe("csv");
    expect(cli(home, ["search", "csv"]).stdout).toContain('import {');

    const log = cli(home, ["log"]);
    expect(log.code).toBe(0);
    expect(log.stdout).toContain("Seed library with starter integrations");
    const seed = log.stdout.split(" ")[0]!;

    writeFileSync(join(home, "library", "csv.ts"), readFileSync(join(home, "library", "csv.ts"), "utf8"));
    const same = cli(home, ["revert", "csv", seed]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("already identical");
    expect(cli(home, ["log", "csv"]).stdout.trim().split("\n")).toHaveLength(1);
  });

  it("gives clear errors and exit codes for bad usage", () => {
    expect(cli(home, ["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(cli(home, ["run"])).toMatchObject({ code: 2, stderr: expect.stringContaining("exactly one file") });
    expect(cli(home, ["run", "/no/such/file.ts"])).toMatchObject({ code: 2, stderr: expect.stringContaining("no such file") });
    expect(cli(home, ["run", "x.ts", "--timeout-ms", "soon"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--timeout-ms") });
    expect(cli(home, ["search", "--limit", "0"])).toMatchObject({ code: 2 });
    expect(cli(home, ["search", "--bogus"])).toMatchObject({ code: 2, stderr: expect.stringContaining("bogus") });
    expect(cli(home, ["log", "Not A Name"])).toMatchObject({ code: 2 });
    expect(cli(home, ["log", "missing"])).toMatchObject({ code: 1, stderr: expect.stringContaining("No integration named 'missing'") });
    expect(cli(home, ["revert", "csv"])).toMatchObject({ code: 2 });
    expect(cli(home, ["revert", "csv", "0123456789abcdef"])).toMatchObject({ code: 1, stderr: expect.stringContaining("not a version") });
  });

  it("refuses to start on an invalid config.json, naming the bad key", async () => {
    const { home: bad, cleanup: done } = await makeHome({ limits: { timeoutMs: "slow" }, colour: "blue" });
    try {
      const served = spawnSync(process.execPath, [CLI], { env: { ...process.env, TOOLSMITH_HOME: bad }, input: "", encoding: "utf8", timeout: 30_000 });
      expect(served.status).toBe(2);
      expect(served.stdout).toBe("");
      expect(served.stderr).toContain("limits.timeoutMs");
      expect(served.stderr).toContain("unknown key 'colour'");
      writeFileSync(join(bad, "config.json"), "{ not json");
      const broken = cli(bad, ["run", "-"], "export default 1");
      expect(broken.code).toBe(2);
      expect(broken.stderr).toContain("not valid JSON");
    } finally {
      await done();
    }
  });

  it("exits when its client closes stdin", async () => {
    const child = spawn(process.execPath, [CLI], { env: { ...process.env, TOOLSMITH_HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    expect(await exited).toBe(0);
    clearTimeout(timer);
  });
});

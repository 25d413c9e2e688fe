import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, connectStdio, makeHome, runCliSync, type StdioConnected } from "../helpers.js";

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

describe("CLI commands", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ home, cleanup } = await makeHome()));
  afterAll(async () => cleanup());

  it("--help works for every command", () => {
    expect(runCliSync(["--help"], { home })).toMatchObject({ code: 0, stdout: expect.stringContaining("Commands:") });
    for (const command of ["serve", "run", "search", "log", "revert"]) {
      const r = runCliSync([command, "--help"], { home });
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: toolsmith`);
    }
  });

  it("run prints the result, logs to stderr, and exits 1 on failure", () => {
    const file = join(home, "job.ts");
    writeFileSync(file, "console.log('working');\nexport default { answer: 42 as number };");
    const ok = runCliSync(["run", file], { home });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ answer: 42 });
    expect(ok.stderr).toContain("working");

    const piped = runCliSync(["run", "-"], { home, input: "export default [1, 2, 3].map((n) => n * 2)" });
    expect(JSON.parse(piped.stdout)).toEqual([2, 4, 6]);

    const failing = runCliSync(["run", "-"], { home, input: "\n\nthrow new RangeError('too big')" });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("RangeError: too big (stdin:3:");

    const json = runCliSync(["run", "-", "--json"], { home, input: "export default 1" });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, result: 1 });
  });

  it("search, log and revert work on the library", () => {
    const found = runCliSync(["search", "csv", "--json"], { home });
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout).results[0].name).toBe("csv");
    expect(runCliSync(["search", "csv"], { home }).stdout).toContain('import {');

    const log = runCliSync(["log"], { home });
    expect(log.code).toBe(0);
    expect(log.stdout).toContain("Seed library with starter integrations");
    const seed = log.stdout.split(" ")[0]!;

    writeFileSync(join(home, "library", "csv.ts"), readFileSync(join(home, "library", "csv.ts"), "utf8"));
    const same = runCliSync(["revert", "csv", seed], { home });
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("already identical");
    expect(runCliSync(["log", "csv"], { home }).stdout.trim().split("\n")).toHaveLength(1);
  });

  it("gives clear errors and exit codes for bad usage", () => {
    expect(runCliSync(["frobnicate"], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(runCliSync(["run"], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining("exactly one file") });
    expect(runCliSync(["run", "/no/such/file.ts"], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining("no such file") });
    expect(runCliSync(["run", "x.ts", "--timeout-ms", "soon"], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining("--timeout-ms") });
    expect(runCliSync(["search", "--limit", "0"], { home })).toMatchObject({ code: 2 });
    expect(runCliSync(["search", "--bogus"], { home })).toMatchObject({ code: 2, stderr: expect.stringContaining("bogus") });
    expect(runCliSync(["log", "Not A Name"], { home })).toMatchObject({ code: 2 });
    expect(runCliSync(["log", "missing"], { home })).toMatchObject({ code: 1, stderr: expect.stringContaining("No integration named 'missing'") });
    expect(runCliSync(["revert", "csv"], { home })).toMatchObject({ code: 2 });
    expect(runCliSync(["revert", "csv", "0123456789abcdef"], { home })).toMatchObject({ code: 1, stderr: expect.stringContaining("not a version") });
  });

  it("refuses to start on an invalid config.json, naming the bad key", async () => {
    const { home: bad, cleanup: done } = await makeHome({ limits: { timeoutMs: "slow" }, colour: "blue" });
    try {
      const served = runCliSync([], { home: bad });
      expect(served.code).toBe(2);
      expect(served.stdout).toBe("");
      expect(served.stderr).toContain("limits.timeoutMs");
      expect(served.stderr).toContain("unknown key 'colour'");
      writeFileSync(join(bad, "config.json"), "{ not json");
      const broken = runCliSync(["run", "-"], { home: bad, input: "export default 1" });
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

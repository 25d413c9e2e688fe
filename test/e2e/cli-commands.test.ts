import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, makeHome, runCliSync } from "../helpers.js";

/** The built CLI's commands, each run as its own process (the server over stdio is test/e2e/stdio-cli.test.ts). */
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

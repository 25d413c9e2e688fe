import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCli, type Connected } from "../helpers.js";

describe("toolsmith sync reports what it did", () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let machineA: Connected;
  let homeB: string;

  beforeAll(async () => {
    ({ home: root, cleanup } = await makeHome());
    const remote = join(root, "shared.git");
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch", "main", remote]);
    const homeA = join(root, "machine-a");
    mkdirSync(homeA);
    machineA = await connect(homeA, { library: { remote, pullIntervalSeconds: 0 } });
    expect((await machineA.toolsmith.sync())?.error).toBeUndefined();
    // Machine B starts as a clone, then machine A saves once more.
    homeB = join(root, "machine-b");
    mkdirSync(homeB);
    writeFileSync(join(homeB, "config.json"), JSON.stringify({ library: { remote, pullIntervalSeconds: 0 } }));
    expect((await runCli(["log", "--max", "1"], { home: homeB })).code).toBe(0);
    const saved = await machineA.call("save_integration", { name: "shared/answer", description: "The answer", code: "export const answer = (): number => 42;" });
    expect(saved.isError, saved.text).toBe(false);
    expect((await machineA.toolsmith.sync())?.error).toBeUndefined();
  }, 120_000);
  afterAll(async () => {
    await machineA.close();
    await cleanup();
  });

  it("says it pulled the commit it pulled (a CLI command does not sync in the background first)", async () => {
    const outcome = await runCli(["sync", "--json"], { home: homeB, timeoutMs: 40_000 });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ pulled: 1, pushed: false, conflicts: [] });
    const log = await runCli(["log", "shared/answer"], { home: homeB });
    expect(log.stdout).toMatch(/Add shared\/answer/);
  });
});

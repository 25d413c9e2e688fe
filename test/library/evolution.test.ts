import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, type Connected } from "../helpers.js";

let env: Connected;
let home: string;
let cleanup: () => Promise<void>;

const cli = (args: string[]) => runCliSync(args, { home });
const find = async (name: string, detail?: "full") => (await env.call("search_library", { query: name, limit: 50, ...(detail ? { detail } : {}) })).body.results.find((r: { name: string }) => r.name === name);

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
  env = await connect(home);
  // base <- middle <- top: top depends on base only through middle.
  const saves = [
    { name: "chain/base", description: "Base unit", code: "export const unit = (): number => 1;", test: 'import { unit } from "library/chain/base"; if (unit() !== 1) throw new Error("base");' },
    {
      name: "chain/middle",
      description: "Doubles the unit",
      code: 'import { unit } from "library/chain/base";\nexport const two = (): number => unit() * 2;',
      test: 'import { two } from "library/chain/middle"; if (two() !== 2) throw new Error("middle expected 2, got " + two());',
    },
    {
      name: "chain/top",
      description: "Adds one",
      code: 'import { two } from "library/chain/middle";\nexport const three = (): number => two() + 1;',
      test: 'import { three } from "library/chain/top"; if (three() !== 3) throw new Error("top expected 3, got " + three());',
    },
    {
      name: "chain/thrower",
      description: "Throws inside its own code",
      code: "export function explode(n: number): number {\n  if (n > 1) throw new RangeError('too big: ' + n);\n  return n;\n}",
    },
  ];
  for (const s of saves) {
    const r = await env.call("save_integration", s);
    expect(r.isError, r.text).toBe(false);
  }
});
afterAll(async () => {
  await env.close();
  await cleanup();
});

describe("dependents", () => {
  it("re-tests direct and indirect dependents, marks failures unverified with the reason, in one commit", async () => {
    const before = Number(spawnSync("git", ["-C", `${home}/library`, "rev-list", "--count", "HEAD"], { encoding: "utf8" }).stdout);
    const changed = await env.call("save_integration", {
      name: "chain/base",
      description: "Base unit, now ten",
      code: "export const unit = (): number => 10;",
      test: 'import { unit } from "library/chain/base"; if (unit() !== 10) throw new Error("base");',
    });
    expect(changed.isError, changed.text).toBe(false);
    expect(changed.body.dependents).toEqual([
      { name: "chain/middle", passed: false, error: "Error: middle expected 2, got 20" },
      { name: "chain/top", passed: false, error: "Error: top expected 3, got 21" },
    ]);
    const after = Number(spawnSync("git", ["-C", `${home}/library`, "rev-list", "--count", "HEAD"], { encoding: "utf8" }).stdout);
    expect(after).toBe(before + 1);
    const middle = await find("chain/middle");
    expect(middle.verified).toBe(false);
    expect(middle.unverifiedReason).toContain("after 'chain/base' changed");

    const fixed = await env.call("save_integration", {
      name: "chain/base",
      description: "Base unit",
      code: "export const unit = (): number => 1;",
      test: 'import { unit } from "library/chain/base"; if (unit() !== 1) throw new Error("base");',
    });
    expect(fixed.isError, fixed.text).toBe(false);
    expect(fixed.body.dependents.map((d: { passed: boolean }) => d.passed)).toEqual([true, true]);
    const again = await find("chain/top");
    expect(again.verified).toBe(true);
    expect(again.unverifiedReason).toBeUndefined();
  });
});

describe("usage figures", () => {
  it("counts runs and blames failures on the integration whose code threw", async () => {
    await env.call("run_code", { code: 'import { three } from "library/chain/top"; export default three()' });
    await env.call("run_code", { code: 'import { explode } from "library/chain/thrower"; export default explode(1)' });
    const failed = await env.call("run_code", { code: 'import { explode } from "library/chain/thrower";\nimport { three } from "library/chain/top";\nexport default explode(three())' });
    expect(failed.body.error.message).toBe("too big: 3");
    const caller = await env.call("run_code", { code: 'import { three } from "library/chain/top"; if (three() === 3) throw new Error("caller fault"); export default 1' });
    expect(caller.isError).toBe(true);

    const thrower = await find("chain/thrower");
    expect(thrower.usage).toMatchObject({ runs: 2, failures: 1, lastError: "RangeError: too big: 3" });
    // typicalMs needs 3 successful direct runs (one run never sets "typical" alone); thrower had 1.
    expect(thrower.usage.typicalMs).toBeUndefined();
    const top = await find("chain/top");
    expect(top.usage).toMatchObject({ runs: 3, failures: 0 });
  });

  it("keeps figures in state/, across restarts, not in git", async () => {
    await env.close();
    env = await connect(home);
    expect((await find("chain/thrower")).usage.failures).toBe(1);
    const tracked = spawnSync("git", ["-C", `${home}/library`, "ls-files"], { encoding: "utf8" }).stdout;
    expect(tracked).not.toContain("usage");
  });
});

describe("history", () => {
  it("search with detail full lists recent versions with their messages", async () => {
    const base = await find("chain/base", "full");
    expect(base.history.length).toBe(3);
    expect(base.history[0].message).toContain("Update chain/base");
    expect(base.history[0].version).toBe(base.version);
  });

  it("diff shows changes between versions; log and revert work per integration", () => {
    const log = cli(["log", "chain/base", "--json"]);
    const versions = JSON.parse(log.stdout).map((c: { sha: string }) => c.sha);
    expect(versions).toHaveLength(3);
    const last = cli(["diff", "chain/base"]);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain("-export const unit = (): number => 10;");
    expect(last.stdout).toContain("+export const unit = (): number => 1;");
    const between = cli(["diff", "chain/base", versions[2], versions[1]]);
    expect(between.stdout).toContain("+export const unit = (): number => 10;");
    expect(cli(["diff", "chain/thrower"]).stderr).toContain("only one version");
    expect(cli(["diff", "nope"]).stderr).toContain("No integration named 'nope'");
    expect(cli(["diff", "chain/base", "zzzz"]).stderr).toContain("not a version");
  });
});

describe("MCP resources", () => {
  it("exposes sources as library://<name> without growing the tool list", async () => {
    const { resources } = await env.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(["library://chain/top", "library://csv"]));
    const read = await env.client.readResource({ uri: "library://chain/top" });
    expect((read.contents[0] as { text: string }).text).toContain("export const three");
    await expect(env.client.readResource({ uri: "library://nope/never" })).rejects.toThrow(/No integration named/);
    expect((await env.client.listTools()).tools).toHaveLength(3);
  });
});

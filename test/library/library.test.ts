import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";

let env: Connected;
let home: string;
let cleanup: () => Promise<void>;

const git = (...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();
const commitCount = () => Number(git("rev-list", "--count", "HEAD"));

const GREETER = `/** Greets someone. */
export function greet(name: string): string {
  return "hello " + name;
}`;
const GREETER_TEST = `import { greet } from "library/text/greeter";
if (greet("ada") !== "hello ada") throw new Error("unexpected: " + greet("ada"));
export default "ok";`;

beforeAll(async () => {
  const made = await makeHome();
  home = made.home;
  cleanup = made.cleanup;
  env = await connect(home);
});
afterAll(async () => {
  await env.close();
  await cleanup();
});

describe("the library on first start", () => {
  it("is a git repository seeded in one commit with tested starters", async () => {
    expect(commitCount()).toBe(1);
    expect(git("log", "-1", "--format=%s")).toBe("Seed library with starter integrations");
    const files = git("ls-files").split("\n");
    expect(files).toEqual(expect.arrayContaining(["csv.ts", "csv.test.ts", "csv.meta.json", "dates.ts", "dates.test.ts", "collections.ts"]));
    const listed = await env.call("search_library", {});
    const names = listed.body.results.map((r: { name: string }) => r.name);
    expect(names).toEqual(expect.arrayContaining(["csv", "dates", "collections"]));
    // An empty query lists integrations first, then the sandbox's builtins (which have no `verified`).
    for (const r of listed.body.results.filter((x: { kind: string }) => x.kind === "integration")) expect(r.verified, r.name).toBe(true);
  });

  it("runs the starters from run_code", async () => {
    const reply = await env.call("run_code", {
      code: `import { parseCsv } from "library/csv";
import { groupBy } from "library/collections";
const rows = parseCsv("team,points\\nred,3\\nblue,5\\nred,4", { inferTypes: true });
const byTeam = groupBy(rows, (r: any) => r.team);
export default Object.fromEntries(Object.entries(byTeam).map(([k, v]) => [k, (v as any[]).length]));`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({ red: 2, blue: 1 });
  });
});

describe("save_integration", () => {
  it("saves, commits once, and makes the integration importable and searchable", async () => {
    const before = commitCount();
    const reply = await env.call("save_integration", { name: "text/greeter", description: "Greets people by name", code: GREETER, test: GREETER_TEST, tags: ["demo"] });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body).toMatchObject({ name: "text/greeter", created: true, verified: true });
    expect(reply.body.version).toMatch(/^[0-9a-f]{40}$/);
    expect(reply.body.path).toBe("text/greeter.ts");
    expect(commitCount()).toBe(before + 1);
    expect(git("rev-parse", "HEAD")).toBe(reply.body.version);
    expect(git("show", "--name-only", "--format=", "HEAD").split("\n").sort()).toEqual(["text/greeter.d.ts", "text/greeter.meta.json", "text/greeter.test.ts", "text/greeter.ts"]);
    expect(readFileSync(join(home, "library", "text", "greeter.ts"), "utf8")).toBe(`${GREETER}\n`);

    const used = await env.call("run_code", { code: 'import { greet } from "library/text/greeter"; export default greet("bob")' });
    expect(used.body.result).toBe("hello bob");

    const found = await env.call("search_library", { query: "greet" });
    expect(found.body.results[0]).toMatchObject({
      kind: "integration",
      name: "text/greeter",
      description: "Greets people by name",
      import: 'import { greet } from "library/text/greeter";',
      version: reply.body.version,
      verified: true,
      hosts: [],
      secrets: [],
    });
    // Declarations as the compiler emits them (search_library shows stored or derived .d.ts text).
    expect(found.body.results[0].signature).toContain("export declare function greet(name: string): string;");
    expect(found.body.results[0].outline).toEqual(["function greet(name: string): string"]);
    expect(found.body.results[0].code).toBeUndefined();
  });

  it("makes a new version on re-save, and keeps the old test guarding it", async () => {
    const first = (await env.call("search_library", { query: "greeter" })).body.results[0].version;
    const v2 = await env.call("save_integration", {
      name: "text/greeter",
      description: "Greets people by name, politely",
      code: GREETER.replace('"hello "', '"hello " + "" '),
      message: "Make greeter polite",
    });
    expect(v2.isError, v2.text).toBe(false);
    expect(v2.body.created).toBe(false);
    expect(v2.body.verified).toBe(true);
    expect(v2.body.version).not.toBe(first);
    expect(git("log", "-1", "--format=%s")).toBe("Make greeter polite");

    const broken = await env.call("save_integration", { name: "text/greeter", description: "broken", code: "export function greet(n: string) { return 'bye ' + n }" });
    expect(broken.isError).toBe(true);
    expect(broken.body.phase).toBe("test");
    expect(broken.body.error.message).toContain("existing test");
    expect(git("rev-parse", "HEAD")).toBe(v2.body.version);
  });

  it("writes nothing when the test fails, and reports where", async () => {
    const before = git("rev-parse", "HEAD");
    const reply = await env.call("save_integration", {
      name: "math/double",
      description: "Doubles",
      code: "export const double = (n: number) => n * 3;",
      test: 'import { double } from "library/math/double";\nconst got = double(2);\nif (got !== 4) throw new Error("double(2) gave " + got);',
    });
    expect(reply.isError).toBe(true);
    expect(reply.body.phase).toBe("test");
    expect(reply.body.error.message).toContain("double(2) gave 6");
    expect(reply.body.error.line).toBe(3);
    expect(git("rev-parse", "HEAD")).toBe(before);
    expect(existsSync(join(home, "library", "math", "double.ts"))).toBe(false);
    expect(git("status", "--porcelain")).toBe("");
  });

  it("refuses code that does not compile or exports nothing", async () => {
    const bad = await env.call("save_integration", { name: "broken", description: "x", code: "export function f( {" });
    expect(bad.isError).toBe(true);
    expect(bad.body.phase).toBe("compile");
    expect(bad.body.error.line).toBe(1);
    const empty = await env.call("save_integration", { name: "empty", description: "x", code: "const a = 1;" });
    expect(empty.body.error.name).toBe("NoExports");
    expect(existsSync(join(home, "library", "broken.ts"))).toBe(false);
  });

  it("refuses invalid names with the rule in the message", async () => {
    for (const name of ["Bad", "../escape", "a/b/c/d/e", "x_y", "1abc", "a//b", "", "trailing/"]) {
      const reply = await env.call("save_integration", { name, description: "x", code: "export const a = 1;" });
      expect(reply.isError, name).toBe(true);
      expect(reply.text).toMatch(/name/i);
    }
    expect(git("status", "--porcelain")).toBe("");
  });

  it("lets integrations import each other", async () => {
    const base = await env.call("save_integration", { name: "math/base", description: "Squares", code: "export const square = (n: number): number => n * n;" });
    expect(base.isError, base.text).toBe(false);
    const derived = await env.call("save_integration", {
      name: "math/derived",
      description: "Sum of squares",
      code: 'import { square } from "library/math/base";\nexport const sumOfSquares = (ns: number[]): number => ns.reduce((a, n) => a + square(n), 0);',
      test: 'import { sumOfSquares } from "library/math/derived";\nif (sumOfSquares([1, 2, 3]) !== 14) throw new Error("wrong");',
    });
    expect(derived.isError, derived.text).toBe(false);
    const used = await env.call("run_code", { code: 'import { sumOfSquares } from "library/math/derived"; export default sumOfSquares([3, 4])' });
    expect(used.body.result).toBe(25);
  });

  it("points errors inside an integration at its own file", async () => {
    await env.call("save_integration", { name: "fails", description: "Always fails", code: "export function boom(): never {\n  throw new Error('inside');\n}" });
    const reply = await env.call("run_code", { code: 'import { boom } from "library/fails";\n\nboom();' });
    expect(reply.body.error.message).toBe("inside");
    expect(reply.body.error.line).toBe(3);
    expect(reply.body.error.stack).toContain("library/fails:2:");
  });

  it("lands every one of many parallel saves, one commit each", async () => {
    const before = commitCount();
    const saves = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        env.call("save_integration", {
          name: `parallel/item-${i}`,
          description: `Parallel item ${i}`,
          code: `export const value = (): number => ${i};`,
          test: `import { value } from "library/parallel/item-${i}"; if (value() !== ${i}) throw new Error("bad");`,
        }),
      ),
    );
    for (const s of saves) expect(s.isError, s.text).toBe(false);
    expect(commitCount()).toBe(before + 8);
    expect(new Set(saves.map((s) => s.body.version)).size).toBe(8);
    expect(git("status", "--porcelain")).toBe("");
    expect(execFileSync("git", ["-C", join(home, "library"), "fsck", "--no-progress", "--no-dangling"], { encoding: "utf8" })).toBe("");
  });
});

describe("search_library", () => {
  it("ranks by name, description, tags and signatures", async () => {
    expect((await env.call("search_library", { query: "csv" })).body.results[0].name).toBe("csv");
    expect((await env.call("search_library", { query: "iso week" })).body.results[0].name).toBe("dates");
    expect((await env.call("search_library", { query: "sumOfSquares" })).body.results[0].name).toBe("math/derived");
    expect((await env.call("search_library", { query: "demo" })).body.results[0].name).toBe("text/greeter");
  });

  it("lists everything newest first with an empty query, within the limit", async () => {
    const all = await env.call("search_library", { query: "", limit: 3 });
    expect(all.body.results).toHaveLength(3);
    expect(all.body.total).toBeGreaterThan(10);
    const dates = all.body.results.map((r: { updatedAt: string }) => r.updatedAt);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it("adds the source with detail full", async () => {
    const full = await env.call("search_library", { query: "greeter", detail: "full", limit: 1 });
    expect(full.body.results[0].code).toContain("export function greet");
    expect(full.body.results[0].test).toContain("library/text/greeter");
  });

  it("says what to do when nothing matches", async () => {
    const none = await env.call("search_library", { query: "zzqqxx" });
    expect(none.body.results).toEqual([]);
    expect(none.body.hint).toContain("run_code");
  });

  it("rejects bad arguments", async () => {
    for (const args of [{ limit: 0 }, { limit: 1000 }, { detail: "everything" }, { query: 5 }]) {
      const result = (await env.client.callTool({ name: "search_library", arguments: args as Record<string, unknown> })) as any;
      expect(result.isError, JSON.stringify(args)).toBe(true);
    }
  });
});

describe("history", () => {
  it("revert restores a version as a new commit", async () => {
    const versions = await env.toolsmith.history("text/greeter");
    expect(versions.length).toBe(2);
    const original = versions[1]!.sha;
    const result = await env.toolsmith.revert("text/greeter", original);
    expect(git("log", "-1", "--format=%s")).toBe(`Revert text/greeter to ${original.slice(0, 12)}`);
    expect(result.restoredFrom).toBe(original);
    expect(readFileSync(join(home, "library", "text", "greeter.ts"), "utf8")).toBe(`${GREETER}\n`);
    const meta = JSON.parse(readFileSync(join(home, "library", "text", "greeter.meta.json"), "utf8"));
    expect(meta.description).toBe("Greets people by name");
    await expect(env.toolsmith.revert("text/greeter", "deadbeef")).rejects.toThrow(/not a version/);
    await expect(env.toolsmith.revert("nope", original)).rejects.toThrow(/did not exist/);
  });

  it("persists across restarts", async () => {
    const head = git("rev-parse", "HEAD");
    await env.close();
    env = await connect(home);
    expect(git("rev-parse", "HEAD")).toBe(head);
    const found = await env.call("search_library", { query: "greeter" });
    expect(found.body.results[0].name).toBe("text/greeter");
    expect(found.body.results[0].version).toBe(head);
    const used = await env.call("run_code", { code: 'import { sumOfSquares } from "library/math/derived"; export default sumOfSquares([1, 1])' });
    expect(used.body.result).toBe(2);
  });
});

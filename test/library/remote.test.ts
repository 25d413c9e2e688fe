import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";

let root: string;
let cleanup: () => Promise<void>;
let remote: string;
let a: Connected;
let b: Connected;
const opened: Connected[] = [];

const git = (home: string, ...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();
const save = (env: Connected, name: string, value: number, extra: Record<string, unknown> = {}) =>
  env.call("save_integration", { name, description: `value ${value}`, code: `export const value = (): number => ${value};`, ...extra });
async function open(name: string, library: Record<string, unknown>) {
  const home = join(root, name);
  mkdirSync(home, { recursive: true });
  const env = await connect(home, { library });
  opened.push(env);
  return env;
}

beforeAll(async () => {
  ({ home: root, cleanup } = await makeHome());
  remote = join(root, "shared.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch", "main", remote]);
  a = await open("machine-a", { remote, pullIntervalSeconds: 0 });
  expect((await a.toolsmith.sync())?.error).toBeUndefined();
  b = await open("machine-b", { remote, pullIntervalSeconds: 0 });
});
afterAll(async () => {
  for (const env of opened) await env.close();
  await cleanup();
});

describe("two machines sharing a bare remote", () => {
  it("starts a new home from a clone of a remote that has history (no second seed)", () => {
    expect(git(b.home, "rev-list", "--max-parents=0", "HEAD")).toBe(git(a.home, "rev-list", "--max-parents=0", "HEAD"));
    expect(git(b.home, "rev-list", "--count", "HEAD")).toBe("1");
  });

  it("pushes saves and rebases non-conflicting changes from both machines", async () => {
    expect((await save(a, "shared/from-a", 1)).isError).toBe(false);
    expect((await a.toolsmith.sync())?.error).toBeUndefined();
    expect((await save(b, "shared/from-b", 2)).isError).toBe(false);
    // The save already synced in the background; an explicit sync waits for it and finds nothing left.
    const synced = await b.toolsmith.sync();
    expect(synced).toMatchObject({ pulled: 0, pushed: false, conflicts: [] });
    expect(b.toolsmith.remoteStatus()?.pendingPush).toBe(false);
    await a.toolsmith.sync();
    for (const env of [a, b]) {
      const names = (await env.call("search_library", { query: "shared", limit: 20 })).body.results.map((r: { name: string }) => r.name);
      expect(names).toEqual(expect.arrayContaining(["shared/from-a", "shared/from-b"]));
      expect(git(env.home, "status", "--porcelain")).toBe("");
    }
    expect(git(a.home, "rev-parse", "HEAD")).toBe(git(b.home, "rev-parse", "HEAD"));
    const used = await a.call("run_code", { code: 'import { value } from "library/shared/from-b"; export default value()' });
    expect(used.body.result).toBe(2);
  });

  it("keeps both versions when the same integration is edited on both machines, and says so", async () => {
    await save(a, "shared/contested", 10);
    await a.toolsmith.sync();
    await b.toolsmith.sync();
    expect((await save(a, "shared/contested", 11, { message: "A's edit" })).isError).toBe(false);
    expect((await save(b, "shared/contested", 12, { message: "B's edit" })).isError).toBe(false);
    await a.toolsmith.sync();
    const report = await b.toolsmith.sync();
    expect(report?.error).toBeUndefined();
    expect(b.toolsmith.remoteStatus()?.conflicts?.map((c) => c.name)).toEqual(["shared/contested"]);
    const history = git(b.home, "log", "--format=%s", "--", "shared/contested.ts").split("\n");
    expect(history[0]).toBe("B's edit");
    expect(history).toContain("A's edit");
    expect(git(b.home, "log", "-1", "--format=%B")).toContain("kept both versions");
    expect(readFileSync(join(b.home, "library", "shared", "contested.ts"), "utf8")).toContain("=> 12");
    await a.toolsmith.sync();
    expect(readFileSync(join(a.home, "library", "shared", "contested.ts"), "utf8")).toContain("=> 12");
    const full = (await a.call("search_library", { query: "shared/contested", detail: "full", limit: 1 })).body.results[0];
    expect(full.history.map((h: { message: string }) => h.message.split("\n")[0])).toEqual(expect.arrayContaining(["B's edit", "A's edit"]));
    expect(execFileSync("git", ["-C", remote, "fsck", "--no-progress", "--no-dangling"], { encoding: "utf8" })).toBe("");
  });

  it("pulls periodically", async () => {
    const c = await open("machine-c", { remote, pullIntervalSeconds: 1 });
    await save(a, "shared/late", 7);
    await a.toolsmith.sync();
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      await new Promise((r) => setTimeout(r, 200));
      found = (await c.call("search_library", { query: "shared/late", limit: 5 })).body.results.some((r: { name: string }) => r.name === "shared/late");
    }
    expect(found).toBe(true);
  });
});

describe("an unreachable remote", () => {
  it("never blocks a local save; the push is retried and reported", async () => {
    const later = join(root, "later.git");
    const d = await open("machine-d", { remote: later, pullIntervalSeconds: 0 });
    const saved = await save(d, "offline/item", 5);
    expect(saved.isError, saved.text).toBe(false);
    const report = await d.toolsmith.sync();
    expect(report?.error).toBeTruthy();
    const listed = await d.call("search_library", { query: "offline" });
    expect(listed.body.remote).toMatchObject({ pendingPush: true });
    expect(listed.body.remote.lastError).toBeTruthy();
    execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch", "main", later]);
    const retried = await d.toolsmith.sync();
    expect(retried).toMatchObject({ pushed: true });
    expect(retried?.error).toBeUndefined();
    expect(execFileSync("git", ["-C", later, "log", "--format=%s", "-1"], { encoding: "utf8" })).toContain("offline/item");
    expect((await d.call("search_library", { query: "offline" })).body.remote).toBeUndefined();
  });
});

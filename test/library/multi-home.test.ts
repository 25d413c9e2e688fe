import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { connect, makeHome, runCli, spawnNode, type Connected } from "../helpers.js";

/** Loaded when used, so that the other tests also run (and fail for their own reasons) on code without it. */
const loadLock = async () => (await import("../../dist/library/home-lock.js")).HomeLock;

/** Several toolsmith processes on one home (issue #17): a cross-process lock, exact commits, and views that follow HEAD. */

const DIST = join(import.meta.dirname, "..", "..", "dist");
/** Processes saving at once in the property test, and saves each makes (bounded by count). */
const PROCESSES = 4;
const SAVES_PER_PROCESS = 6;
/** Property-test schedules tried (each starts PROCESSES servers). */
const SCHEDULES = 2;
/** The whole property test: SCHEDULES × (PROCESSES servers starting, then saving) on a shared 2-core machine. */
const PROPERTY_TEST_TIMEOUT_MS = 400_000;
/** Any child process is killed after this long, so a hang fails the test instead of stalling it. */
const CHILD_KILL_MS = 120_000;

function git(home: string, ...args: string[]): string {
  return execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();
}

const node = (args: string[]) => spawnNode(args, { timeoutMs: CHILD_KILL_MS });
const cli = (home: string, args: string[]) => runCli(args, { home, timeoutMs: CHILD_KILL_MS });

const saveArgs = (name: string, value: number, extra: Record<string, unknown> = {}) => ({
  name,
  description: `${name} gives ${value}`,
  code: `export const v = (): number => ${value};`,
  test: `import { v } from "library/${name}"; if (v() !== ${value}) throw new Error("expected ${value}");`,
  ...extra,
});

/** A process that saves through the real Toolsmith, two saves in flight at a time, and prints one JSON line per outcome. */
const SAVER = `
import { Toolsmith } from ${JSON.stringify(join(DIST, "toolsmith.js"))};
const [home, planJson] = process.argv.slice(2);
const plan = JSON.parse(planJson);
const toolsmith = Toolsmith.open({ home, poolSize: 1 });
await toolsmith.whenReady();
const save = async (step) => {
  const test = step.fail ? 'throw new Error("this save must fail")' : 'import { v } from "library/' + step.name + '"; if (v() !== ' + step.value + ') throw new Error("bad");';
  const r = await toolsmith.save({ name: step.name, description: "value " + step.value, code: "export const v = (): number => " + step.value + ";", test });
  process.stdout.write(JSON.stringify({ ...step, ok: r.ok, version: r.ok ? r.version : undefined, error: r.ok ? undefined : r.error.message }) + "\\n");
};
for (let i = 0; i < plan.length; i += 2) await Promise.all(plan.slice(i, i + 2).map(save));
await toolsmith.close();
`;

describe("several processes saving on one home", () => {
  it("serialize: the tree, the index and HEAD agree, each commit holds only its own save, and every acknowledged save is in history", async () => {
    const names = ["race/a", "race/b", "race/c/d"];
    const step = fc.record({ name: fc.constantFrom(...names), value: fc.integer({ min: 0, max: 9999 }), fail: fc.boolean() });
    const plans = fc.array(fc.array(step, { minLength: SAVES_PER_PROCESS, maxLength: SAVES_PER_PROCESS }), { minLength: PROCESSES, maxLength: PROCESSES });
    await fc.assert(
      fc.asyncProperty(plans, async (schedule) => {
        const { home, cleanup } = await makeHome();
        try {
          const script = join(home, "saver.mjs");
          writeFileSync(script, SAVER);
          const children = await Promise.all(schedule.map((plan) => node([script, home, JSON.stringify(plan)])));
          for (const child of children) expect(child.code, child.stderr).toBe(0);
          const outcomes = children.flatMap((c) => c.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)));
          expect(outcomes).toHaveLength(PROCESSES * SAVES_PER_PROCESS);
          for (const o of outcomes) {
            // A save fails only because its test fails: never with a git error from another process's save.
            expect(o.ok, `${o.name}=${o.value}: ${o.error}`).toBe(!o.fail);
          }
          expect(git(home, "status", "--porcelain", "--untracked-files=all")).toBe("");
          expect(git(home, "diff", "--cached", "--name-only")).toBe("");
          expect(git(home, "diff", "--name-only")).toBe("");
          expect(git(home, "fsck", "--no-progress", "--no-dangling")).toBe("");
          for (const o of outcomes.filter((x) => x.ok)) {
            expect(git(home, "merge-base", "--is-ancestor", o.version, "HEAD")).toBe("");
            const files = git(home, "show", "--name-only", "--format=", o.version).split("\n").filter(Boolean);
            // The commit of an acknowledged save: its own files and nothing else.
            for (const f of files) expect([`${o.name}.ts`, `${o.name}.test.ts`, `${o.name}.meta.json`, `${o.name}.d.ts`]).toContain(f);
            if (files.length) expect(git(home, "show", `${o.version}:${o.name}.ts`)).toContain(`=> ${o.value};`);
          }
          for (const name of names) {
            const saved = outcomes.filter((o) => o.ok && o.name === name);
            const atHead = existsSync(join(home, "library", `${name}.ts`)) ? readFileSync(join(home, "library", `${name}.ts`), "utf8") : undefined;
            if (!saved.length) expect(atHead).toBeUndefined();
            else expect(saved.map((o) => `export const v = (): number => ${o.value};\n`)).toContain(atHead);
          }
        } finally {
          await cleanup();
        }
      }),
      // No shrinking: every run starts PROCESSES servers; the failing schedule is reported as found.
      { numRuns: SCHEDULES, endOnFailure: true },
    );
  }, PROPERTY_TEST_TIMEOUT_MS);
});

describe("two servers on one home", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  let a: Connected;
  let b: Connected;
  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    a = await connect(home);
    b = await connect(home);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cleanup();
  });

  it("each sees the other's saves before its next search and import", async () => {
    const first = await a.call("save_integration", saveArgs("shared/value", 1));
    expect(first.isError, first.text).toBe(false);
    const found = await b.call("search_library", { query: "shared value", detail: "full" });
    expect(found.body.results[0]?.name).toBe("shared/value");
    expect(found.body.results[0]?.version).toBe(first.body.version);
    const second = await a.call("save_integration", saveArgs("shared/value", 2));
    expect(second.isError, second.text).toBe(false);
    const used = await b.call("run_code", { code: 'import { v } from "library/shared/value"; export default v();' });
    expect(used.body.result).toBe(2);
    // And the other way round, including a commit made with git by hand.
    writeFileSync(join(home, "library", "shared", "value.ts"), "export const v = (): number => 3;\n");
    git(home, "commit", "-q", "-m", "by hand", "--", "shared/value.ts");
    const byHand = await a.call("run_code", { code: 'import { v } from "library/shared/value"; export default v();' });
    expect(byHand.body.result).toBe(3);
    const listed = await a.call("search_library", { query: "shared value" });
    expect(listed.body.results[0]?.version).toBe(git(home, "rev-parse", "HEAD"));
  });

  it("reads HEAD from git's files as git does, loose or packed, without a git process", async () => {
    const { readHeadFromFiles } = await import("../../dist/library/head-ref.js");
    const gitDir = join(home, "library", ".git");
    expect(readHeadFromFiles(gitDir)).toBe(git(home, "rev-parse", "HEAD"));
    git(home, "pack-refs", "--all", "--prune");
    expect(existsSync(join(gitDir, "refs", "heads", "main"))).toBe(false);
    expect(readHeadFromFiles(gitDir)).toBe(git(home, "rev-parse", "HEAD"));
    const saved = await b.call("save_integration", saveArgs("shared/packed", 1));
    expect(readHeadFromFiles(gitDir)).toBe(saved.body.version);
  });

  it("`toolsmith revert` in another process reaches a running server and re-tests the dependents", async () => {
    const base = await a.call("save_integration", saveArgs("rv/base", 1));
    const user = await a.call("save_integration", {
      name: "rv/user",
      description: "doubles base",
      code: 'import { v } from "library/rv/base";\nexport const twice = (): number => v() * 2;',
      test: 'import { twice } from "library/rv/user"; if (twice() !== 2) throw new Error("twice should be 2");',
    });
    expect(user.isError, user.text).toBe(false);
    const broken = await a.call("save_integration", saveArgs("rv/base", 5));
    expect(broken.body.dependents).toEqual([expect.objectContaining({ name: "rv/user", passed: false })]);
    const reverted = await cli(home, ["revert", "rv/base", base.body.version]);
    expect(reverted.code, reverted.stderr).toBe(0);
    expect(reverted.stdout).toContain("dependent rv/user: test passed");
    const seen = await b.call("search_library", { query: "rv user doubles", detail: "full" });
    const userResult = seen.body.results.find((r: { name: string }) => r.name === "rv/user");
    expect(userResult.verified).toBe(true);
    const used = await b.call("run_code", { code: 'import { v } from "library/rv/base"; export default v();' });
    expect(used.body.result).toBe(1);
    expect(git(home, "status", "--porcelain")).toBe("");
  });

  it("a server that outlives a process killed holding the lock rolls that half-done save back, and commits only its own files", async () => {
    // What a save killed mid-write leaves: the home's lock (owner gone), its journal, a half-written file, staged in git's index.
    const dead = await node(["-e", ""]);
    writeFileSync(join(home, "state", "library.lock"), JSON.stringify({ pid: dead.pid, host: (await import("node:os")).hostname(), token: "dead", since: new Date().toISOString() }));
    writeFileSync(join(home, "state", "save-journal.json"), JSON.stringify({ paths: ["shared/value.ts", "shared/value.meta.json", "shared/value.test.ts"] }));
    const atHead = git(home, "show", "HEAD:shared/value.ts");
    writeFileSync(join(home, "library", "shared", "value.ts"), "export const v = (): number => ;\n");
    git(home, "add", "shared/value.ts");
    const saved = await b.call("save_integration", saveArgs("after/crash", 7));
    expect(saved.isError, saved.text).toBe(false);
    expect(git(home, "show", "--name-only", "--format=", "HEAD").split("\n").sort()).toEqual(["after/crash.d.ts", "after/crash.meta.json", "after/crash.test.ts", "after/crash.ts"]);
    expect(readFileSync(join(home, "library", "shared", "value.ts"), "utf8").trim()).toBe(atHead);
    expect(git(home, "status", "--porcelain")).toBe("");
    expect(existsSync(join(home, "state", "library.lock"))).toBe(false);
  });
});

describe("the home's lock", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ home, cleanup } = await makeHome()));
  afterAll(async () => cleanup());

  it("makes a writer wait for a live holder in another process, then gives up with a message saying what to do", async () => {
    const HomeLock = await loadLock();
    const path = join(home, "held.lock");
    // The child holds the lock until its stdin closes; it says when it has it.
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      import { HomeLock } from ${JSON.stringify(join(DIST, "library", "home-lock.js"))};
      await new HomeLock(${JSON.stringify(path)}).hold(async () => { process.stdout.write("held\\n"); await new Promise((r) => process.stdin.on("end", r).resume()); });
    `], { stdio: ["pipe", "pipe", "inherit"] });
    const killer = setTimeout(() => holder.kill("SIGKILL"), CHILD_KILL_MS);
    await new Promise<void>((resolve) => holder.stdout.on("data", (d) => String(d).includes("held") && resolve()));
    const error = await new HomeLock(path, 300).hold(async () => "acquired").catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("LibraryBusyError");
    expect((error as Error).message).toMatch(/^The library is busy: another toolsmith process .*holds its lock.*retry/);
    expect((error as Error).message).toContain(`process ${holder.pid}`);
    expect((error as Error).message).not.toContain(home);
    // Released: the next writer gets it.
    const exited = new Promise((r) => holder.on("exit", r));
    holder.stdin.end();
    await exited;
    clearTimeout(killer);
    expect(await new HomeLock(path, 30_000).hold(async (held) => held)).toEqual({ brokeStale: false });
    expect(existsSync(path)).toBe(false);
  });

  it("is taken over from a holder that was killed, and by only one of several waiters at a time", async () => {
    const HomeLock = await loadLock();
    const path = join(home, "stale.lock");
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      import { HomeLock } from ${JSON.stringify(join(DIST, "library", "home-lock.js"))};
      await new HomeLock(${JSON.stringify(path)}).hold(async () => { process.stdout.write("held\\n"); await new Promise(() => setInterval(() => {}, 1000)); });
    `], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.on("data", (d) => String(d).includes("held") && resolve()));
    const exited = new Promise((r) => holder.on("exit", r));
    holder.kill("SIGKILL");
    await exited;
    let inside = 0;
    let most = 0;
    const held = await Promise.all(
      Array.from({ length: 6 }, () =>
        new HomeLock(path, 30_000).hold(async (h) => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setImmediate(r));
          inside--;
          return h.brokeStale;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(held.filter(Boolean)).toHaveLength(1);
  });
});

describe("remove and rename", () => {
  let home: string;
  let cleanup: () => Promise<void>;
  let server: Connected;
  beforeAll(async () => {
    ({ home, cleanup } = await makeHome());
    server = await connect(home);
    for (const args of [
      saveArgs("util/base", 4),
      {
        name: "util/user",
        description: "uses base",
        code: 'import { v } from "library/util/base";\nexport const plusOne = (): number => v() + 1;',
        test: 'import { plusOne } from "library/util/user"; if (plusOne() !== 5) throw new Error("plusOne should be 5");',
      },
    ]) {
      const saved = await server.call("save_integration", args);
      expect(saved.isError, saved.text).toBe(false);
    }
  });
  afterAll(async () => {
    await server?.close();
    await cleanup();
  });

  it("refuses to remove an integration others import, naming them, and changes nothing", async () => {
    const head = git(home, "rev-parse", "HEAD");
    const refused = await cli(home, ["remove", "util/base"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("'util/user'");
    expect(refused.stderr).toContain("--force");
    expect(git(home, "rev-parse", "HEAD")).toBe(head);
    const fromCode = await server.call("run_code", { code: 'import { library } from "toolsmith"; export default await library.remove("util/base");' });
    expect(fromCode.isError).toBe(true);
    expect(fromCode.body.error.name).toBe("LibraryError");
    expect(fromCode.body.error.message).toContain("'util/user'");
    expect(git(home, "rev-parse", "HEAD")).toBe(head);
  });

  it("answers malformed library calls from code with a LibraryError that says how to call it, changing nothing", async () => {
    const head = git(home, "rev-parse", "HEAD");
    const code = `import { __internal } from "toolsmith";
const calls: Array<[string, any]> = [["library.remove", null], ["library.remove", { name: 5 }], ["library.rename", { from: "util/base" }], ["library.remove", { name: "../../etc/passwd" }], ["library.rename", { from: "util/base", to: "Bad Name" }]];
const r = await Promise.allSettled(calls.map(([n, a]) => __internal.hostCall(n, a)));
export default r.map((x: any) => x.status === "fulfilled" ? "ok" : x.reason.name + ": " + x.reason.message);`;
    const reply = await server.call("run_code", { code });
    expect(reply.isError, reply.text).toBe(false);
    const [nullArgs, numberName, missingTo, traversal, badName] = reply.body.result as string[];
    expect(nullArgs).toBe('LibraryError: library.remove(name) takes an integration name, e.g. library.remove("github/issues").');
    expect(numberName).toBe(nullArgs);
    expect(missingTo).toMatch(/^LibraryError: library\.rename\(from, to\) takes two integration names/);
    expect(traversal).toMatch(/^LibraryError: '\.\.\/\.\.\/etc\/passwd' is not a valid integration name/);
    expect(badName).toMatch(/^LibraryError: 'Bad Name' is not a valid integration name/);
    expect(reply.text).not.toContain(home);
    expect(git(home, "rev-parse", "HEAD")).toBe(head);
  });

  it("renames from code as one commit git can follow, re-tests dependents and marks the broken one unverified", async () => {
    const added = git(home, "log", "--format=%H", "-1", "--", "util/base.ts");
    const renamed = await server.call("run_code", { code: 'import { library } from "toolsmith"; export default await library.rename("util/base", "util/core", { force: true });' });
    expect(renamed.isError, renamed.text).toBe(false);
    expect(renamed.body.result).toMatchObject({ from: "util/base", to: "util/core", verified: true, dependents: [{ name: "util/user", passed: false }] });
    expect(git(home, "rev-parse", "HEAD")).toBe(renamed.body.result.version);
    expect(git(home, "log", "-1", "--format=%s")).toBe("Rename util/base to util/core");
    expect(git(home, "log", "--follow", "--format=%H", "--", "util/core.ts").split("\n")).toContain(added);
    expect(readFileSync(join(home, "library", "util", "core.test.ts"), "utf8")).toContain('"library/util/core"');
    expect(existsSync(join(home, "library", "util", "base.ts"))).toBe(false);
    expect(git(home, "status", "--porcelain")).toBe("");
    const listed = await server.call("search_library", { query: "" , limit: 50 });
    const byName = new Map(listed.body.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.has("util/base")).toBe(false);
    expect(byName.get("util/core")).toMatchObject({ verified: true });
    expect(byName.get("util/user")).toMatchObject({ verified: false });
    expect(JSON.parse(git(home, "show", "HEAD:util/user.meta.json")).unverifiedReason).toContain("renamed to 'util/core'");
  });

  it("removes with the CLI as a commit that `toolsmith log` shows, and a running server stops offering it", async () => {
    const removed = await cli(home, ["remove", "util/user"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^Removed util\/user: new version [0-9a-f]{40}/);
    const log = await cli(home, ["log", "util/user"]);
    expect(log.stdout.split("\n")[0]).toContain("Remove util/user");
    const gone = await server.call("run_code", { code: 'import { plusOne } from "library/util/user"; export default plusOne();' });
    expect(gone.isError).toBe(true);
    expect(gone.body.error.message).toContain("no saved integration is named 'util/user'");
    const again = await cli(home, ["remove", "util/user"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("No integration named 'util/user'");
    expect(git(home, "status", "--porcelain")).toBe("");
  });
});

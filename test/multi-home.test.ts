import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { CLI, connect, makeHome, type Connected } from "./helpers.js";

/** Loaded when used, so that the other tests also run (and fail for their own reasons) on code without it. */
const loadLock = async () => (await import("../dist/library/home-lock.js")).HomeLock;

/** Several toolsmith processes on one home (issue #17): a cross-process lock, exact commits, and views that follow HEAD. */

const DIST = join(import.meta.dirname, "..", "dist");
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

/** A child `node` process: its exit code and output (never rejects). */
function node(args: string[], env: NodeJS.ProcessEnv = process.env, input = ""): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_KILL_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, pid: child.pid ?? -1 });
    });
  });
}

function cli(home: string, args: string[]) {
  return node([CLI, ...args], { ...process.env, TOOLSMITH_HOME: home });
}

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
            for (const f of files) expect([`${o.name}.ts`, `${o.name}.test.ts`, `${o.name}.meta.json`]).toContain(f);
            if (files.length) expect(git(home, "show", `${o.version}:${o.name}.ts`)).toContain(`=> ${o.value};`);
          }
          for (const name of names) {
            const saved = outcomes.filter((o) => o.ok && o.name === name);
            const atHead = existsSync(join(home, "library", `${name}.ts`)) ? readFileSync(join(home, "library", `${name}.ts`), "utf8") : undefined;
            if (!saved.length) expect(atHead).toBeUndefined();
            else expect(saved.map((o) => `export const v = (): number => ${o.value};`)).toContain(atHead);
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
    expect(git(home, "show", "--name-only", "--format=", "HEAD").split("\n").sort()).toEqual(["after/crash.meta.json", "after/crash.test.ts", "after/crash.ts"]);
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

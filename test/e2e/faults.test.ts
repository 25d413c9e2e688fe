import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Connected } from "../helpers.js";

/**
 * The home on a small filesystem of its own (tmpfs), which the test fills up and makes
 * read-only. Mounting needs root and a kernel that allows it (true on this project's
 * machines and CI); elsewhere these tests are skipped and say why.
 */
const MOUNT = join(tmpdir(), `toolsmith-faults-${process.pid}`);
const FS_BYTES = 8 * 1024 * 1024;
const canMount = (() => {
  try {
    mkdirSync(MOUNT, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${FS_BYTES}`, "tmpfs", MOUNT], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let env: Connected;
const home = join(MOUNT, "home");
const git = (...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();
const save = (name: string) => env.call("save_integration", { name, description: "fault test", code: "export const v = (): number => 1;", test: `import { v } from "library/${name}"; if (v() !== 1) throw new Error("bad");` });

describe.skipIf(!canMount)("faults: the home on a full or read-only disk", () => {
  beforeAll(async () => {
    mkdirSync(home, { recursive: true });
    env = await connect(home);
    expect((await save("faults/before")).isError).toBe(false);
  });
  afterAll(async () => {
    await env?.close();
    spawnSync("umount", ["-l", MOUNT]);
    rmSync(MOUNT, { recursive: true, force: true });
  });

  it("a full disk: the save fails clearly, nothing is lost, runs go on, and saving works once there is room", async () => {
    const filler = join(MOUNT, "filler");
    spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
    const head = git("rev-parse", "HEAD");
    const failed = await save("faults/when-full");
    expect(failed.isError).toBe(true);
    expect(failed.body.error.message).toMatch(/ENOSPC|no space/i);
    expect(failed.body.error.message).toContain("Nothing was changed");
    expect(git("rev-parse", "HEAD")).toBe(head);
    expect((await env.call("run_code", { code: 'import { v } from "library/faults/before"; export default v()' })).body.result).toBe(1);
    const ws = await env.call("run_code", { code: 'import { workspace } from "toolsmith"; export default await workspace.write("big.txt", "x".repeat(100000))' });
    expect(ws.isError).toBe(true);
    rmSync(filler);
    expect(git("fsck", "--no-progress", "--no-dangling")).toBe("");
    expect(git("status", "--porcelain")).toBe("");
    expect((await save("faults/after-full")).isError).toBe(false);
  });

  it("a read-only disk: saves fail clearly, search and runs keep working, and it recovers", async () => {
    execFileSync("mount", ["-o", "remount,ro", MOUNT]);
    try {
      const head = git("rev-parse", "HEAD");
      const failed = await save("faults/when-readonly");
      expect(failed.isError).toBe(true);
      expect(failed.body.error.message).toMatch(/EROFS|read-only/i);
      expect(git("rev-parse", "HEAD")).toBe(head);
      expect((await env.call("search_library", { query: "faults" })).body.results.length).toBeGreaterThan(0);
      expect((await env.call("run_code", { code: "export default 6 * 7" })).body.result).toBe(42);
    } finally {
      execFileSync("mount", ["-o", "remount,rw", MOUNT]);
    }
    expect(git("status", "--porcelain")).toBe("");
    expect((await save("faults/after-readonly")).isError).toBe(false);
  });

  it("a restart after the faults finds a consistent library", async () => {
    await env.close();
    writeFileSync(join(home, "library", ".git", "index.lock"), "");
    env = await connect(home);
    expect(git("fsck", "--no-progress", "--no-dangling")).toBe("");
    const names = (await env.call("search_library", { query: "faults", limit: 20 })).body.results.map((r: { name: string }) => r.name).sort();
    expect(names).toEqual(["faults/after-full", "faults/after-readonly", "faults/before"]);
  });
});

describe.skipIf(canMount)("faults (skipped here)", () => {
  it.skip("needs root and tmpfs mounts to put the home on a small or read-only filesystem", () => undefined);
});

import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, connect, makeHome } from "../helpers.js";

/** Kill -9 rounds: bounded in count; each round waits at most a few seconds. */
const ROUNDS = 8;
const ROUND_TIMEOUT_MS = 20_000;

let home: string;
let cleanup: () => Promise<void>;
const git = (...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" }).trim();

/** One JSON-RPC line to a raw stdio server (no client library: we want to kill it mid-request). */
function rpc(id: number, method: string, params: unknown): string {
  return `${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`;
}

beforeAll(async () => {
  ({ home, cleanup } = await makeHome());
});
afterAll(async () => cleanup());

describe("a server killed with SIGKILL during saves", () => {
  it("restarts with a consistent library every time", async () => {
    let killedMidSave = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = spawn(process.execPath, [CLI], { env: { ...process.env, TOOLSMITH_HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      const guard = setTimeout(() => child.kill("SIGKILL"), ROUND_TIMEOUT_MS);
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.stdin.write(rpc(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "crash-test", version: "1" } }));
      await waitFor(() => out.includes('"id":1'), ROUND_TIMEOUT_MS);
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
      // Several saves in flight, then a kill at a different moment each round.
      for (let i = 0; i < 4; i++) {
        const name = `crash/r${round}-s${i}`;
        child.stdin.write(
          rpc(10 + i, "tools/call", {
            name: "save_integration",
            arguments: { name, description: `round ${round} save ${i}`, code: `export const v = (): number => ${round * 10 + i};`, test: `import { v } from "library/${name}"; if (v() !== ${round * 10 + i}) throw new Error("bad");` },
          }),
        );
      }
      await sleep(20 + round * 35);
      if (!out.includes('"id":13')) killedMidSave++;
      child.kill("SIGKILL");
      await exited;
      clearTimeout(guard);

      // Restart in-process: recovery must leave git and the files consistent.
      const env = await connect(home);
      try {
        expect(execFileSync("git", ["-C", join(home, "library"), "fsck", "--no-progress", "--no-dangling"], { encoding: "utf8" })).toBe("");
        expect(git("status", "--porcelain")).toBe("");
        expect(existsSync(join(home, "library", ".git", "index.lock"))).toBe(false);
        const tracked = git("ls-files").split("\n");
        for (const file of tracked.filter((f) => f.startsWith("crash/") && f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))) {
          expect(tracked).toContain(file.replace(/\.ts$/, ".meta.json"));
        }
        const leftovers = readdirSync(join(home, "library"), { recursive: true }).filter((f) => String(f).endsWith(".tmp"));
        expect(leftovers).toEqual([]);
        const listed = await env.call("search_library", { query: "", limit: 100 });
        const names = listed.body.results.map((r: { name: string }) => r.name);
        for (const file of tracked.filter((f) => f.startsWith("crash/") && f.endsWith(".meta.json"))) expect(names).toContain(file.replace(/\.meta\.json$/, ""));
        const after = await env.call("save_integration", { name: `crash/after-${round}`, description: "after restart", code: "export const ok = (): boolean => true;" });
        expect(after.isError, after.text).toBe(false);
      } finally {
        await env.close();
      }
    }
    // The kill landed during saves in at least some rounds (the schedule varies the moment).
    expect(killedMidSave).toBeGreaterThan(0);
  });

  it("recovers from a stale index.lock and a half-written save left on disk", async () => {
    writeFileSync(join(home, "library", ".git", "index.lock"), "");
    writeFileSync(join(home, "library", "csv.ts.123.abcdef01.tmp"), "partial");
    writeFileSync(join(home, "library", "csv.ts"), "export const broken = ;");
    writeFileSync(join(home, "state", "save-journal.json"), JSON.stringify({ paths: ["csv.ts", "csv.meta.json", "csv.test.ts"] }));
    const env = await connect(home);
    try {
      expect(existsSync(join(home, "library", ".git", "index.lock"))).toBe(false);
      expect(git("status", "--porcelain")).toBe("");
      expect(readFileSync(join(home, "library", "csv.ts"), "utf8")).toContain("export function parseCsv");
      const used = await env.call("run_code", { code: 'import { parseCsv } from "library/csv"; export default parseCsv("a\\n1").length' });
      expect(used.body.result).toBe(1);
    } finally {
      await env.close();
    }
  });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(check: () => boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting for the server");
    await sleep(10);
  }
}

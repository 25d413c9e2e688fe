import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Sandbox } from "../dist/sandbox/sandbox.js";
import { defaultConfig } from "../dist/config/schema.js";
import { parseConfig } from "../dist/config/load-config.js";
// A plain .mjs fixture, shared with the child process below.
import { GUEST_CORPUS, runCorpus } from "./fixtures/guest-corpus.mjs";

const CORPUS = fileURLToPath(new URL("./fixtures/guest-corpus.mjs", import.meta.url));
/** Enough rounds for V8 to optimize QuickJS's hot functions (results are checked every round). */
const ROUNDS = 12;

/** The corpus run in a child process (V8 flags are per process): its stdout. */
function runChild(rounds: number, setting: "on" | "off", nodeFlags: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, CORPUS, String(rounds), setting], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`corpus run failed (${code}): ${err}`));
    });
  });
}

const runWithoutInlining = async () => JSON.parse(await runChild(ROUNDS, "off")) as Record<string, string[]>;

describe("V8 WebAssembly inlining (sandbox.wasmInlining)", () => {
  it("computes exactly what QuickJS computes without it, round after round", async () => {
    const [withInlining, without] = await Promise.all([
      runCorpus({ Sandbox, limits: defaultConfig().limits, rounds: ROUNDS, wasmInlining: true }) as Promise<Record<string, string[]>>,
      runWithoutInlining(),
    ]);
    expect(Object.keys(withInlining).sort()).toEqual(Object.keys(GUEST_CORPUS).sort());
    for (const [name, rounds] of Object.entries(withInlining)) {
      expect(rounds, name).toHaveLength(ROUNDS);
      // Every program succeeds, gives the same result each round, and the same as without inlining.
      expect(rounds[0], name).toMatch(/^\[/);
      expect(new Set(rounds).size, name).toBe(1);
      expect(without[name], name).toEqual(rounds);
    }
    // A few values checked outright, so two equally wrong engines would not pass.
    expect(JSON.parse(withInlining.bigint![0]!)[0]).toBe("8320987112741390144276341183223364380754172606361245952449277696409600000000000000");
    expect(JSON.parse(withInlining.numbers![0]!).slice(0, 2)).toEqual([2666866670000, 160648]);
    expect(JSON.parse(withInlining.functions![0]!)[3]).toEqual(["start1", "start2", "start3", "mid1", "mid2", "mid3", "end1", "end2", "end3", "micro", "after"]);
  });

  it("decides whether V8 inlines QuickJS's functions (V8's own trace says so)", async () => {
    const [on, off] = await Promise.all([runChild(2, "on", ["--trace-wasm-inlining"]), runChild(2, "off", ["--trace-wasm-inlining"])]);
    const decisions = (trace: string) => trace.split("\n").filter((line) => line.includes("inlining candidates")).length;
    expect(decisions(on)).toBeGreaterThan(0);
    expect(decisions(off)).toBe(0);
  });

  it("is on by default, and config.json can turn it off (a non-boolean is refused by name)", () => {
    expect(defaultConfig().sandbox.wasmInlining).toBe(true);
    expect(parseConfig(JSON.stringify({ sandbox: { wasmInlining: false } })).sandbox.wasmInlining).toBe(false);
    expect(() => parseConfig(JSON.stringify({ sandbox: { wasmInlining: "no" } }))).toThrow(/sandbox\.wasmInlining/);
    expect(() => parseConfig(JSON.stringify({ sandbox: { inlining: true } }))).toThrow(/unknown key 'sandbox.inlining'/);
  });
});

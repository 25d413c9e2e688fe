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

/** The corpus run in a child process with inlining off (V8 flags are per process). */
function runWithoutInlining(): Promise<Record<string, string[]>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CORPUS, String(ROUNDS), "off"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as Record<string, string[]>);
      else reject(new Error(`corpus run failed (${code}): ${err}`));
    });
  });
}

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

  it("is on by default, and config.json can turn it off (a non-boolean is refused by name)", () => {
    expect(defaultConfig().sandbox.wasmInlining).toBe(true);
    expect(parseConfig(JSON.stringify({ sandbox: { wasmInlining: false } })).sandbox.wasmInlining).toBe(false);
    expect(() => parseConfig(JSON.stringify({ sandbox: { wasmInlining: "no" } }))).toThrow(/sandbox\.wasmInlining/);
    expect(() => parseConfig(JSON.stringify({ sandbox: { inlining: true } }))).toThrow(/unknown key 'sandbox.inlining'/);
  });
});

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Sandbox } from "../../dist/sandbox/sandbox.js";
import { defaultConfig } from "../../dist/config/schema.js";
import { parseConfig } from "../../dist/config/load-config.js";
import { CLI, makeHome, runNode } from "../helpers.js";
// A plain .mjs fixture, shared with the child process below.
import { GUEST_CORPUS, runCorpus } from "../fixtures/guest-corpus.mjs";

const CORPUS = fileURLToPath(new URL("../fixtures/guest-corpus.mjs", import.meta.url));
/** Enough rounds for V8 to optimize QuickJS's hot functions (results are checked every round). */
const ROUNDS = 12;

const runWithoutInlining = async () => JSON.parse(await runNode([CORPUS, String(ROUNDS), "off"])) as Record<string, string[]>;

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

  it("config.json decides whether V8 inlines QuickJS's functions: `toolsmith run` traced by V8 itself", async () => {
    // A hot loop makes V8 optimize QuickJS's interpreter; --trace-wasm-inlining prints each inlining decision.
    const code = "let s = 0; for (let i = 0; i < 3e6; i++) s += i % 7; export default s;";
    const traced = async (config: unknown) => {
      const { home, cleanup } = await makeHome(config);
      try {
        const out = await runNode(["--trace-wasm-inlining", CLI, "run", "-"], { input: code, env: { ...process.env, TOOLSMITH_HOME: home } });
        // The result line; trace lines from background compiles may come before or after it.
        expect(out.split("\n")).toContain("8999994");
        return out.split("\n").filter((line) => line.includes("inlining candidates")).length;
      } finally {
        await cleanup();
      }
    };
    const [byDefault, turnedOff] = await Promise.all([traced(undefined), traced({ sandbox: { wasmInlining: false } })]);
    expect(byDefault).toBeGreaterThan(0);
    expect(turnedOff).toBe(0);
  });

  it("is on by default, and config.json can turn it off (a non-boolean is refused by name)", () => {
    expect(defaultConfig().sandbox.wasmInlining).toBe(true);
    expect(parseConfig(JSON.stringify({ sandbox: { wasmInlining: false } })).sandbox.wasmInlining).toBe(false);
    expect(() => parseConfig(JSON.stringify({ sandbox: { wasmInlining: "no" } }))).toThrow(/sandbox\.wasmInlining/);
    expect(() => parseConfig(JSON.stringify({ sandbox: { inlining: true } }))).toThrow(/unknown key 'sandbox.inlining'/);
  });
});

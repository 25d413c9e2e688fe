import { beforeAll, describe, expect, it } from "vitest";
import RELEASE_SYNC from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant } from "quickjs-emscripten-core";
import { locateHeapBreak, readHeapBreak, type EmscriptenHeap } from "../../dist/sandbox/worker/heap-break.js";
import { RandomState } from "../../dist/sandbox/worker/random-state.js";
import { HostBookkeeping } from "../../dist/sandbox/worker/host-bookkeeping.js";
import { WarmInstance } from "../../dist/sandbox/worker/quickjs-instance.js";
import type { GuestRun } from "../../dist/sandbox/worker/guest-run.js";
import type { RunFinished, RunRequest } from "../../dist/sandbox/protocol.js";
import { Sandbox } from "../../dist/sandbox/sandbox.js";
import { defaultConfig } from "../../dist/config/schema.js";
import { parseConfig } from "../../dist/config/load-config.js";
import { GUEST_CORPUS, runCorpus } from "../fixtures/guest-corpus.mjs";
import { CLI, makeHome, runNode } from "../helpers.js";
import { compileQuickJSModule, resultOf, runOnWarm, runRequest, WARM_MEMORY_MB, type RunHooks } from "../helpers/warm-instance.js";

const MEMORY_MB = WARM_MEMORY_MB;
let wasmModule: WebAssembly.Module;

beforeAll(async () => {
  wasmModule = await compileQuickJSModule();
});

async function newInstance() {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 1024 });
  const qjs = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC as unknown as QuickJSSyncVariant, { wasmModule, wasmMemory: memory }));
  return { qjs, memory, heap: (qjs as unknown as { module: EmscriptenHeap }).module };
}

/** One run on `warm`, as the worker does it (see runOnWarm). */
function runOn(warm: WarmInstance, js: string, extra: Partial<RunRequest> = {}, hooks: RunHooks = {}): Promise<RunFinished> {
  return runOnWarm(warm, runRequest(js, extra), hooks);
}

describe("the heap break (heap-break.ts)", () => {
  it("is found in the pinned build's memory, and moves when the heap grows", async () => {
    const { memory, heap } = await newInstance();
    const address = locateHeapBreak(heap, memory);
    expect(address).toBeTypeOf("number");
    const before = readHeapBreak(memory, address!);
    expect(before).toBeGreaterThan(address!);
    expect(before).toBeLessThanOrEqual(memory.buffer.byteLength);
    const block = heap._malloc(2 * 1024 * 1024);
    expect(readHeapBreak(memory, address!)).toBeGreaterThanOrEqual(block + 2 * 1024 * 1024);
    heap._free(block);
    // The same address in another instance of the module (it is a static of the C library).
    const other = await newInstance();
    expect(locateHeapBreak(other.heap, other.memory)).toBe(address);
  });
});

describe("Math.random's state (random-state.ts)", () => {
  it("is located in a new context and proven by prediction; a reseed starts a new sequence", async () => {
    const { qjs, memory } = await newInstance();
    const runtime = qjs.newRuntime();
    const ctx = runtime.newContext();
    const draw = () => ctx.unwrapResult(ctx.evalCode("[Math.random(), Math.random()]")).consume((h) => ctx.dump(h)) as number[];
    const state = RandomState.locate(ctx, memory);
    expect(state).toBeDefined();
    // The located word is the state: the same 8 bytes put back give the same draws again.
    const address = (state as unknown as { address: number }).address;
    const saved = new Uint8Array(memory.buffer, address, 8).slice();
    const first = draw();
    new Uint8Array(memory.buffer, address, 8).set(saved);
    expect(draw()).toEqual(first);
    // A reseed from the same point gives other draws.
    new Uint8Array(memory.buffer, address, 8).set(saved);
    state!.reseed();
    const second = draw();
    expect(second).not.toEqual(first);
    for (const value of [...first, ...second]) expect(value >= 0 && value < 1).toBe(true);
    // Once drawn from, the state no longer reads as a time: nothing is claimed (or written).
    expect(RandomState.locate(ctx, memory)).toBeUndefined();
    ctx.dispose();
    runtime.dispose();
  });
});

describe("quickjs-emscripten's host-side bookkeeping (host-bookkeeping.ts)", () => {
  it("puts the host-function registry back after functions are made and freed, and refuses when anything else changed", async () => {
    const { qjs } = await newInstance();
    const runtime = qjs.newRuntime();
    const ctx = runtime.newContext();
    const kept = ctx.newFunction("kept", () => ctx.newString("kept"));
    ctx.setProp(ctx.global, "kept", kept);
    kept.dispose();
    runtime.computeMemoryUsage().dispose();
    const saved = HostBookkeeping.capture(runtime, ctx)!;
    expect(saved).toBeDefined();
    const refs = (runtime as unknown as { hostRefs: { nextId: number; groups: Map<number, Map<number, unknown>> } }).hostRefs;
    const registry = () => [refs.nextId, [...refs.groups].map(([id, group]) => [id, [...group.keys()]])];
    const before = JSON.stringify(registry());
    // A run makes a function and lets it go: the registry moves on.
    const made = ctx.newFunction("made", () => undefined);
    made.dispose();
    expect(JSON.stringify(registry())).not.toBe(before);
    expect(saved.restore()).toBe(true);
    expect(JSON.stringify(registry())).toBe(before);
    // A handle made lazily during a run (here the well-known Symbol cache) cannot be rewound: refused.
    ctx.getWellKnownSymbol("iterator").dispose();
    expect(saved.restore()).toBe(false);
  });
});

describe("runtime images (WarmInstance in image mode)", () => {
  it("starts every run from the same memory, byte for byte, apart from Math.random's seed", async () => {
    const warm = new WarmInstance(wasmModule);
    await warm.prepare(MEMORY_MB);
    const { memory, imageBytes } = warm.current!;
    expect(imageBytes).toBeGreaterThan(1024 * 1024);
    const atStart = new Uint8Array(memory.buffer.slice(0));
    // A run that touches much of the heap: objects, strings, globals, prototypes, a module, timers.
    const finished = await runOn(
      warm,
      `globalThis.kept = Array.from({ length: 20000 }, (_, i) => ({ i, s: "x".repeat(i % 50) }));
       Array.prototype.polluted = true; Object.freeze(Object.prototype);
       await new Promise((r) => setTimeout(r, 5));
       export default kept.length;`,
    );
    expect(resultOf(finished)).toBe(20000);
    expect(warm.current!.memory).toBe(memory);
    const after = new Uint8Array(memory.buffer);
    expect(after.length).toBe(atStart.length);
    const differing: number[] = [];
    for (let i = 0; i < after.length; i++) if (after[i] !== atStart[i]) differing.push(i);
    // Only the 8 bytes of the new seed may differ (a seed rarely repeats a byte, so usually all 8 do).
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.length).toBeLessThanOrEqual(8);
    expect(Math.floor(differing.at(-1)! / 8)).toBe(Math.floor(differing[0]! / 8));
  });

  it("lets no run see another's globals, prototypes, modules or Math.random sequence", async () => {
    const warm = new WarmInstance(wasmModule);
    const first = await runOn(
      warm,
      `import value from "library/x";
       globalThis.leak = "run 1"; Array.prototype.evil = 1; Object.defineProperty(JSON, "stringify", { value: () => "hijacked" });
       export default [value, Math.random()];`,
      { modules: [{ specifier: "library/x", js: "export default 'first version';" }] },
    );
    const second = await runOn(
      warm,
      `import value from "library/x";
       export default [value, typeof globalThis.leak, [].evil ?? "clean", JSON.stringify({ a: 1 }), Math.random()];`,
      { modules: [{ specifier: "library/x", js: "export default 'second version';" }] },
    );
    const [firstValue, firstRandom] = resultOf(first) as [string, number];
    const [secondValue, leak, evil, json, secondRandom] = resultOf(second) as [string, string, string, string, number];
    expect(firstValue).toBe("first version");
    expect([secondValue, leak, evil, json]).toEqual(["second version", "undefined", "clean", '{"a":1}']);
    expect(secondRandom).not.toBe(firstRandom);
    expect(warm.current!.imageBytes).toBeDefined();
  });

  it("keeps its instance through a timeout, a thrown error and a cancellation; a run that grew the memory gets a new one", async () => {
    const warm = new WarmInstance(wasmModule);
    await warm.prepare(MEMORY_MB);
    const memory = warm.current!.memory;
    const timedOut = await runOn(warm, "while (true) {}", { deadline: Date.now() + 50, timeoutMs: 50 });
    expect(timedOut.outcome.ok ? "ok" : timedOut.outcome.error.name).toBe("TimeoutError");
    const thrown = await runOn(warm, "throw new TypeError('boom')");
    expect(thrown.outcome.ok ? "ok" : thrown.outcome.error.name).toBe("TypeError");
    const cancelled = await runOn(warm, "await new Promise((r) => setTimeout(r, 10000)); export default 1", {}, { started: (run) => setTimeout(() => run.cancel("stop"), 20) });
    expect(cancelled.outcome.ok ? "ok" : cancelled.outcome.error.name).toBe("CancelledError");
    expect(warm.current!.memory).toBe(memory);
    expect(resultOf(await runOn(warm, "export default 'still serving'"))).toBe("still serving");
    // Out of memory: the memory grows to its maximum, so the instance is replaced (and imaged again).
    const exhausted = await runOn(warm, "const a = []; for (;;) a.push('x'.repeat(100000) + a.length);");
    expect(exhausted.outcome.ok ? "ok" : exhausted.outcome.error.name).toBe("MemoryError");
    expect(warm.current!.memory).not.toBe(memory);
    expect(warm.current!.imageBytes).toBeDefined();
    expect(resultOf(await runOn(warm, "export default 'after exhaustion'"))).toBe("after exhaustion");
  });

  it("drops its instance after a run in which the host caught a trap or a host stack overflow", async () => {
    // Neither can be caused from guest code on purpose; the run is told of one as GuestRun's own catch blocks would.
    for (const failure of [new RangeError("Maximum call stack size exceeded"), Object.assign(new Error("memory access out of bounds"), { name: "RuntimeError" })]) {
      const warm = new WarmInstance(wasmModule);
      await warm.prepare(MEMORY_MB);
      const memory = warm.current!.memory;
      const finished = await runOn(warm, "export default 1", {}, { started: (run) => (run as unknown as { noteHostFailure(e: unknown): void }).noteHostFailure(failure) });
      expect(resultOf(finished)).toBe(1);
      expect(finished.poisoned).toBe(true);
      expect(warm.current!.memory).not.toBe(memory);
      expect(resultOf(await runOn(warm, "export default 'next'"))).toBe("next");
    }
    // An ordinary error caught there (a guest getter that throws, say) leaves the instance in use.
    const warm = new WarmInstance(wasmModule);
    await warm.prepare(MEMORY_MB);
    const memory = warm.current!.memory;
    const finished = await runOn(warm, "export default 1", {}, { started: (run) => (run as unknown as { noteHostFailure(e: unknown): void }).noteHostFailure(new TypeError("guest getter")) });
    expect(finished.poisoned).toBe(false);
    expect(warm.current!.memory).toBe(memory);
  });

  it("never lets a timer or a host reply of one run reach the next", async () => {
    const warm = new WarmInstance(wasmModule);
    const calls: Array<{ runId: number; callId: number }> = [];
    const first = await runOn(
      warm,
      `import { __internal } from "toolsmith";
       setTimeout(() => console.log("late timer from run 1"), 20);
       void __internal.hostCall("echo", { n: 1 }).then(() => console.log("late reply for run 1"));
       export default "run 1 done";`,
      { host: { hostFunctions: ["echo"], secretNames: [], secretNonce: "nonce" } },
      {
        onMessage: (message) => {
          if (message.type === "hostCall") calls.push({ runId: message.runId, callId: message.callId });
        },
      },
    );
    expect(resultOf(first)).toBe("run 1 done");
    expect(calls).toHaveLength(1);
    const logs: string[] = [];
    const started = performance.now();
    let waited = 0;
    let run2: GuestRun | undefined;
    const second = await runOn(
      warm,
      // Guest timer ids and host call ids start again in every run: run 1's timer had id 1, as this one does.
      `import { __internal } from "toolsmith";
       const t0 = Date.now();
       await new Promise((r) => setTimeout(r, 60));
       const waited = Date.now() - t0;
       export default ["run 2 done", waited, await __internal.hostCall("echo", { n: 2 })];`,
      { host: { hostFunctions: ["echo"], secretNames: [], secretNonce: "nonce" } },
      {
        started: (run) => (run2 = run),
        onMessage: (message) => {
          if (message.type === "logs") logs.push(...message.logs.map((l) => l.text));
          if (message.type !== "hostCall") return;
          calls.push({ runId: message.runId, callId: message.callId });
          waited = performance.now() - started;
          // While run 2's call is pending (with the same call id run 1's had), run 1's answer arrives first.
          run2!.hostReply({ type: "hostReply", runId: calls[0]!.runId, callId: message.callId, ok: true, json: '"stale"' });
          setTimeout(() => run2!.hostReply({ type: "hostReply", runId: message.runId, callId: message.callId, ok: true, json: '"fresh"' }), 10);
        },
      },
    );
    expect(calls[1]!.callId).toBe(calls[0]!.callId);
    expect(calls[1]!.runId).not.toBe(calls[0]!.runId);
    const [done, guestWaited, answer] = resultOf(second) as [string, number, string];
    expect([done, answer]).toEqual(["run 2 done", "fresh"]);
    // Run 1's timer (20 ms) did not fire run 2's (60 ms) early.
    expect(guestWaited).toBeGreaterThanOrEqual(59);
    expect(waited).toBeGreaterThanOrEqual(59);
    expect([...logs, ...second.logs.map((l) => l.text)]).toEqual([]);
  });

  it("is not used when turned off: each run gets a fresh runtime, as before", async () => {
    const warm = new WarmInstance(wasmModule, { runtimeImages: false });
    expect(resultOf(await runOn(warm, "globalThis.x = 1; export default typeof fetch"))).toBe("function");
    expect(resultOf(await runOn(warm, "export default typeof globalThis.x"))).toBe("undefined");
    expect(warm.current!.imageBytes).toBeUndefined();
  });
});

describe("runtime images through the Sandbox and config.json", () => {
  it("compute exactly what fresh runtimes compute, round after round", async () => {
    const limits = defaultConfig().limits;
    const [imaged, fresh] = await Promise.all([
      runCorpus({ Sandbox, limits, rounds: 4, runtimeImages: true }) as Promise<Record<string, string[]>>,
      runCorpus({ Sandbox, limits, rounds: 4, runtimeImages: false }) as Promise<Record<string, string[]>>,
    ]);
    expect(Object.keys(imaged).sort()).toEqual(Object.keys(GUEST_CORPUS).sort());
    for (const [name, rounds] of Object.entries(imaged)) {
      expect(rounds[0], name).toMatch(/^\[/);
      expect(new Set(rounds).size, name).toBe(1);
      expect(fresh[name], name).toEqual(rounds);
    }
  });

  it("are on by default, and config.json can turn them off (a non-boolean is refused by name)", () => {
    expect(defaultConfig().sandbox.runtimeImages).toBe(true);
    expect(parseConfig(JSON.stringify({ sandbox: { runtimeImages: false } })).sandbox.runtimeImages).toBe(false);
    expect(() => parseConfig(JSON.stringify({ sandbox: { runtimeImages: "off" } }))).toThrow(/sandbox\.runtimeImages/);
  });

  it("config.json decides it for `toolsmith run`: an imaged runtime has its web globals loaded already", async () => {
    // Fresh runtimes define fetch as a loader (a getter) until first use; an image holds it loaded (a value).
    const code = `export default "get" in Object.getOwnPropertyDescriptor(globalThis, "fetch") ? "loader" : "loaded";`;
    const runWith = async (config: unknown) => {
      const { home, cleanup } = await makeHome(config);
      try {
        return (await runNode([CLI, "run", "-"], { input: code, env: { ...process.env, TOOLSMITH_HOME: home } })).trim();
      } finally {
        await cleanup();
      }
    };
    const [byDefault, turnedOff] = await Promise.all([runWith(undefined), runWith({ sandbox: { runtimeImages: false } })]);
    expect(byDefault).toBe('"loaded"');
    expect(turnedOff).toBe('"loader"');
  });
});

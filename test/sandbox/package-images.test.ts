import { beforeAll, describe, expect, it } from "vitest";
import { WarmInstance } from "../../dist/sandbox/worker/quickjs-instance.js";
import type { GuestModule, LogEntry, RunFinished, RunRequest } from "../../dist/sandbox/protocol.js";
import { compileQuickJSModule, resultOf, runOnWarm, runRequest, WARM_MEMORY_MB } from "../helpers/warm-instance.js";

/**
 * Package images (src/sandbox/worker/package-images.ts): a run importing npm: bundles
 * starts from an image in which they are already evaluated. These runs go through
 * WarmInstance as the worker does (take with the request, run, release, prepare), with
 * bundles written here: the worker only sees a bundle as a module named `npm:...`.
 */

const MEMORY_MB = WARM_MEMORY_MB;
let wasmModule: WebAssembly.Module;

beforeAll(async () => {
  wasmModule = await compileQuickJSModule();
});

/** A run of `js` with these modules sent along (bundles as the host sends them), 10 s to run. */
function request(js: string, modules: GuestModule[]): RunRequest {
  return runRequest(js, { modules, deadline: Date.now() + 10_000, timeoutMs: 10_000 });
}

function runOn(warm: WarmInstance, js: string, modules: GuestModule[] = []): Promise<RunFinished> {
  return runOnWarm(warm, request(js, modules));
}

/** A bundle with module-level state a run can change. */
const COUNTER: GuestModule = {
  specifier: "npm:counter@1",
  js: `export let count = 0;
export const seen = [];
export function bump(tag) { seen.push(tag); return ++count; }
export default { name: "counter" };`,
};
const GREETER: GuestModule = { specifier: "npm:greeter@2", js: `const prefix = "hello "; export function greet(n) { return prefix + n; }` };

const images = (warm: WarmInstance) => warm.current?.packageImages;

describe("package images (a run's npm: bundles evaluated once per worker)", () => {
  it("starts every run from the package's pristine state: what one run changes in a module is gone for the next", async () => {
    const warm = new WarmInstance(wasmModule);
    const code = (tag: string) => `import { bump, count, seen } from "npm:counter@1";
      const first = bump("${tag}"); bump("${tag}"); seen.length = 0 || seen.push("x");
      globalThis.leaked = "${tag}";
      export default [first, count, seen.length, typeof globalThis.leaked];`;
    const results = [];
    for (const tag of ["a", "b", "c", "d"]) results.push(resultOf(await runOn(warm, code(tag), [COUNTER])));
    for (const result of results) expect(result).toEqual([1, 2, 3, "string"]);
    const check = await runOn(warm, `import { count, seen } from "npm:counter@1"; export default [count, seen.length, typeof globalThis.leaked];`, [COUNTER]);
    expect(resultOf(check)).toEqual([0, 0, "undefined"]);
    expect(images(warm)?.count).toBe(1);
  });

  it("captures a bundle that registers a global (as zod does), and rewinds what a run does to it", async () => {
    const warm = new WarmInstance(wasmModule);
    const registering = { specifier: "npm:registry@1", js: `globalThis.__registry ??= { entries: [] }; export const registry = globalThis.__registry;` };
    const code = `import { registry } from "npm:registry@1"; registry.entries.push(1); export default [globalThis.__registry === registry, registry.entries.length];`;
    for (let i = 0; i < 3; i++) expect(resultOf(await runOn(warm, code, [registering]))).toEqual([true, 1]);
    expect(images(warm)?.count).toBe(1);
  });

  it("rewinds a package run's memory to the base image byte for byte (apart from Math.random's seed)", async () => {
    const warm = new WarmInstance(wasmModule);
    await warm.prepare(MEMORY_MB);
    const memory = warm.current!.memory;
    const atStart = new Uint8Array(memory.buffer.slice(0));
    for (let i = 0; i < 3; i++) {
      const finished = await runOn(warm, `import { bump } from "npm:counter@1"; globalThis.junk = Array.from({ length: 5000 }, (_, i) => "x" + i); export default bump("m");`, [COUNTER]);
      expect(resultOf(finished)).toBe(1);
    }
    expect(warm.current!.memory).toBe(memory);
    const after = new Uint8Array(memory.buffer);
    const differing: number[] = [];
    for (let i = 0; i < after.length; i++) if (after[i] !== atStart[i]) differing.push(i);
    expect(differing.length).toBeLessThanOrEqual(8);
    if (differing.length > 0) expect(Math.floor(differing.at(-1)! / 8)).toBe(Math.floor(differing[0]! / 8));
  });

  it("serves different package sets in turn, each with exactly its own modules, and plain runs in between", async () => {
    const warm = new WarmInstance(wasmModule);
    for (let round = 0; round < 3; round++) {
      expect(resultOf(await runOn(warm, `import { bump } from "npm:counter@1"; export default bump("r") + ${round};`, [COUNTER]))).toBe(1 + round);
      expect(resultOf(await runOn(warm, `import { greet } from "npm:greeter@2"; export default greet("${round}");`, [GREETER]))).toBe(`hello ${round}`);
      expect(resultOf(await runOn(warm, `export default typeof globalThis.count;`))).toBe("undefined");
      expect(resultOf(await runOn(warm, `import { greet } from "npm:greeter@2"; import c, { bump } from "npm:counter@1"; export default [greet(c.name), bump("x"), bump("y")];`, [GREETER, COUNTER]))).toEqual([
        "hello counter",
        1,
        2,
      ]);
    }
    // A run of one set cannot import another set's module: it is not loaded in its image.
    const stray = await runOn(warm, `export default (await import("npm:greeter@2")).greet("x");`, [COUNTER]);
    expect(stray.outcome.ok).toBe(false);
    expect(images(warm)?.count).toBe(3);
  });

  it("keeps at most four images, dropping the least recently used", async () => {
    const warm = new WarmInstance(wasmModule);
    for (let i = 0; i < 7; i++) {
      const bundle = { specifier: `npm:p${i}@1`, js: `export const id = ${i};` };
      expect(resultOf(await runOn(warm, `import { id } from "npm:p${i}@1"; export default id;`, [bundle]))).toBe(i);
      expect(images(warm)!.count).toBe(Math.min(i + 1, 4));
    }
    // The oldest are gone, the newest still serve (and a dropped set is made again when it returns).
    expect(resultOf(await runOn(warm, `import { id } from "npm:p0@1"; export default id;`, [{ specifier: "npm:p0@1", js: "export const id = 0;" }]))).toBe(0);
    expect(images(warm)!.count).toBe(4);
  });

  it("loads the new code when a specifier comes to stand for another version", async () => {
    const warm = new WarmInstance(wasmModule);
    const v1 = { specifier: "npm:lib@1", js: `export const version = "1.0.0";` };
    const v2 = { specifier: "npm:lib@1", js: `export const version = "1.1.0";` };
    const code = `import { version } from "npm:lib@1"; export default version;`;
    expect(resultOf(await runOn(warm, code, [v1]))).toBe("1.0.0");
    expect(resultOf(await runOn(warm, code, [v1]))).toBe("1.0.0");
    expect(resultOf(await runOn(warm, code, [v2]))).toBe("1.1.0");
    expect(resultOf(await runOn(warm, code, [v1]))).toBe("1.0.0");
  });

  it("never captures what must differ per run: entropy, the clock, Math.random, log lines, timers stay per run", async () => {
    const warm = new WarmInstance(wasmModule);
    const cases: Array<{ bundle: GuestModule; read: string }> = [
      { bundle: { specifier: "npm:uuid-at-load@1", js: `export const id = crypto.randomUUID();` }, read: "id" },
      { bundle: { specifier: "npm:bytes-at-load@1", js: `export const id = Array.from(crypto.getRandomValues(new Uint8Array(8))).join();` }, read: "id" },
      { bundle: { specifier: "npm:random-at-load@1", js: `export const id = Math.random();` }, read: "id" },
      { bundle: { specifier: "npm:date-at-load@1", js: `export const id = Date.now();` }, read: "id" },
      { bundle: { specifier: "npm:new-date-at-load@1", js: `export const id = new Date().toISOString();` }, read: "id" },
      { bundle: { specifier: "npm:perf-at-load@1", js: `export const id = performance.now();` }, read: "id" },
    ];
    for (const { bundle, read } of cases) {
      const code = `import { ${read} } from "${bundle.specifier}"; export default ${read};`;
      const values = [];
      for (let i = 0; i < 3; i++) {
        values.push(resultOf(await runOn(warm, code, [bundle])));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      expect(new Set(values).size, bundle.specifier).toBe(3);
    }
    expect(images(warm)?.count ?? 0).toBe(0);

    const logging = { specifier: "npm:noisy@1", js: `console.log("loaded"); export const ok = 1;` };
    for (let i = 0; i < 2; i++) {
      const finished = await runOn(warm, `import { ok } from "npm:noisy@1"; export default ok;`, [logging]);
      expect(resultOf(finished)).toBe(1);
      expect(finished.logs.map((l: LogEntry) => l.text)).toEqual(["loaded"]);
    }
    const timing = { specifier: "npm:timer@1", js: `export const state = { fired: false }; setTimeout(() => { state.fired = true; }, 1);` };
    for (let i = 0; i < 2; i++) {
      const finished = await runOn(warm, `import { state } from "npm:timer@1"; await new Promise((r) => setTimeout(r, 20)); export default state.fired;`, [timing]);
      expect(resultOf(finished)).toBe(true);
    }
    expect(images(warm)?.count ?? 0).toBe(0);
  });

  it("stops a package that never finishes loading at the run's deadline, and the worker serves the next run", async () => {
    const warm = new WarmInstance(wasmModule);
    const spinning = { specifier: "npm:spin@1", js: `while (true) {}\nexport const x = 1;` };
    const req = request(`import { x } from "npm:spin@1"; export default x;`, [spinning]);
    req.deadline = Date.now() + 200;
    req.timeoutMs = 200;
    const run = await warm.take(MEMORY_MB, req);
    const finished = await run.run(req, () => {});
    warm.release(run);
    expect(finished.outcome.ok ? "ok" : finished.outcome.error.name).toBe("TimeoutError");
    await warm.prepare(MEMORY_MB);
    expect(resultOf(await runOn(warm, `import { bump } from "npm:counter@1"; export default bump("t");`, [COUNTER]))).toBe(1);
  });

  it("reports a package that throws as it loads exactly as without images, every time", async () => {
    const failing = { specifier: "npm:broken@1", js: `export const x = 1;\nthrow new TypeError("no way");` };
    const code = `import { x } from "npm:broken@1"; export default x;`;
    const plain = await runOn(new WarmInstance(wasmModule, { packageImages: false }), code, [failing]);
    const warm = new WarmInstance(wasmModule);
    for (let i = 0; i < 2; i++) {
      const imaged = await runOn(warm, code, [failing]);
      expect(imaged.outcome).toEqual(plain.outcome);
      expect(imaged.outcome.ok).toBe(false);
    }
  });

  it("computes what runs without package images compute, for a run mixing packages, a library module and errors inside a package", async () => {
    const library = { specifier: "library/uses-counter", js: `import { bump } from "npm:counter@1"; export const twice = () => [bump("l"), bump("l")];` };
    const failingFn = { specifier: "npm:thrower@1", js: `export function fail() {\n  throw new RangeError("from the package");\n}` };
    const code = `import { twice } from "library/uses-counter"; import * as ns from "npm:counter@1"; import { fail } from "npm:thrower@1";
      let caught; try { fail(); } catch (e) { caught = [e.name, e.message, String(e.stack).includes("npm:thrower@1")]; }
      export default [twice(), Object.keys(ns).sort(), ns[Symbol.toStringTag], caught];`;
    const modules = [library, COUNTER, failingFn];
    const plain = resultOf(await runOn(new WarmInstance(wasmModule, { packageImages: false }), code, modules));
    const warm = new WarmInstance(wasmModule);
    for (let i = 0; i < 3; i++) expect(resultOf(await runOn(warm, code, modules))).toEqual(plain);
    expect(images(warm)?.count).toBe(1);
  });
});

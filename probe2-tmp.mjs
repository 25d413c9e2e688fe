import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
const ROOT = "/work/wt-pkgimage/";
const { WarmInstance } = await import(ROOT + "dist/sandbox/worker/quickjs-instance.js");
const { bundlePackage } = await import(ROOT + "dist/packages/bundle.js");
const require = createRequire(ROOT + "package.json");
const wasmModule = await WebAssembly.compile(await readFile(require.resolve("@jitl/quickjs-wasmfile-release-sync/wasm")));
let id = 1;
const req = (js, modules) => ({ type: "run", runId: id++, main: { specifier: "main", js }, modules, deadline: Date.now() + 20000, timeoutMs: 20000, memoryMb: 64, maxLogChars: 10000, maxHostCalls: 100, maxOutputChars: 100000, hostFunctions: [], secretNames: [], secretNonce: "n" });
for (const name of ["zod"]) {
  let js;
  try { js = (await bundlePackage(ROOT, name, name, 20e6)).js; } catch (e) { console.log(name, "not bundled:", e.message.slice(0, 80)); continue; }
  const warm = new WarmInstance(wasmModule);
  const t = [];
  for (let i = 0; i < 1; i++) {
    const r = req(`import * as ns from "npm:${name}@1"; export default Object.keys(ns).length;`, [{ specifier: `npm:${name}@1`, js }]);
    const s = performance.now();
    const g = await warm.take(64, r); const f = await g.run(r, () => {}); warm.release(g);
    t.push(performance.now() - s);
    if (!f.outcome.ok) console.log(name, f.outcome.error.message);
    await warm.prepare(64);
  }
  console.log(name, (js.length / 1024).toFixed(0) + " KB", "images:", warm.current?.packageImages, "ms:", t.map((x) => x.toFixed(1)).join(" "));
}

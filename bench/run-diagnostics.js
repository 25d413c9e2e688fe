// Type diagnostics on failed run_code runs: what a failure costs with a cold compiler
// (TypeScript not loaded yet) and a warm one, and that a successful run costs the same
// either way (it does no compiler work). In-process Toolsmith on a temp home, real sandbox.
//
//   npm run build && node bench/run-diagnostics.js
//
// Prints medians in ms. Each failing sample changes the code, so nothing comes from the
// checker's last-program memo.
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Toolsmith } from "../dist/toolsmith.js";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const failing = (i) => `const ids: number[] = [${i}];\nconst text: string = ids.joinn(",");\nthrow new Error("failed " + text);`;
const succeeding = (i) => `const ids: number[] = [${i}];\nexport default ids.join(",");`;

async function time(toolsmith, code) {
  const started = performance.now();
  const report = await toolsmith.run(code);
  return { ms: performance.now() - started, report };
}

const home = await mkdtemp(join(tmpdir(), "toolsmith-bench-diag-"));
try {
  // No background warm-up: the first failure pays the compiler's load.
  const toolsmith = Toolsmith.open({ home, warmTypeChecker: false, upstreams: false });
  await toolsmith.whenReady();
  for (let i = 0; i < 5; i++) await toolsmith.run(succeeding(i));
  const okCold = [];
  for (let i = 0; i < SAMPLES; i++) okCold.push((await time(toolsmith, succeeding(100 + i))).ms);
  // The checker loads in its own thread: the server's event loop must stay free meanwhile.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const first = await time(toolsmith, failing(0));
  loop.disable();
  if (!first.report.error?.diagnostics?.length) throw new Error("expected diagnostics on the failing run");
  const failWarm = [];
  for (let i = 1; i <= SAMPLES; i++) failWarm.push((await time(toolsmith, failing(i))).ms);
  const okWarm = [];
  for (let i = 0; i < SAMPLES; i++) okWarm.push((await time(toolsmith, succeeding(200 + i))).ms);
  await toolsmith.close();
  console.log(`load average ${loadavg()[0].toFixed(1)}, ${SAMPLES} samples each`);
  console.log("| run | median ms |\n|---|---|");
  console.log(`| successful, compiler never loaded | ${median(okCold).toFixed(1)} |`);
  console.log(`| first failing run, cold compiler | ${first.ms.toFixed(1)} (event loop delay meanwhile: max ${(loop.max / 1e6).toFixed(0)} ms) |`);
  console.log(`| failing run, warm compiler | ${median(failWarm).toFixed(1)} |`);
  console.log(`| successful, compiler loaded | ${median(okWarm).toFixed(1)} |`);
} finally {
  await rm(home, { recursive: true, force: true });
}

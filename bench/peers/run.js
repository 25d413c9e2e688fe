// toolsmith next to other code-mode runtimes from the npm registry: the same snippets run
// through toolsmith's Sandbox and through each peer, one after another in one Node process,
// and one markdown table goes to stdout (progress and notes on stderr, then the table).
//
//   npm run bench:peers      (builds, then runs this file)
//   node bench/peers.js      (after a build)
//
// Environment (optional): PEERS_SCALE (default 1) multiplies every sample count and time
// budget, e.g. PEERS_SCALE=0.3 for a quick look.
//
// ---------------------------------------------------------------- installing the peers
// All peers are exact-pinned devDependencies. The registry here only carries some versions,
// and Node is 20, which decides the set:
//   - isolated-vm 6.x and 7.x need Node >= 22, so `overrides: { "isolated-vm": "5.0.4" }`
//     (Node >= 18) serves both @tanstack/ai-isolate-node (which asks for ^6.0.2) and
//     @utcp/code-mode (peer ^6.0.0). Their isolated-vm calls exist unchanged in 5.0.4.
//     isolated-vm has no binary in the npm tarball: it compiles (node-gyp, ~2 min, local
//     headers via the `nodedir` npm config). Install with `npm_config_build_from_source=true`
//     so its prebuild-install step does not try to download a binary from GitHub first.
//   - isolated-vm needs `--no-node-snapshot` on Node >= 20 (its README); this file re-runs
//     itself once with that flag when it is missing (one child node, stdio inherited; every
//     measurement still happens in that single process).
//   - @tanstack/ai-isolate-quickjs exists here only as 0.1.30, whose peer is
//     @tanstack/ai-code-mode 0.2.5 (peer @tanstack/ai 0.28.0), so the whole TanStack set is
//     ai-code-mode 0.2.5 + ai-isolate-node 0.1.30 + ai-isolate-quickjs 0.1.30 + ai 0.28.0.
//     (ai-code-mode 0.3.4 with ai-isolate-node 0.1.43 has the same isolate driver, byte for
//     byte; it strips TypeScript with sucrase instead of esbuild 0.25.)
//   - @ai-sdk/code-mode 1.0.42 (peer ai 7.0.85; its runtime is the `run` package, QuickJS in
//     worker threads). Its README asks for Node 22.13; it runs on Node 20 here.
//   - @utcp/code-mode 1.2.12 with @utcp/sdk 1.1.2 and @utcp/direct-call 1.0.12 (to register
//     in-process functions as UTCP tools).
//
// ---------------------------------------------------------------- how each runtime is driven
// Every runtime gets one host function, "progress", taking { message } and doing nothing
// (hostWork() below: it counts the call and, for row 4b only, waits HOST_DELAY_MS). Every
// execution is a fresh sandbox, exactly as each project runs agent code by default, and is
// timed from the host's call to the settled result (wall clock, performance.now()).
//   toolsmith    new Sandbox(defaultConfig().limits); await sb.start();
//                sb.run({ code, host: { hostFunctions: ["progress"], onHostCall } }) with code an ES
//                module: `import { progress } from "toolsmith"; ... export default <value>`.
//                The guest calls `await progress("x")` (host receives {"message":"x"}).
//   tanstack+ivm createCodeModeTool({ driver: createNodeIsolateDriver({ skipProbe: true }),
//                tools: [toolDefinition({ name: "progress", inputSchema }).server(fn)] })
//                from @tanstack/ai-code-mode, @tanstack/ai-isolate-node and @tanstack/ai;
//                then `await tool.execute({ typescriptCode })` → { success, result, error }.
//                The guest calls `await external_progress({ message: "x" })`. skipProbe skips
//                a one-off `node -e` child process the driver spawns to check isolated-vm;
//                the check is done here by validating every snippet before timing it.
//   tanstack+qjs the same tool with createQuickJSIsolateDriver() from
//                @tanstack/ai-isolate-quickjs (quickjs-emscripten 0.31 asyncify build, a
//                new WASM module per execution).
//   ai-sdk       experimental_runCodeMode({ js, tools: { progress: tool({ inputSchema,
//                execute }) }, options }) from @ai-sdk/code-mode and `ai`. The guest calls
//                `await tools.progress({ message: "x" })`. Its default executionPolicy caps a
//                run at 256 host calls (maxBridgeRequests); the 1,000-call row raises the cap
//                to 2,000 so it does the same work, and the cap is reported in the notes.
//   utcp         addFunctionToUtcpDirectCall("benchManual", () => manual) and
//                addFunctionToUtcpDirectCall("benchProgress", fn) from @utcp/direct-call;
//                client = await CodeModeUtcpClient.create(); await client.registerManual({
//                name: "bench", call_template_type: "direct-call", callable_name:
//                "benchManual" }); then `await client.callToolChain(js)` → { result, logs }.
//                The guest calls `await bench.progress({ message: "x" })`; the call is
//                synchronous inside the isolate (applySyncPromise), so Promise.all does not
//                overlap host work. UTCP prints two console.log lines per tool call: console
//                .log/info/debug are muted while this file measures (the table is printed
//                with the saved console.log), which leaves out only the terminal/pipe writes.
//
// Every (runtime, snippet) pair is first run once and checked (result value and number of
// host calls) before anything is timed; a pair that fails, throws, hangs (RUN_TIMEOUT_MS) or
// kills its runtime is reported in the table instead of timed. A WASM crash surfaces as an
// uncaught exception: a handler records it against the running pair so the process survives
// it, and that runtime is not used again. Samples of a row are interleaved (a shuffled round
// over the runtimes per sample) so background load falls on all of them alike.
import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const NO_SNAPSHOT = "--no-node-snapshot";
if (!process.execArgv.includes(NO_SNAPSHOT)) {
  const child = spawnSync(process.execPath, [NO_SNAPSHOT, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}

const SCALE = Number(process.env.PEERS_SCALE ?? 1);
/** A pair that has not settled after this long counts as hung. */
const RUN_TIMEOUT_MS = 20_000;
/** How long the host function of row 4b takes, to show whether concurrent calls overlap. */
const HOST_DELAY_MS = 5;
const SEQUENTIAL_CALLS = 1_000;
const CONCURRENT_CALLS = 20;
/** Untimed runs per runtime before sampling (after the checked first run). */
const WARMUP_RUNS = 3;
/** Every cell gets at least this many samples, whatever its time budget. */
const MIN_SAMPLES = 8;

// ---------------------------------------------------------------- snippets
// `body` is what the peers run (each wraps it in an async function, so `return` is the
// result); `$CALL` becomes the runtime's own way to call the host function. `module` is
// the same program as a toolsmith module.
const SNIPPETS = [
  {
    key: "trivial",
    label: "(1) trivial: `return 1`",
    body: "return 1",
    module: "export default 1;",
    expect: 1,
    hostCalls: 0,
    samples: 300,
    budgetMs: 6_000,
  },
  {
    key: "compute",
    label: "(3) compute: sum 1..100,000 in a loop",
    body: "let s = 0; for (let i = 1; i <= 100000; i++) s += i; return s",
    // The peers' own form: the body inside an async function, whose `let`s are locals. At a
    // module's top level they would be module variables, which QuickJS reaches through
    // references: the same loop written there takes ~12% longer (6.1 against 5.4 ms here).
    module: "export default await (async () => { let s = 0; for (let i = 1; i <= 100000; i++) s += i; return s; })();",
    expect: 5000050000,
    hostCalls: 0,
    samples: 100,
    budgetMs: 5_000,
  },
  {
    key: "concurrent",
    label: `(4) ${CONCURRENT_CALLS} concurrent no-op host calls (Promise.all)`,
    body: `const r = await Promise.all(Array.from({ length: ${CONCURRENT_CALLS} }, () => $CALL)); return r.length`,
    module: `import { progress } from "toolsmith";\nconst r = await Promise.all(Array.from({ length: ${CONCURRENT_CALLS} }, () => progress("x")));\nexport default r.length;`,
    expect: CONCURRENT_CALLS,
    hostCalls: CONCURRENT_CALLS,
    samples: 100,
    budgetMs: 4_000,
  },
  {
    key: "concurrentSlow",
    label: `(4b) ${CONCURRENT_CALLS} concurrent host calls that take ${HOST_DELAY_MS} ms each`,
    body: `const r = await Promise.all(Array.from({ length: ${CONCURRENT_CALLS} }, () => $CALL)); return r.length`,
    module: `import { progress } from "toolsmith";\nconst r = await Promise.all(Array.from({ length: ${CONCURRENT_CALLS} }, () => progress("x")));\nexport default r.length;`,
    expect: CONCURRENT_CALLS,
    hostCalls: CONCURRENT_CALLS,
    hostDelayMs: HOST_DELAY_MS,
    samples: 40,
    budgetMs: 3_000,
  },
  // Last: a runtime that crashes on it cannot spoil the other rows.
  {
    key: "sequential",
    label: `(2) ${SEQUENTIAL_CALLS.toLocaleString("en")} sequential awaited no-op host calls`,
    body: `for (let i = 0; i < ${SEQUENTIAL_CALLS}; i++) await $CALL; return 1`,
    module: `import { progress } from "toolsmith";\nfor (let i = 0; i < ${SEQUENTIAL_CALLS}; i++) await progress("x");\nexport default 1;`,
    expect: 1,
    hostCalls: SEQUENTIAL_CALLS,
    samples: 30,
    budgetMs: 14_000,
  },
];

// ---------------------------------------------------------------- the host function

const host = { calls: 0, inFlight: 0, peakInFlight: 0, delayMs: 0 };
/** The one host function every runtime calls: counts, and waits only when a row asks it to. */
async function hostWork() {
  host.calls++;
  host.peakInFlight = Math.max(host.peakInFlight, ++host.inFlight);
  try {
    if (host.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, host.delayMs));
  } finally {
    host.inFlight--;
  }
}

// ---------------------------------------------------------------- runtimes
// Each adapter: { name, call, setup(), run(snippet) → the guest's result (throws on a guest
// error), close() }. Imports are dynamic so one missing peer is reported, not fatal.

function toolsmithRuntime() {
  let sb;
  return {
    name: "toolsmith",
    async setup() {
      const { Sandbox } = await import("../../dist/sandbox/sandbox.js");
      const { defaultConfig } = await import("../../dist/config/schema.js");
      sb = new Sandbox(defaultConfig().limits);
      await sb.start();
    },
    async run(snippet) {
      const r = await sb.run({
        code: snippet.module,
        host: {
          hostFunctions: ["progress"],
          onHostCall: async () => {
            await hostWork();
            return undefined;
          },
        },
      });
      if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}`);
      return r.result;
    },
    close: () => sb?.close(),
  };
}

async function tanstackTool(driver) {
  const { createCodeModeTool } = await import("@tanstack/ai-code-mode");
  const { toolDefinition } = await import("@tanstack/ai");
  const { z } = await import("zod");
  const progress = toolDefinition({ name: "progress", description: "Does nothing.", inputSchema: z.object({ message: z.string() }) }).server(async () => {
    await hostWork();
    return null;
  });
  return createCodeModeTool({ driver, tools: [progress] });
}

function tanstackRuntime(name, makeDriver) {
  let tool;
  return {
    name,
    call: 'external_progress({ message: "x" })',
    async setup() {
      tool = await tanstackTool(await makeDriver());
    },
    async run(snippet) {
      const r = await tool.execute({ typescriptCode: code(snippet, this.call) });
      if (!r.success) throw new Error(`${r.error?.name ?? "Error"}: ${r.error?.message ?? "unknown error"}`);
      return r.result;
    },
    close() {},
  };
}

function aiSdkRuntime() {
  let runCodeMode, tools;
  return {
    name: "ai-sdk",
    call: 'tools.progress({ message: "x" })',
    notes: [],
    async setup() {
      ({ experimental_runCodeMode: runCodeMode } = await import("@ai-sdk/code-mode"));
      const { tool } = await import("ai");
      const { z } = await import("zod");
      tools = {
        progress: tool({
          description: "Does nothing.",
          inputSchema: z.object({ message: z.string() }),
          execute: async () => {
            await hostWork();
            return null;
          },
        }),
      };
    },
    /** With `defaults`, the package's own execution policy; otherwise the cap on host calls is lifted. */
    run(snippet, defaults = false) {
      const options = defaults ? undefined : { executionPolicy: { maxBridgeRequests: 2 * SEQUENTIAL_CALLS } };
      return runCodeMode({ js: code(snippet, this.call), tools, options });
    },
    close() {},
  };
}

function utcpRuntime() {
  let client;
  return {
    name: "utcp",
    call: 'bench.progress({ message: "x" })',
    async setup() {
      const { CodeModeUtcpClient } = await import("@utcp/code-mode");
      const { addFunctionToUtcpDirectCall } = await import("@utcp/direct-call");
      addFunctionToUtcpDirectCall("benchManual", async () => ({
        utcp_version: "1.0.0",
        manual_version: "1.0.0",
        tools: [
          {
            name: "progress",
            description: "Does nothing.",
            inputs: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
            outputs: { type: "null" },
            tags: [],
            tool_call_template: { call_template_type: "direct-call", callable_name: "benchProgress" },
          },
        ],
      }));
      addFunctionToUtcpDirectCall("benchProgress", async () => {
        await hostWork();
        return null;
      });
      client = await CodeModeUtcpClient.create();
      const registered = await client.registerManual({ name: "bench", call_template_type: "direct-call", callable_name: "benchManual" });
      if (!registered.success) throw new Error(`registerManual failed: ${JSON.stringify(registered.errors)}`);
    },
    async run(snippet) {
      const { result, logs } = await client.callToolChain(code(snippet, this.call));
      const failure = logs.find((line) => line.startsWith("[ERROR] Code execution failed"));
      if (failure) throw new Error(failure.slice("[ERROR] ".length));
      return result;
    },
    async close() {
      await client?.close?.();
    },
  };
}

const code = (snippet, call) => snippet.body.replaceAll("$CALL", call);

// ---------------------------------------------------------------- statistics and output

/** Nearest-rank percentile of a sample (p in 0..100); with fewer than 100 samples p99 is the maximum. */
function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}
const fmtMs = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtUs = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const T0 = performance.now();
const log = (line) => process.stderr.write(`[peers ${((performance.now() - T0) / 1000).toFixed(1)}s] ${line}\n`);

function shuffled(items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---------------------------------------------------------------- running pairs safely

/** The pair running now, so an uncaught exception (a WASM crash inside a peer) is pinned on it. */
let current;
process.on("uncaughtException", (error) => {
  if (!current) {
    process.stderr.write(`uncaught outside any run: ${error?.stack ?? error}\n`);
    process.exit(1);
  }
  current.crash(error);
});
process.on("unhandledRejection", (error) => {
  if (current) current.crash(error);
  else log(`unhandled rejection outside any run: ${error?.message ?? error}`);
});
/** Process warnings a runtime caused (Node still prints them on stderr): "name: warning" → count. */
const warnings = new Map();
process.on("warning", (warning) => {
  const key = `${current?.name ?? "outside any run"}: ${warning.name} (${String(warning.message).split(".")[0]})`;
  warnings.set(key, (warnings.get(key) ?? 0) + 1);
});

/**
 * Runs one execution: { ms, value } or { error, kind } where kind is "error" (the guest or the
 * runtime reported one), "crash" (an uncaught exception escaped it) or "hang".
 */
async function runOnce(rt, snippet, extra) {
  host.delayMs = snippet.hostDelayMs ?? 0;
  let timer;
  const settled = new Promise((resolve) => {
    current = { name: rt.name, crash: (error) => resolve({ kind: "crash", error }) };
    timer = setTimeout(() => resolve({ kind: "hang", error: new Error(`no result after ${RUN_TIMEOUT_MS / 1000} s`) }), RUN_TIMEOUT_MS);
  });
  const started = performance.now();
  const run = Promise.resolve()
    .then(() => rt.run(snippet, extra))
    .then(
      (value) => ({ value, ms: performance.now() - started }),
      (error) => ({ kind: "error", error }),
    );
  try {
    return await Promise.race([run, settled]);
  } finally {
    clearTimeout(timer);
    current = undefined;
  }
}

const message = (error) => String(error?.message ?? error).split("\n")[0].slice(0, 160);
const named = (error) => `${error?.name ?? "Error"}: ${message(error)}`;

// ---------------------------------------------------------------- main

const runtimes = [
  toolsmithRuntime(),
  tanstackRuntime("tanstack+ivm", async () => (await import("@tanstack/ai-isolate-node")).createNodeIsolateDriver({ skipProbe: true })),
  tanstackRuntime("tanstack+qjs", async () => (await import("@tanstack/ai-isolate-quickjs")).createQuickJSIsolateDriver()),
  aiSdkRuntime(),
  utcpRuntime(),
];
const PEERS = runtimes.slice(1).map((r) => r.name);
/** results[snippet.key][runtime.name] = { samples } | { failed } */
const results = {};
const notes = [];
const dead = new Map(); // runtime name → why it cannot run anymore
const savedConsole = { log: console.log, info: console.info, debug: console.debug };

async function main() {
  log(`node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((l) => l.toFixed(2)).join(" ")}, PEERS_SCALE=${SCALE}`);
  console.log = console.info = console.debug = () => {};

  for (const rt of runtimes) {
    const started = performance.now();
    try {
      await rt.setup();
      log(`${rt.name}: ready in ${(performance.now() - started).toFixed(0)} ms`);
    } catch (error) {
      dead.set(rt.name, `setup failed: ${message(error)}`);
      log(`${rt.name}: setup failed: ${error?.stack ?? error}`);
    }
  }

  for (const snippet of SNIPPETS) await measureRow(snippet);
  await defaultCapProbe();

  for (const rt of runtimes) {
    try {
      await rt.close();
    } catch (error) {
      log(`${rt.name}: close failed: ${message(error)}`);
    }
  }
  Object.assign(console, savedConsole);
  printTable();
}

async function measureRow(snippet) {
  const row = (results[snippet.key] = {});
  const live = [];
  // Checked first run of every pair.
  for (const rt of runtimes) {
    if (dead.has(rt.name)) {
      row[rt.name] = { failed: `not run (${dead.get(rt.name)})` };
      continue;
    }
    host.calls = 0;
    host.peakInFlight = 0;
    const r = await runOnce(rt, snippet);
    const calls = host.calls;
    if (r.kind) {
      const what = r.kind === "error" ? "error" : r.kind === "crash" ? "crashed" : "hung";
      const after = `${what} after ${calls} host call${calls === 1 ? "" : "s"}`;
      const crash = `: ${named(r.error)}, thrown out of the runtime as an uncaught exception (it ends a Node process that has no handler for it; this file's handler kept the process alive) and the run never settled; the runtime was not used again`;
      row[rt.name] = { failed: r.kind === "crash" ? after + crash : `${after}: ${message(r.error)}` };
      if (r.kind !== "error") dead.set(rt.name, `${what} in row ${snippet.label.split(" ")[0]}`);
      log(`${rt.name} ${snippet.key}: ${row[rt.name].failed}`);
      continue;
    }
    if (r.value !== snippet.expect || calls !== snippet.hostCalls) {
      row[rt.name] = { failed: `wrong work: result ${JSON.stringify(r.value)} (want ${snippet.expect}), ${calls} host calls (want ${snippet.hostCalls})` };
      log(`${rt.name} ${snippet.key}: ${row[rt.name].failed}`);
      continue;
    }
    row[rt.name] = { samples: [], peakInFlight: host.peakInFlight, spentMs: 0 };
    live.push(rt);
  }
  // Warm-up, then interleaved samples until each pair has its count or has spent its budget.
  const target = Math.max(MIN_SAMPLES, Math.round(snippet.samples * SCALE));
  const budget = snippet.budgetMs * SCALE;
  for (let i = 0; i < WARMUP_RUNS; i++) for (const rt of live) await sampleOnce(rt, snippet, row, false);
  let active = live.filter((rt) => row[rt.name].samples);
  while (active.length > 0) {
    for (const rt of shuffled(active)) await sampleOnce(rt, snippet, row, true);
    active = active.filter((rt) => {
      const cell = row[rt.name];
      return cell.samples && cell.samples.length < target && !(cell.spentMs >= budget && cell.samples.length >= MIN_SAMPLES);
    });
  }
  log(
    `${snippet.key}: ` +
      runtimes
        .map((rt) => {
          const cell = row[rt.name];
          return cell.samples ? `${rt.name} p50 ${fmtMs(percentile(cell.samples, 50))} ms (n=${cell.samples.length})` : `${rt.name} —`;
        })
        .join(", "),
  );
}

async function sampleOnce(rt, snippet, row, keep) {
  const cell = row[rt.name];
  if (!cell.samples) return;
  host.calls = 0;
  const r = await runOnce(rt, snippet);
  if (r.kind || host.calls !== snippet.hostCalls) {
    const why = r.kind ? `${r.kind} during sampling: ${message(r.error)}` : `made ${host.calls} host calls during sampling`;
    row[rt.name] = { failed: `${why} (after ${cell.samples.length} good samples)` };
    if (r.kind === "crash" || r.kind === "hang") dead.set(rt.name, `${r.kind} in row ${snippet.label.split(" ")[0]}`);
    log(`${rt.name} ${snippet.key}: ${row[rt.name].failed}`);
    return;
  }
  cell.spentMs += r.ms;
  if (keep) cell.samples.push(r.ms);
}

/** What ai-sdk does with the 1,000-call loop under its own default execution policy. */
async function defaultCapProbe() {
  const rt = runtimes.find((r) => r.name === "ai-sdk");
  if (dead.has(rt.name)) return;
  const snippet = SNIPPETS.find((s) => s.key === "sequential");
  host.calls = 0;
  const r = await runOnce(rt, snippet, true);
  notes.push(
    r.kind
      ? `ai-sdk with its default executionPolicy stops the ${SEQUENTIAL_CALLS.toLocaleString("en")}-call loop after ${host.calls} host calls: "${message(r.error)}" (maxBridgeRequests defaults to 256). Row 2 raises it to ${2 * SEQUENTIAL_CALLS} so ai-sdk does the same work.`
      : `ai-sdk with its default executionPolicy completed the ${SEQUENTIAL_CALLS}-call loop (${host.calls} host calls).`,
  );
}

function printTable() {
  const out = savedConsole.log;
  const cellText = (cell, fmt = fmtMs) => (cell?.samples?.length ? `${fmt(percentile(cell.samples, 50))} / ${fmt(percentile(cell.samples, 99))}` : "—");
  const names = runtimes.map((r) => r.name);
  const footnotes = [];
  const footnote = (text) => {
    let i = footnotes.indexOf(text);
    if (i < 0) i = footnotes.push(text) - 1;
    return `[${i + 1}]`;
  };
  const shown = (cell, text) => (cell?.failed ? `✗ ${footnote(cell.failed)}` : text);

  /** toolsmith ÷ the peer with the lowest p50, for a row given as { name → [p50, p99] }. */
  const ratio = (values) => {
    const mine = values.toolsmith;
    const peers = PEERS.filter((n) => values[n]).sort((a, b) => values[a][0] - values[b][0]);
    if (!mine || peers.length === 0) return "—";
    const best = peers[0];
    return `${(mine[0] / values[best][0]).toFixed(2)}× p50 · ${(mine[1] / values[best][1]).toFixed(2)}× p99 (vs ${best})`;
  };

  const lines = [];
  lines.push(`| measurement (ms: p50 / p99) | ${names.join(" | ")} | toolsmith ÷ fastest peer |`);
  lines.push(`|---|${names.map(() => "---:").join("|")}|---|`);
  const order = ["trivial", "sequential", "perCall", "compute", "concurrent", "concurrentSlow"];
  for (const key of order) {
    if (key === "perCall") {
      // (loop p50 − trivial p50) / calls, and (loop p99 − trivial p50) / calls for the tail.
      const values = {};
      const cells = names.map((n) => {
        const loop = results.sequential?.[n];
        const trivial = results.trivial?.[n];
        if (loop?.failed) return shown(loop, "—");
        if (trivial?.failed) return shown(trivial, "—");
        if (!loop?.samples?.length || !trivial?.samples?.length) return "—";
        const base = percentile(trivial.samples, 50);
        const p50 = ((percentile(loop.samples, 50) - base) / SEQUENTIAL_CALLS) * 1000;
        const p99 = ((percentile(loop.samples, 99) - base) / SEQUENTIAL_CALLS) * 1000;
        values[n] = [p50, p99];
        return `${fmtUs(p50)} / ${fmtUs(p99)} µs`;
      });
      lines.push(`| (2) per awaited host call = (row 2 − row 1 p50) / ${SEQUENTIAL_CALLS.toLocaleString("en")} | ${cells.join(" | ")} | ${ratio(values)} |`);
      continue;
    }
    const snippet = SNIPPETS.find((s) => s.key === key);
    const row = results[key] ?? {};
    const values = {};
    const cells = names.map((n) => {
      const cell = row[n];
      if (cell?.samples?.length) values[n] = [percentile(cell.samples, 50), percentile(cell.samples, 99)];
      return shown(cell, cellText(cell));
    });
    lines.push(`| ${snippet.label} | ${cells.join(" | ")} | ${ratio(values)} |`);
  }

  const sampleLine = SNIPPETS.map((s) => `${s.key}: ${names.map((n) => `${n} ${results[s.key]?.[n]?.samples?.length ?? 0}`).join(", ")}`);
  const slow = results.concurrentSlow ?? {};
  const overlap = names.map((n) => `${n} ${slow[n]?.peakInFlight ?? "—"}`).join(", ");
  const serial = names.filter((n) => slow[n]?.peakInFlight === 1);

  out(lines.join("\n"));
  out("");
  footnotes.forEach((text, i) => out(`[${i + 1}] ${text}`));
  for (const note of notes) out(`- ${note}`);
  out(`- Peak host calls in flight at once in row 4b (checked run; ${CONCURRENT_CALLS} = all overlap, 1 = one at a time): ${overlap}.`);
  out(`- Samples per cell (after ${WARMUP_RUNS} untimed warm-up runs and one checked run; nearest-rank p99, so with < 100 samples p99 is the maximum): ${sampleLine.join("; ")}.`);
  out(
    `- Not the same work: ${serial.length ? `${serial.join(", ")} ran the Promise.all host calls one at a time (the guest blocks on each call: isolated-vm applySyncPromise, or one asyncify suspension), so rows 4/4b measure sequential calls there; ` : ""}ai-sdk needs executionPolicy.maxBridgeRequests raised for row 2; the host function is the same no-op everywhere, but ai-sdk also validates each tool input against its zod schema (toolsmith, TanStack and UTCP pass the JSON through).`,
  );
  for (const [key, count] of warnings) out(`- Process warning from ${key}: ${count}×.`);
  out(`- node ${process.version}, ${availableParallelism()} cpus, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}; total ${((performance.now() - T0) / 1000).toFixed(0)} s.`);
}

await main();
// Peer worker pools and esbuild services may keep the loop alive; the table is out.
process.exit(0);

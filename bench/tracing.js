// Tracing benchmark: run_code round trips against two stdio servers (dist/cli.js), one
// with telemetry.otlpEndpoint set (spans exported over OTLP/HTTP to a local receiver in
// a child process) and one without (tracing export off; the local run record is kept by
// both). Samples are interleaved, in alternating order, so load on the machine hits both
// sides alike. Prints medians per workload and the ratio on/off (target: at most 1.1x).
//
//   npm run build && node bench/tracing.js
//
// Environment (optional): BENCH_TRACING_SAMPLES (default 200) round trips per side and workload.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
const SAMPLES = Number(process.env.BENCH_TRACING_SAMPLES ?? 200);
const WARMUP = 30;
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/** A bench must end: every server and receiver is closed after this long at most. */
const MAX_BENCH_MS = 15 * 60_000;

if (!Number.isInteger(SAMPLES) || SAMPLES < 10) {
  process.stderr.write(`BENCH_TRACING_SAMPLES must be a whole number of at least 10, got '${process.env.BENCH_TRACING_SAMPLES}'.\n`);
  process.exit(2);
}

const median = (s) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)];
/** Runs traced per side in the in-process measurement of tracing's own cost. */
const MICRO_RUNS = 5_000;

/** The API the guest fetches (GET /item), in this process. */
function startApi() {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: 1, name: "widget", tags: ["a", "b"] })));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ port: server.address().port, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) })));
}

/**
 * The OTLP receiver (POST /v1/traces), in a child process of its own: decoding spans here
 * would take this process's time in the middle of the round trips it measures.
 */
function startReceiver() {
  const script = `
    import { createServer } from "node:http";
    let spans = 0;
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        if (req.url === "/spans") return res.end(String(spans));
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
    setTimeout(() => process.exit(0), ${MAX_BENCH_MS}).unref();
    process.stdin.on("end", () => process.exit(0)).resume();
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve) =>
    child.stdout.once("data", (chunk) => {
      const port = Number(String(chunk).trim());
      resolve({ port, spans: async () => Number(await (await fetch(`http://127.0.0.1:${port}/spans`)).text()), close: () => child.stdin.end() });
    }),
  );
}

async function startServer(config) {
  const home = mkdtempSync(join(tmpdir(), "toolsmith-bench-tracing-"));
  writeFileSync(join(home, "config.json"), JSON.stringify(config));
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }, stderr: "pipe" });
  transport.stderr?.on("data", () => undefined);
  const client = new Client({ name: "toolsmith-bench", version: "0.0.1" });
  await client.connect(transport, { timeout: 600_000 });
  return {
    call: async (code) => {
      const started = performance.now();
      const result = await client.callTool({ name: "run_code", arguments: { code }, _meta: { traceparent: TRACEPARENT } }, undefined, { timeout: 600_000 });
      const elapsed = performance.now() - started;
      if (result.isError) throw new Error(`run_code failed: ${result.content?.[0]?.text}`);
      return elapsed;
    },
    close: async () => {
      await client.close().catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

const http = await startApi();
const receiver = await startReceiver();
const network = { allow: [`127.0.0.1:${http.port}`] };
const on = await startServer({ network, telemetry: { otlpEndpoint: `http://127.0.0.1:${receiver.port}` } });
const off = await startServer({ network });
const deadline = setTimeout(() => {
  process.stderr.write("bench/tracing.js: took longer than 15 minutes; stopping.\n");
  process.exit(1);
}, MAX_BENCH_MS);
deadline.unref();

const WORKLOADS = {
  trivial: "export default 1 + 1",
  // A read, not a write: a workspace write is atomic (fsync), and disk latency on a shared machine would drown the comparison.
  "fetch + workspace read": `import { workspace } from "toolsmith";
const res = await fetch("http://127.0.0.1:${http.port}/item");
const item = await res.json();
const saved = await workspace.read("bench/item.json");
export default item.name === JSON.parse(saved).name`,
};

const rows = [];
try {
  const seed = `import { workspace } from "toolsmith"; await workspace.write("bench/item.json", JSON.stringify({ name: "widget" })); export default 1`;
  await on.call(seed);
  await off.call(seed);
  for (const [name, code] of Object.entries(WORKLOADS)) {
    for (let i = 0; i < WARMUP; i++) {
      await on.call(code);
      await off.call(code);
    }
    const onSamples = [];
    const offSamples = [];
    for (let i = 0; i < SAMPLES; i++) {
      // Alternate which side goes first, so neither always runs right after the other's work.
      if (i % 2 === 0) {
        onSamples.push(await on.call(code));
        offSamples.push(await off.call(code));
      } else {
        offSamples.push(await off.call(code));
        onSamples.push(await on.call(code));
      }
    }
    // Each pair ran back to back, under the same load: the median of their ratios is steadier than the ratio of medians.
    const pairRatios = onSamples.map((v, i) => v / offSamples[i]);
    rows.push({ name, on: median(onSamples), off: median(offSamples), paired: median(pairRatios) });
    process.stderr.write(`${name}: done\n`);
  }
} finally {
  await on.close();
  await off.close();
  await http.close();
}
const exported = await receiver.spans();

process.stdout.write(`run_code round trip, median of ${SAMPLES} per side (interleaved), stdio server\n\n`);
process.stdout.write("| workload | tracing off | tracing on (OTLP export) | ratio of medians | median of paired ratios |\n|---|---|---|---|---|\n");
for (const r of rows) process.stdout.write(`| ${r.name} | ${r.off.toFixed(2)} ms | ${r.on.toFixed(2)} ms | ${(r.on / r.off).toFixed(3)}x | ${r.paired.toFixed(3)}x |\n`);
process.stdout.write(`\nspans received by the OTLP receiver: ${exported}\n`);

// Tracing's own CPU cost per run, in this process: a run with three child spans (a fetch,
// an upstream call, a workspace write), its record appended; with and without OTLP export.
const { Telemetry } = await import("../dist/telemetry/telemetry.js");
const sink = receiver;
const micro = {};
for (const [label, settings] of [["off", { serviceName: "bench" }], ["on", { serviceName: "bench", otlpEndpoint: `http://127.0.0.1:${sink.port}` }]]) {
  const state = mkdtempSync(join(tmpdir(), "toolsmith-bench-tracing-state-"));
  const telemetry = new Telemetry(settings, state, 1, () => undefined);
  const work = async (trace) => {
    for (const [name, attrs] of [["GET", { "toolsmith.op": "fetch", "url.path": "/item" }], ["tools/call echo", { "toolsmith.op": "mcp.call" }], ["workspace.write", { "toolsmith.op": "workspace.write" }]]) {
      const span = trace.child(name, attrs);
      span.set({ "http.response.status_code": 200 });
      span.end();
    }
    return { report: { ok: true, result: 1, logs: [], durationMs: 1 }, modules: ["library/csv"] };
  };
  const redact = (text) => text;
  for (let i = 0; i < 500; i++) await telemetry.traceRun({ traceparent: TRACEPARENT, redact }, work, () => "abc");
  const started = performance.now();
  for (let i = 0; i < MICRO_RUNS; i++) await telemetry.traceRun({ traceparent: TRACEPARENT, redact }, work, () => "abc");
  const elapsed = performance.now() - started;
  await telemetry.close();
  rmSync(state, { recursive: true, force: true });
  micro[label] = (elapsed / MICRO_RUNS) * 1000;
}
sink.close();
process.stdout.write(`\ntracing's own cost per run (3 child spans, record queued; ${MICRO_RUNS} runs, in process): export off ${micro.off.toFixed(1)} µs, export on ${micro.on.toFixed(1)} µs\n`);

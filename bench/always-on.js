// toolsmith always-on benchmark: schedule firing latency with the real clock, and the
// round trip of a signed webhook to a trivial export on the HTTP server (127.0.0.1).
// Prints medians on stdout; progress on stderr.
//
//   npx tsc -p tsconfig.json && node bench/always-on.js
//
// Environment (optional): BENCH_FIRINGS (default 8), BENCH_HOOK_SAMPLES (default 300).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const { Toolsmith } = await import(join(ROOT, "dist", "toolsmith.js"));
const { startHttpServer } = await import(join(ROOT, "dist", "server", "http-server.js"));
const { signHookRequest } = await import(join(ROOT, "dist", "always-on", "hook-signature.js"));

const FIRINGS = Number(process.env.BENCH_FIRINGS ?? 8);
const HOOK_WARMUP = 30;
const HOOK_SAMPLES = Number(process.env.BENCH_HOOK_SAMPLES ?? 300);
const RUN_SAMPLES = 100;
/** Longest wait for the firings (every second) before the benchmark gives up. */
const FIRING_WAIT_MS = (FIRINGS + 20) * 1_000;

const CODE = `/** Returns what it was given. */
export function echo(request: { body: unknown }) {
  return request.body;
}

export function tick(n: number): number {
  return n + 1;
}
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const fmt = (ms) => `${ms.toFixed(2)} ms`;
const progress = (line) => process.stderr.write(`${line}\n`);

const home = mkdtempSync(join(tmpdir(), "toolsmith-bench-always-on-"));
const toolsmith = Toolsmith.open({ home, log: () => undefined });
let http;
try {
  await toolsmith.whenReady();
  const saved = await toolsmith.save({ name: "bench/echo", description: "Echo for the always-on benchmark", code: CODE });
  if (!saved.ok) throw new Error(`save failed: ${saved.error.message}`);
  const alwaysOn = await toolsmith.alwaysOn();

  // 1. Schedule firing latency (real clock): a schedule due every second; latency = start of the run - its due time.
  progress(`schedule: waiting for ${FIRINGS} firings of "* * * * * *"…`);
  await alwaysOn.schedules.set("every-second", { cron: "* * * * * *", integration: "bench/echo", export: "tick", args: [1] });
  alwaysOn.start();
  const dir = join(home, "workspace", "runs", "every-second");
  const deadline = Date.now() + FIRING_WAIT_MS;
  let firings = [];
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    firings = (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [])
      .filter((e) => e.isFile() && e.name.endsWith(".json"))
      .map((e) => readFileSync(join(dir, e.name), "utf8"))
      .filter(Boolean)
      .map((t) => JSON.parse(t));
    if (firings.length >= FIRINGS) break;
  }
  await alwaysOn.schedules.remove("every-second");
  await alwaysOn.stop();
  const latencies = firings.slice(0, FIRINGS).map((f) => Date.parse(f.startedAt) - Date.parse(f.dueAt));

  // 2. Webhook round trip with a valid signature to a trivial export, over keep-alive HTTP.
  const made = await alwaysOn.hooks.set("echo", { integration: "bench/echo", export: "echo" });
  http = await startHttpServer({ toolsmith, token: "bench-token-0123456789abcdef", port: 0 });
  const url = `http://127.0.0.1:${http.port}/hooks/echo`;
  const send = async (i) => {
    const body = JSON.stringify({ i });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const started = performance.now();
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-toolsmith-timestamp": timestamp, "x-toolsmith-signature": signHookRequest(made.secret, timestamp, body) }, body });
    const answer = await response.json();
    const ms = performance.now() - started;
    if (response.status !== 200 || answer.i !== i) throw new Error(`hook answered ${response.status}: ${JSON.stringify(answer)}`);
    return ms;
  };
  progress(`hooks: ${HOOK_WARMUP} warm-up requests, then ${HOOK_SAMPLES} timed…`);
  for (let i = 0; i < HOOK_WARMUP; i++) await send(i);
  const hookMs = [];
  for (let i = 0; i < HOOK_SAMPLES; i++) hookMs.push(await send(HOOK_WARMUP + i));
  // An invalid signature: answered without running anything.
  const invalidMs = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const response = await fetch(url, { method: "POST", headers: { "x-toolsmith-timestamp": String(Math.floor(Date.now() / 1000)), "x-toolsmith-signature": `sha256=${"0".repeat(64)}` }, body: "{}" });
    await response.text();
    if (response.status !== 401) throw new Error(`expected 401, got ${response.status}`);
    invalidMs.push(performance.now() - started);
  }
  // For scale: the same trivial work as a direct run (what run_code does, without MCP).
  const runMs = [];
  for (let i = 0; i < RUN_SAMPLES; i++) {
    const started = performance.now();
    await toolsmith.run('import { echo } from "library/bench/echo";\nexport default echo({ body: 1 });');
    runMs.push(performance.now() - started);
  }

  console.log("| measurement | median | p90 | samples |");
  console.log("|---|---|---|---|");
  console.log(`| schedule firing latency (run start - due time, real clock, every-second cron) | ${fmt(median(latencies))} | max ${fmt(Math.max(...latencies))} | ${latencies.length} |`);
  console.log(`| webhook, valid signature, trivial export (HTTP round trip, p50) | ${fmt(median(hookMs))} | ${fmt(percentile(hookMs, 0.9))} | ${hookMs.length} |`);
  console.log(`| webhook, invalid signature (401, nothing runs) | ${fmt(median(invalidMs))} | ${fmt(percentile(invalidMs, 0.9))} | ${invalidMs.length} |`);
  console.log(`| direct run of the same export (toolsmith.run, no HTTP) | ${fmt(median(runMs))} | ${fmt(percentile(runMs, 0.9))} | ${runMs.length} |`);
} finally {
  await http?.close();
  await toolsmith.close();
  rmSync(home, { recursive: true, force: true });
}

// toolsmith benchmark: drives the built server (dist/cli.js) over stdio with a real
// MCP client (@modelcontextprotocol/sdk 1.x), the way Claude Desktop would, and
// prints one markdown table on stdout. Progress goes to stderr.
//
//   npm run bench        (builds, then runs this file)
//   node bench/run.js    (after a build)
//
// Environment (optional): BENCH_LARGE_N (default 10000) sets the size of the big library.
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { encode } from "gpt-tokenizer/encoding/o200k_base";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");

const SMALL_N = 1_000;
const LARGE_N = Number(process.env.BENCH_LARGE_N ?? 10_000);
if (!Number.isInteger(LARGE_N) || LARGE_N <= SMALL_N) {
  process.stderr.write(`BENCH_LARGE_N must be a whole number above ${SMALL_N} (the small library's size), got '${process.env.BENCH_LARGE_N}'.\n`);
  process.exit(2);
}
const RUN_WARMUP = 20;
const RUN_SAMPLES = 300;
const RUN_WARM_SERVER = 1_000;
const SPIN_SAMPLES = 150;
const SPIN_TIMEOUT_MS = 10_000; // config limits.timeoutMs of the spinner's home, and the spinner's own timeoutMs
const SAVE_WARMUP = 2;
const SAVE_SAMPLES = 40;
const SEARCH_ROUNDS = 30; // each round runs every query once
const COLD_STARTS = 5;
const RSS_WARMUP = 50;
const RSS_RUNS = 1_000;
const RSS_RUNS_LONG = 10_000; // the same server keeps going to 10,000 runs after the warm-up
const FLOOR_WARMUP = 20;
const FLOOR_SAMPLES = 300;
const HOST_CALLS = 1_000;
const HOST_CALL_SAMPLES = 15;
const FETCH_TOTAL = 500;
const FETCH_CONCURRENCY = 20;
const FETCH_SAMPLES = 3;
const UPSTREAM_WARMUP = 10;
const UPSTREAM_SAMPLES = 100;
const UPSTREAM_LOOP = 100;
const UPSTREAM_LOOP_SAMPLES = 10;
/** Loops each side runs (interleaved) before the samples: both sides' processes and JITs reach their steady state. */
const UPSTREAM_LOOP_WARMUP = 10;
const HISTORY_COMMITS = 10_000;
const HISTORY_SAVE_WARMUP = 2;
const HISTORY_SAVE_SAMPLES = 20;
const MEMORY_SERVER = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "@modelcontextprotocol", "server-memory", "dist", "index.js");
/** Per-request timeout for the client: a first start over 10,000 uncached files may be slow. */
const LONG = { timeout: 600_000 };

const SEARCH_QUERIES = ["item 42 widget", "fetch invoice", "parse csv", "github issues", "weather forecast", "sendEmail", "customer orders export", "xyzzy frobnicate"];

const log = (line) => process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1)}s] ${line}\n`);
const T0 = performance.now();
const homes = [];
const openServers = new Set();
const problems = [];

// ---------------------------------------------------------------- statistics

/** Nearest-rank percentile of a sample (p in 0..100). */
function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}
const median = (s) => percentile(s, 50);
const ms = (v) => `${v.toFixed(2)} ms`;
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

// ---------------------------------------------------------------- homes and servers

function makeHome(label, config) {
  const home = mkdtempSync(join(tmpdir(), `toolsmith-bench-${label}-`));
  homes.push(home);
  if (config !== undefined) writeFileSync(join(home, "config.json"), JSON.stringify(config));
  return home;
}

/** Creates and seeds `$home/library` through the CLI, without serving. */
function initHome(home) {
  const r = spawnSync(process.execPath, [CLI, "log"], { env: { ...process.env, TOOLSMITH_HOME: home }, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`toolsmith log failed (${r.status}): ${r.stderr}`);
  if (!existsSync(join(home, "library", ".git"))) throw new Error(`no library repository in ${home}`);
}

/** Spawns `node dist/cli.js` on `home` and connects a 1.x client over stdio. */
async function startServer(home, label) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk) => (stderr += chunk.toString()));
  const client = new Client({ name: "toolsmith-bench", version: "0.0.1" });
  const spawnedAt = performance.now();
  await client.connect(transport, LONG);
  const connectedAt = performance.now();
  const server = {
    label,
    client,
    transport,
    pid: transport.pid,
    spawnedAt,
    connectedAt,
    get stderr() {
      return stderr;
    },
    call: async (name, args, options) => {
      const result = await client.callTool({ name, arguments: args }, undefined, options ?? LONG);
      return result;
    },
    close: async () => {
      openServers.delete(server);
      await client.close().catch(() => undefined);
      noteServerErrors(label, stderr);
    },
  };
  openServers.add(server);
  return server;
}

/** Anything the server wrote to stderr besides its start line is worth a look. */
function noteServerErrors(label, stderr) {
  const lines = stderr.split("\n").filter((l) => l.trim() && !/serving MCP over stdio|created library repository|seeded the library|upstream '[^']*': (starting|ready with)|upstream '[^']*' stderr:/.test(l));
  if (lines.length) problems.push(`server stderr (${label}): ${lines.slice(0, 5).join(" | ")}${lines.length > 5 ? ` (+${lines.length - 5} lines)` : ""}`);
}

function structured(result) {
  if (result.structuredContent) return result.structuredContent;
  try {
    return JSON.parse(result.content?.[0]?.text ?? "null");
  } catch {
    return result.content?.[0]?.text;
  }
}

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

const sleep = (t) => new Promise((r) => setTimeout(r, t));

// ---------------------------------------------------------------- synthetic library

const VERBS = ["Fetch", "List", "Create", "Update", "Delete", "Sync", "Export", "Import", "Search", "Summarize", "Validate", "Archive"];
const NOUNS = ["widget", "invoice", "customer", "order", "issue", "ticket", "forecast", "email", "payment", "shipment", "report", "contact", "event", "document", "user"];
const SOURCES = ["inventory API", "billing service", "CRM", "GitHub", "Jira", "weather API", "mail gateway", "Stripe", "warehouse system", "analytics store", "calendar", "Google Drive"];
const TAGS = ["http", "json", "rest", "paging", "auth", "csv", "report", "sync", "webhook", "batch", "cache", "retry"];
const HOSTS = ["api.example.com", "billing.example.com", "crm.example.com", "api.github.com", "example.atlassian.net", "api.weather.example"];

const cap = (s) => s[0].toUpperCase() + s.slice(1);

function syntheticIntegration(i) {
  const verb = VERBS[i % VERBS.length];
  const noun = NOUNS[(i * 7) % NOUNS.length];
  const source = SOURCES[(i * 11) % SOURCES.length];
  const type = cap(noun);
  const fn = `${verb.toLowerCase()}${type}${i}`;
  const name = `bench/item-${i}`;
  const code = `/** A ${noun} as the ${source} returns it. */
export interface ${type}${i} {
  id: string;
  name: string;
  quantity: number;
  updatedAt?: string;
}

/** ${verb} ${noun} ${i} from the ${source}. */
export async function ${fn}(id: string, options?: { limit?: number; cursor?: string }): Promise<${type}${i}[]> {
  const limit = options?.limit ?? 10;
  return Array.from({ length: limit }, (_, k) => ({ id: \`\${id}-\${k}\`, name: "${noun} ${i}", quantity: k }));
}

/** Total quantity of a page of ${noun}s. */
export function total${type}${i}(items: ${type}${i}[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0);
}

export const ${noun}${i}Label = (item: ${type}${i}, prefix: string = "#"): string => \`\${prefix}\${item.id} \${item.name}\`;
`;
  const test = `import { total${type}${i} } from "library/${name}";
if (total${type}${i}([{ id: "a", name: "x", quantity: 2 }, { id: "b", name: "y", quantity: 3 }]) !== 5) throw new Error("wrong total");
`;
  const meta = {
    description: `${verb} ${noun} ${i} from the ${source}`,
    tags: [TAGS[i % TAGS.length], TAGS[(i * 5 + 3) % TAGS.length], noun],
    hosts: [HOSTS[i % HOSTS.length]],
    secrets: i % 3 === 0 ? [`${source.split(" ")[0].toUpperCase()}_TOKEN`] : [],
    verified: true,
  };
  return { name, code, test, meta };
}

function git(cwd, args) {
  return execFileSync("git", ["-c", "user.name=toolsmith-bench", "-c", "user.email=bench@localhost", "-c", "core.autocrlf=false", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Writes integrations [from, to) into the library and commits them in one commit. */
function addIntegrations(home, from, to) {
  const lib = join(home, "library");
  mkdirSync(join(lib, "bench"), { recursive: true });
  for (let i = from; i < to; i++) {
    const it = syntheticIntegration(i);
    const base = join(lib, it.name);
    writeFileSync(`${base}.ts`, it.code);
    writeFileSync(`${base}.test.ts`, it.test);
    writeFileSync(`${base}.meta.json`, `${JSON.stringify(it.meta, null, 2)}\n`);
  }
  git(lib, ["add", "-A"]);
  git(lib, ["commit", "-q", "--no-verify", "-m", `bench: add integrations ${from}..${to - 1}`]);
}

// ---------------------------------------------------------------- measurements

const rows = [];
const row = (order, measurement, value, target, meets) => rows.push({ order, measurement, value, target, meets });
const verdict = (ok) => (ok === undefined ? "n/a" : ok ? "yes" : "**no**");

/** Server-reported durationMs of the trivial runs (the sandbox's share of the round trip). */
const serverDurations = [];

async function trivialRun(server) {
  const { value, ms: t } = await timed(() => server.call("run_code", { code: "export default 1" }));
  const body = structured(value);
  if (value.isError || body?.result !== 1) throw new Error(`trivial run failed: ${JSON.stringify(body).slice(0, 300)}`);
  serverDurations.push(body.durationMs);
  return t;
}

async function benchToolsList(server) {
  const listed = await server.client.listTools();
  const projection = listed.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
  const apiTokens = encode(JSON.stringify(projection)).length;
  const rawTokens = encode(JSON.stringify(listed)).length;
  log(`tools/list: ${listed.tools.map((t) => t.name).join(", ")}; ${apiTokens} tokens (API projection), ${rawTokens} raw`);
  row(1, "tools/list tokens (o200k, API projection `{name, description, input_schema}`); raw tools/list JSON", `${apiTokens} tokens; raw ${rawTokens} tokens`, "≤ 450 (projection)", verdict(apiTokens <= 450));
}

async function benchRunCode(server) {
  for (let i = 0; i < RUN_WARMUP; i++) await trivialRun(server);
  // The floor under any tool call: an MCP ping over the same stdio pipe.
  const pings = [];
  for (let i = 0; i < RUN_SAMPLES; i++) pings.push((await timed(() => server.client.ping())).ms);
  serverDurations.length = 0;
  const fresh = [];
  for (let i = 0; i < RUN_SAMPLES; i++) fresh.push(await trivialRun(server));
  const freshInServer = median(serverDurations);
  // A server an MCP client keeps open serves thousands of runs: measure it again once
  // its code paths are warm (JIT) on every worker.
  for (let i = 0; i < RUN_WARM_SERVER; i++) await trivialRun(server);
  serverDurations.length = 0;
  const samples = [];
  for (let i = 0; i < RUN_SAMPLES; i++) samples.push(await trivialRun(server));
  const inServer = median(serverDurations);
  const p50 = median(samples);
  const p99 = percentile(samples, 99);
  log(`run_code trivial, fresh server (runs ${RUN_WARMUP + 1}..${RUN_WARMUP + RUN_SAMPLES}): ${spread(fresh)} (durationMs p50 ${ms(freshInServer)}); after ${RUN_WARM_SERVER} more runs: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...samples))} (durationMs p50 ${ms(inServer)}); ping p50 ${ms(median(pings))}`);
  row(
    2,
    `run_code round trip \`export default 1\` over stdio (n=${RUN_SAMPLES}) on a warm server (after ${(RUN_WARMUP + RUN_SAMPLES + RUN_WARM_SERVER).toLocaleString("en-US")} runs); and on a fresh one (runs ${RUN_WARMUP + 1}..${RUN_WARMUP + RUN_SAMPLES})`,
    `warm p50 ${ms(p50)}; p99 ${ms(p99)} (sandbox \`durationMs\` p50 ${ms(inServer)}); fresh ${spread(fresh)}; MCP ping over the same pipe p50 ${ms(median(pings))}`,
    "p50 ≤ 2 ms",
    `${verdict(p50 <= 2)} warm; fresh ${verdict(median(fresh) <= 2)}`,
  );
  return p50;
}

async function benchRunCodeWhileSpinning(server, baselineP50) {
  let spinnerDone = false;
  const spinStarted = performance.now();
  const spinner = server
    .call("run_code", { code: "while (true) {}", timeoutMs: SPIN_TIMEOUT_MS })
    .then((r) => ({ r, ms: performance.now() - spinStarted }))
    .finally(() => (spinnerDone = true));
  await sleep(300); // let the spinner reach its worker and start spinning
  const samples = [];
  for (let i = 0; i < SPIN_SAMPLES; i++) samples.push(await trivialRun(server));
  const window = performance.now() - spinStarted;
  const overlapped = !spinnerDone;
  log(`run_code trivial while spinning: p50 ${ms(median(samples))}, p99 ${ms(percentile(samples, 99))} (n=${samples.length}, ${Math.round(window)} ms window, spinner still running: ${overlapped}); waiting for the spinner's ${SPIN_TIMEOUT_MS} ms timeout`);
  const spun = await spinner;
  const spinBody = structured(spun.r);
  const timedOut = spun.r.isError && /Timeout/i.test(spinBody?.error?.name ?? "");
  log(`spinner ended after ${Math.round(spun.ms)} ms: ${spinBody?.error?.name}: ${spinBody?.error?.message}`);
  if (!timedOut) problems.push(`the spinner did not end with a TimeoutError: ${JSON.stringify(spinBody).slice(0, 300)}`);
  if (spun.ms > SPIN_TIMEOUT_MS + 1_000) problems.push(`the spinner's ${SPIN_TIMEOUT_MS} ms timeout took ${Math.round(spun.ms)} ms to be reported`);
  // The server must still serve afterwards.
  await trivialRun(server);
  const p50 = median(samples);
  const ratio = p50 / baselineP50;
  row(
    3,
    `run_code round trip while another run_code spins \`while(true){}\` (n=${SPIN_SAMPLES}; spinner timeoutMs ${SPIN_TIMEOUT_MS}, ${overlapped ? "running throughout" : "**ended before the sample did**"}; it then timed out after ${Math.round(spun.ms)} ms)`,
    `p50 ${ms(p50)}; p99 ${ms(percentile(samples, 99))}; ${ratio.toFixed(2)}× row 2's p50`,
    "ratio < 2×",
    verdict(overlapped && ratio < 2),
  );
}

/** Saves integration `${prefix}-${n}` with a test through save_integration; returns the call's milliseconds. */
async function timedSave(server, prefix, n) {
  const name = `${prefix}-${n}`;
  const { value, ms: t } = await timed(() =>
    server.call("save_integration", {
      name,
      description: `Bench save number ${n} (${prefix})`,
      code: `export const f = (): number => ${n};`,
      test: `import { f } from "library/${name}";\nif (f() !== ${n}) throw new Error("expected ${n}, got " + f());`,
    }),
  );
  const body = structured(value);
  if (value.isError || body?.verified !== true) throw new Error(`save ${name} failed: ${JSON.stringify(body).slice(0, 300)}`);
  return t;
}

async function benchSaves(server) {
  const save = (n) => timedSave(server, "bench/save", n);
  for (let i = 0; i < SAVE_WARMUP; i++) await save(1_000 + i);
  const samples = [];
  for (let i = 0; i < SAVE_SAMPLES; i++) samples.push(await save(i));
  const p50 = median(samples);
  log(`save_integration: p50 ${ms(p50)}, p99 ${ms(percentile(samples, 99))} (n=${samples.length})`);
  row(4, `save_integration with a test (n=${SAVE_SAMPLES} distinct names after ${SAVE_WARMUP} warm-up; one git commit each)`, `p50 ${ms(p50)}; p99 ${ms(percentile(samples, 99))}`, "p50 ≤ 250 ms", verdict(p50 <= 250));
}

async function searchOnce(server, query) {
  const { value, ms: t } = await timed(() => server.call("search_library", { query }));
  if (value.isError && query !== "xyzzy frobnicate") throw new Error(`search '${query}' failed: ${JSON.stringify(structured(value)).slice(0, 300)}`);
  return { t, body: structured(value) };
}

/** Search p50/p99 over every query, SEARCH_ROUNDS rounds, after one warm-up round. */
async function benchSearch(server, target) {
  // The library's real size: the generated integrations plus the starters it was seeded with.
  const size = (await server.call("search_library", { query: "", limit: 1 })).structuredContent?.total ?? NaN;
  for (const q of SEARCH_QUERIES) await searchOnce(server, q);
  const samples = [];
  const perQuery = new Map(SEARCH_QUERIES.map((q) => [q, []]));
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    for (const q of SEARCH_QUERIES) {
      const { t } = await searchOnce(server, q);
      samples.push(t);
      perQuery.get(q).push(t);
    }
  }
  const top = (await searchOnce(server, "item 42 widget")).body;
  const first = top?.results?.[0]?.name;
  const rank = (top?.results ?? []).findIndex((r) => r.name === "bench/item-42") + 1;
  if (rank === 0 || rank > 5) problems.push(`search 'item 42 widget' at ${size} does not list 'bench/item-42' in its top 5 (first: '${first}')`);
  const slowest = [...perQuery].map(([q, s]) => [q, median(s)]).sort((a, b) => b[1] - a[1]);
  log(`search at ${size}: p50 ${ms(median(samples))}, p99 ${ms(percentile(samples, 99))} (n=${samples.length}); 'item 42 widget' total ${top?.total}, first ${first}, bench/item-42 at rank ${rank}; slowest query p50: ${slowest.slice(0, 3).map(([q, t]) => `'${q}' ${ms(t)}`).join(", ")}`);
  const p50 = median(samples);
  row(
    size > 5_000 ? 5.2 : 5.1,
    `search_library at ${size.toLocaleString("en-US")} integrations (n=${samples.length}: ${SEARCH_QUERIES.length} queries × ${SEARCH_ROUNDS}; slowest query '${slowest[0][0]}' p50 ${ms(slowest[0][1])})`,
    `p50 ${ms(p50)}; p99 ${ms(percentile(samples, 99))} (all queries); 'item 42 widget' alone p50 ${ms(median(perQuery.get("item 42 widget")))}`,
    target === undefined ? "(target is at 10k)" : `p50 ≤ ${target} ms (every query)`,
    target === undefined
      ? "n/a"
      : `${verdict(p50 <= target)} (all queries)${slowest[0][1] > target ? `; **no** for '${slowest[0][0]}'${slowest.filter(([, t]) => t > target).length > 1 ? ` and ${slowest.filter(([, t]) => t > target).length - 1} more` : ""}` : ""}`,
  );  return size;
}

/** Spawn → initialize → tools/list reply. */
async function coldStart(home, label) {
  const server = await startServer(home, label);
  await server.client.listTools(undefined, LONG);
  const t = performance.now() - server.spawnedAt;
  return { server, ms: t, connectMs: server.connectedAt - server.spawnedAt };
}

async function benchRss(server) {
  for (let i = 0; i < RSS_WARMUP; i++) await trivialRun(server);
  await sleep(200);
  const before = rssKb(server.pid);
  const t = performance.now();
  for (let i = 0; i < RSS_RUNS; i++) await trivialRun(server);
  const runsMs = performance.now() - t;
  const after = rssKb(server.pid);
  await sleep(1_000);
  const settled = rssKb(server.pid);
  const growth = after - before;
  log(`RSS: ${mb(before)} after ${RSS_WARMUP} warm-up runs, ${mb(after)} after ${RSS_RUNS} more (${Math.round(runsMs)} ms), ${mb(settled)} 1 s later`);
  row(
    7,
    `server RSS (VmRSS of pid ${server.pid}) after ${RSS_WARMUP} warm-up runs → after ${RSS_RUNS} more trivial runs`,
    `${mb(before)} → ${mb(after)} (growth ${mb(growth)}; ${mb(settled)} 1 s later)`,
    "growth ≤ 20 MB",
    verdict(growth <= 20 * 1024),
  );
  // Keep going on the same server to RSS_RUNS_LONG runs after the warm-up.
  const t2 = performance.now();
  const samples = [];
  for (let i = RSS_RUNS; i < RSS_RUNS_LONG; i++) samples.push(await trivialRun(server));
  const longMs = runsMs + (performance.now() - t2);
  const afterLong = rssKb(server.pid);
  await sleep(1_000);
  const settledLong = rssKb(server.pid);
  const growthLong = afterLong - before;
  log(`RSS: ${mb(afterLong)} after ${RSS_RUNS_LONG} runs (${Math.round(longMs)} ms; last ${samples.length} runs p50 ${ms(median(samples))}, p99 ${ms(percentile(samples, 99))}), ${mb(settledLong)} 1 s later`);
  row(
    7.1,
    `server RSS (VmRSS of pid ${server.pid}) after ${RSS_WARMUP} warm-up runs → after ${RSS_RUNS_LONG.toLocaleString("en-US")} more trivial runs (same server as above; ${(longMs / 1000).toFixed(1)} s)`,
    `${mb(before)} → ${mb(afterLong)} (growth ${mb(growthLong)}; ${mb(settledLong)} 1 s later; runs ${RSS_RUNS + 1}..${RSS_RUNS_LONG} round trip p50 ${ms(median(samples))}, p99 ${ms(percentile(samples, 99))})`,
    "growth ≤ 20 MB",
    verdict(growthLong <= 20 * 1024),
  );
}

// ---------------------------------------------------------------- added rows: floors, host calls, fetch, upstream, history

/** p50/p99 text of a sample. */
const spread = (s) => `p50 ${ms(median(s))}; p99 ${ms(percentile(s, 99))}`;

/** In-process floors: toolsmith's Sandbox in this process, and a bare QuickJS runtime+context. */
async function benchFloors(roundTripP50) {
  const code = "export default 1";
  const { Sandbox } = await import("../dist/sandbox/sandbox.js");
  const { defaultConfig } = await import("../dist/config/schema.js");
  const sb = new Sandbox(defaultConfig().limits);
  await sb.start();
  const sandboxSamples = [];
  try {
    const once = async () => {
      const { value, ms: t } = await timed(() => sb.run({ code }));
      if (value.result !== 1) throw new Error(`in-process Sandbox run failed: ${JSON.stringify(value).slice(0, 300)}`);
      return t;
    };
    const first = await sb.run({ code });
    if (first.result !== 1) throw new Error(`in-process Sandbox run returned ${JSON.stringify(first).slice(0, 300)}`);
    for (let i = 0; i < FLOOR_WARMUP; i++) await once();
    for (let i = 0; i < FLOOR_SAMPLES; i++) sandboxSamples.push(await once());
  } finally {
    await sb.close();
  }

  const { newQuickJSWASMModuleFromVariant } = await import("quickjs-emscripten-core");
  const { default: RELEASE_SYNC } = await import("@jitl/quickjs-wasmfile-release-sync");
  const qjs = await newQuickJSWASMModuleFromVariant(RELEASE_SYNC);
  const bare = () => {
    const t = performance.now();
    const rt = qjs.newRuntime();
    const ctx = rt.newContext();
    const r = ctx.evalCode(code, "m.js", { type: "module" });
    if (r.error) {
      const e = ctx.dump(r.error);
      r.error.dispose();
      ctx.dispose();
      rt.dispose();
      throw new Error(`bare QuickJS eval failed: ${JSON.stringify(e)}`);
    }
    r.value.dispose();
    ctx.dispose();
    rt.dispose();
    return performance.now() - t;
  };
  for (let i = 0; i < FLOOR_WARMUP; i++) bare();
  const bareSamples = [];
  for (let i = 0; i < FLOOR_SAMPLES; i++) bareSamples.push(bare());

  const sbP50 = median(sandboxSamples);
  const bareP50 = median(bareSamples);
  const vsSb = roundTripP50 / sbP50;
  const vsBare = roundTripP50 / bareP50;
  log(`floors: in-process Sandbox ${spread(sandboxSamples)}; bare QuickJS ${spread(bareSamples)}; round trip p50 ${ms(roundTripP50)} = ${vsSb.toFixed(2)}× Sandbox, ${vsBare.toFixed(2)}× bare QuickJS`);
  row(
    2.1,
    `in-process floors for \`export default 1\` (n=${FLOOR_SAMPLES} each after ${FLOOR_WARMUP} warm-up): toolsmith \`Sandbox.run\` in the bench process; bare QuickJS (fresh runtime+context, evalCode as a module, dispose)`,
    `Sandbox ${spread(sandboxSamples)}; bare QuickJS ${spread(bareSamples)}; row 2's round trip p50 ${ms(roundTripP50)} = ${vsSb.toFixed(2)}× the Sandbox floor, ${vsBare.toFixed(2)}× the bare QuickJS floor`,
    "round trip p50 ≤ 2 ms and ≤ 5× the bare QuickJS floor",
    `${verdict(roundTripP50 <= 2 && vsBare <= 5)} (≤ 2 ms: ${verdict(roundTripP50 <= 2)}; ≤ 5×: ${verdict(vsBare <= 5)})`,
  );
}

/** 1,000 sequential `await progress("x")` in one run, minus a trivial run, per call. */
async function benchHostCalls(server, trivialP50) {
  const code = `import { progress } from "toolsmith";\nfor (let i = 0; i < ${HOST_CALLS}; i++) await progress("x");\nexport default ${HOST_CALLS};`;
  const once = async () => {
    const { value, ms: t } = await timed(() => server.call("run_code", { code }));
    const body = structured(value);
    if (value.isError || body?.result !== HOST_CALLS) throw new Error(`host-call run failed: ${JSON.stringify(body).slice(0, 300)}`);
    return { t, d: body.durationMs };
  };
  await once();
  await once();
  const samples = [];
  const durations = [];
  for (let i = 0; i < HOST_CALL_SAMPLES; i++) {
    const { t, d } = await once();
    samples.push(t);
    durations.push(d);
  }
  const perCall = (v) => (v - trivialP50) / HOST_CALLS;
  const p50 = perCall(median(samples));
  const p99 = perCall(percentile(samples, 99));
  log(`host calls: run with ${HOST_CALLS} progress() ${spread(samples)} (durationMs p50 ${ms(median(durations))}); trivial p50 ${ms(trivialP50)} → ${(p50 * 1000).toFixed(1)} µs per call`);
  row(
    2.2,
    `host-call overhead: one run_code with ${HOST_CALLS.toLocaleString("en-US")} sequential \`await progress("x")\`, minus a trivial run, ÷ ${HOST_CALLS} (n=${HOST_CALL_SAMPLES} after 2 warm-up)`,
    `p50 ${(p50 * 1000).toFixed(1)} µs per call; p99 ${(p99 * 1000).toFixed(1)} µs (run p50 ${ms(median(samples))}, p99 ${ms(percentile(samples, 99))}; trivial p50 ${ms(trivialP50)} on the same server)`,
    "≤ 0.3 ms per call",
    verdict(p50 <= 0.3),
  );
}

/** Requests per second of one run's fetches against a local node:http server. */
async function benchFetch(server, port) {
  const url = `http://127.0.0.1:${port}/item`;
  const batches = Math.ceil(FETCH_TOTAL / FETCH_CONCURRENCY);
  const code = `let n = 0;
for (let b = 0; b < ${batches}; b++) {
  const replies = await Promise.all(Array.from({ length: ${FETCH_CONCURRENCY} }, () => fetch(${JSON.stringify(url)}).then((r) => r.json())));
  for (const r of replies) if (r.ok === true) n++;
}
export default n;`;
  const expected = batches * FETCH_CONCURRENCY;
  const once = async () => {
    const { value, ms: t } = await timed(() => server.call("run_code", { code, timeoutMs: 60_000 }));
    const body = structured(value);
    if (value.isError || body?.result !== expected) throw new Error(`fetch run failed: ${JSON.stringify(body).slice(0, 300)}`);
    return { t, d: body.durationMs };
  };
  await once();
  const rps = [];
  const rtRps = [];
  for (let i = 0; i < FETCH_SAMPLES; i++) {
    const { t, d } = await once();
    rps.push((expected / d) * 1000);
    rtRps.push((expected / t) * 1000);
  }
  const p50 = median(rps);
  log(`fetch: ${expected} requests, concurrency ${FETCH_CONCURRENCY}: ${rps.map((r) => Math.round(r)).join(", ")} req/s by durationMs (round trip: ${rtRps.map((r) => Math.round(r)).join(", ")})`);
  row(
    2.3,
    `fetch throughput: one run_code doing ${expected} \`fetch\`es of a tiny JSON from a local node:http server (127.0.0.1, allowed in config.network.allow), ${FETCH_CONCURRENCY} at a time via Promise.all (n=${FETCH_SAMPLES} runs after 1 warm-up)`,
    `median ${Math.round(p50)} req/s by the run's \`durationMs\` (min ${Math.round(Math.min(...rps))}, max ${Math.round(Math.max(...rps))}); by round trip median ${Math.round(median(rtRps))} req/s`,
    "none (reported)",
    "n/a",
  );
}

/** A direct client on server-memory vs. the same tool through run_code's `mcp/memory`. */
async function benchUpstream(server, memoryDir) {
  // Direct.
  const direct = await connectDirectMemory(memoryDir);
  const directSamples = [];
  try {
    const once = async () => {
      const { value, ms: t } = await timed(() => direct.callTool({ name: "read_graph", arguments: {} }, undefined, LONG));
      if (value.isError) throw new Error(`direct read_graph failed: ${JSON.stringify(value).slice(0, 300)}`);
      return t;
    };
    for (let i = 0; i < UPSTREAM_WARMUP; i++) await once();
    for (let i = 0; i < UPSTREAM_SAMPLES; i++) directSamples.push(await once());
  } finally {
    await direct.close().catch(() => undefined);
  }

  // Through toolsmith: wait for the upstream's tools to appear (it connects in the background).
  const deadline = performance.now() + 30_000;
  let seen = false;
  while (!seen && performance.now() < deadline) {
    const r = await server.call("search_library", { query: "read_graph memory" });
    seen = JSON.stringify(r).includes("mcp/memory");
    if (!seen) await sleep(200);
  }
  if (!seen) throw new Error("the memory upstream's tools did not appear in search_library within 30 s");
  const code = `import { read_graph } from "mcp/memory";\nexport default await read_graph({});`;
  const once = async () => {
    const { value, ms: t } = await timed(() => server.call("run_code", { code }));
    const body = structured(value);
    if (value.isError) throw new Error(`run_code read_graph failed: ${JSON.stringify(body).slice(0, 300)}`);
    return { t, d: body?.durationMs };
  };
  for (let i = 0; i < UPSTREAM_WARMUP; i++) await once();
  const viaSamples = [];
  const viaDurations = [];
  for (let i = 0; i < UPSTREAM_SAMPLES; i++) {
    const { t, d } = await once();
    viaSamples.push(t);
    viaDurations.push(d);
  }
  const ratio = median(viaSamples) / median(directSamples);
  log(`upstream read_graph: direct ${spread(directSamples)}; via run_code ${spread(viaSamples)} (durationMs p50 ${ms(median(viaDurations))}); ratio ${ratio.toFixed(2)}×`);

  // Per call inside code: UPSTREAM_LOOP sequential calls in one run vs the same number of
  // direct calls, each side timed as a whole. This is the cost code pays per upstream call
  // when it loops (the run_code round trip is paid once, and reported above).
  const loopCode = `import { read_graph } from "mcp/memory";\nlet n = 0;\nfor (let i = 0; i < ${UPSTREAM_LOOP}; i++) n += (await read_graph({})).entities.length >= 0 ? 1 : 0;\nexport default n;`;
  const viaLoop = [];
  const directLoop = [];
  const direct2 = await connectDirectMemory(memoryDir);
  try {
    const directOnce = async () => {
      const t = performance.now();
      for (let i = 0; i < UPSTREAM_LOOP; i++) {
        const r = await direct2.callTool({ name: "read_graph", arguments: {} }, undefined, LONG);
        if (r.isError) throw new Error(`direct read_graph failed: ${JSON.stringify(r).slice(0, 300)}`);
      }
      return (performance.now() - t) / UPSTREAM_LOOP;
    };
    const viaOnce = async () => {
      const { value, ms: t } = await timed(() => server.call("run_code", { code: loopCode }));
      const body = structured(value);
      if (value.isError || body?.result !== UPSTREAM_LOOP) throw new Error(`run_code read_graph loop failed: ${JSON.stringify(body).slice(0, 300)}`);
      return t / UPSTREAM_LOOP;
    };
    // Warm-up, interleaved and equal on both sides. The first loops are far slower on both
    // (V8 has not optimized the servers' and clients' code yet); they are logged, not sampled.
    const coldDirect = [];
    const coldVia = [];
    for (let i = 0; i < UPSTREAM_LOOP_WARMUP; i++) {
      coldDirect.push(await directOnce());
      coldVia.push(await viaOnce());
    }
    log(`upstream read_graph ×${UPSTREAM_LOOP} warm-up loops: direct ${coldDirect.map(ms).join(", ")}; via ${coldVia.map(ms).join(", ")}`);
    // Interleaved, so that both sides see the same machine.
    for (let i = 0; i < UPSTREAM_LOOP_SAMPLES; i++) {
      directLoop.push(await directOnce());
      viaLoop.push(await viaOnce());
    }
  } finally {
    await direct2.close().catch(() => undefined);
  }
  const loopRatio = median(viaLoop) / median(directLoop);
  log(`upstream read_graph ×${UPSTREAM_LOOP} in one run: per call direct ${spread(directLoop)}; via mcp/memory ${spread(viaLoop)}; ratio ${loopRatio.toFixed(2)}×`);
  row(
    2.4,
    `upstream call: @modelcontextprotocol/server-memory \`read_graph({})\`, a direct stdio client vs. code calling \`read_graph\` from \`mcp/memory\` through toolsmith. Per call: ${UPSTREAM_LOOP} sequential calls (one run_code, round trip included) vs ${UPSTREAM_LOOP} direct calls, each ÷ ${UPSTREAM_LOOP} (n=${UPSTREAM_LOOP_SAMPLES} interleaved after ${UPSTREAM_LOOP_WARMUP} warm-up loops each). Single call: one run_code per call (n=${UPSTREAM_SAMPLES} each after ${UPSTREAM_WARMUP} warm-up)`,
    `per call: direct ${spread(directLoop)}; through toolsmith ${spread(viaLoop)}; p50 ratio **${loopRatio.toFixed(2)}×**. Single call: direct ${spread(directSamples)}; one run_code ${spread(viaSamples)} (sandbox \`durationMs\` p50 ${ms(median(viaDurations))}); p50 ratio ${ratio.toFixed(2)}×`,
    "p50 ratio ≤ 1.5× (per call)",
    `${verdict(loopRatio <= 1.5)} per call; single call with its own run_code: ${verdict(ratio <= 1.5)}`,
  );
}

/** A 1.x client on its own server-memory process (over stdio), as a model's client would be. */
async function connectDirectMemory(memoryDir) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MEMORY_SERVER],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", MEMORY_FILE_PATH: join(memoryDir, "direct.jsonl") },
    stderr: "pipe",
  });
  transport.stderr?.on("data", () => undefined);
  const client = new Client({ name: "toolsmith-bench-direct", version: "0.0.1" });
  await client.connect(transport, LONG);
  return client;
}

/** Appends `count` one-file commits to the library's current branch with git fast-import. */
function addHistory(home, count) {
  const lib = join(home, "library");
  const branch = git(lib, ["symbolic-ref", "--short", "HEAD"]).trim();
  const tip = git(lib, ["rev-parse", "HEAD"]).trim();
  const chunks = [];
  const now = Math.floor(Date.now() / 1000) - count;
  for (let i = 0; i < count; i++) {
    const msg = `bench: history ${i}\n`;
    const content = `${i}\n`;
    chunks.push(
      `commit refs/heads/${branch}\ncommitter toolsmith-bench <bench@localhost> ${now + i} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}${i === 0 ? `from ${tip}\n` : ""}M 100644 inline history.txt\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  chunks.push("done\n");
  execFileSync("git", ["fast-import", "--quiet", "--done"], { cwd: lib, input: chunks.join(""), stdio: ["pipe", "ignore", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  git(lib, ["reset", "-q", "--hard", "HEAD"]);
}

async function benchSavesWithHistory(home) {
  const lib = join(home, "library");
  let commits = Number(git(lib, ["rev-list", "--count", "HEAD"]).trim());
  if (commits < HISTORY_COMMITS) {
    const t = performance.now();
    addHistory(home, HISTORY_COMMITS);
    commits = Number(git(lib, ["rev-list", "--count", "HEAD"]).trim());
    log(`fast-imported ${HISTORY_COMMITS} commits in ${Math.round(performance.now() - t)} ms; history now ${commits} commits`);
  }
  const server = await startServer(home, `library-history-${commits}`);
  try {
    await server.call("search_library", { query: "widget" });
    const save = (n) => timedSave(server, "bench/hsave", n);
    for (let i = 0; i < HISTORY_SAVE_WARMUP; i++) await save(1_000 + i);
    const samples = [];
    for (let i = 0; i < HISTORY_SAVE_SAMPLES; i++) samples.push(await save(i));
    const after = Number(git(lib, ["rev-list", "--count", "HEAD"]).trim());
    log(`save_integration with ${commits} commits: ${spread(samples)}; history now ${after} commits`);
    row(
      4.1,
      `save_integration with a test on a library of ${commits.toLocaleString("en-US")} commits (and the ${LARGE_N.toLocaleString("en-US")}-integration tree; n=${HISTORY_SAVE_SAMPLES} after ${HISTORY_SAVE_WARMUP} warm-up)`,
      spread(samples),
      "p50 ≤ 200 ms",
      verdict(median(samples) <= 200),
    );
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- main

/** Runs one added measurement; a failure is noted and the bench goes on. */
async function section(label, fn) {
  try {
    await fn();
  } catch (error) {
    problems.push(`${label} failed: ${error?.message ?? error}`);
    log(`${label} FAILED: ${error?.stack ?? error}`);
  }
}

async function main() {
  let roundTripP50 = NaN;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  log(`node ${process.version}, ${availableParallelism()} cpus, large library ${LARGE_N}`);

  // Rows 1-4: one fresh home with a small timeout so the spinner ends soon.
  {
    const home = makeHome("runs", { limits: { timeoutMs: SPIN_TIMEOUT_MS } });
    log(`starting a server on a fresh home (${home})`);
    const { value: server, ms: startMs } = await timed(() => startServer(home, "runs"));
    log(`fresh home: initialize answered ${Math.round(startMs)} ms after spawn (includes creating and seeding the library)`);
    try {
      await benchToolsList(server);
      const baseline = await benchRunCode(server);
      await benchRunCodeWhileSpinning(server, baseline);
      await benchSaves(server);
      roundTripP50 = baseline;
    } finally {
      await server.close();
    }
  }

  // Row 2.1: in-process floors (no server running meanwhile).
  await section("in-process floors", () => benchFloors(roundTripP50));

  // Rows 2.2-2.4: one home allowing the local HTTP server and configuring the memory upstream.
  {
    const http = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
    await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = http.address().port;
    const memoryDir = mkdtempSync(join(tmpdir(), "toolsmith-bench-memory-"));
    homes.push(memoryDir);
    const home = makeHome("io", {
      network: { allow: [`127.0.0.1:${port}`], maxRequestsPerRun: 10_000 },
      mcpServers: { memory: { command: process.execPath, args: [MEMORY_SERVER], env: { MEMORY_FILE_PATH: join(memoryDir, "via-toolsmith.jsonl") } } },
    });
    const server = await startServer(home, "io");
    try {
      for (let i = 0; i < RUN_WARMUP; i++) await trivialRun(server);
      const trivial = [];
      for (let i = 0; i < 100; i++) trivial.push(await trivialRun(server));
      await section("host calls", () => benchHostCalls(server, median(trivial)));
      await section("fetch", () => benchFetch(server, port));
      await section("upstream", () => benchUpstream(server, memoryDir));
    } finally {
      await server.close();
      await new Promise((resolve) => http.close(resolve));
    }
  }

  // Row 7: RSS on its own fresh server.
  {
    const home = makeHome("rss");
    const server = await startServer(home, "rss");
    try {
      await benchRss(server);
    } finally {
      await server.close();
    }
  }

  // Rows 5-6: a library of SMALL_N, then the same library grown to LARGE_N.
  const home = makeHome("library");
  {
    const t = performance.now();
    initHome(home);
    log(`seeded ${home} in ${Math.round(performance.now() - t)} ms; writing ${SMALL_N} integrations`);
    const w = performance.now();
    addIntegrations(home, 0, SMALL_N);
    log(`wrote and committed ${SMALL_N} integrations in ${Math.round(performance.now() - w)} ms`);
    const server = await startServer(home, `library-${SMALL_N}`);
    try {
      const ready = await timed(() => server.call("search_library", { query: "widget" }));
      log(`${SMALL_N}: initialize after ${Math.round(server.connectedAt - server.spawnedAt)} ms, first search ${Math.round(ready.ms)} ms`);
      await benchSearch(server, undefined);
    } finally {
      await server.close();
    }
  }
  {
    const w = performance.now();
    addIntegrations(home, SMALL_N, LARGE_N);
    log(`wrote and committed ${LARGE_N - SMALL_N} more integrations in ${Math.round(performance.now() - w)} ms`);
    // The first start computes every signature: drop the cache the 1,000-library start left.
    rmSync(join(home, "state", "signatures.json"), { force: true });
    const starts = [];
    let largeSize = LARGE_N;
    log(`cold start 1/${COLD_STARTS} (no signature cache)`);
    const first = await coldStart(home, `library-${LARGE_N}-cold1`);
    starts.push(first.ms);
    log(`cold start 1: tools/list after ${Math.round(first.ms)} ms (initialize after ${Math.round(first.connectMs)} ms)`);
    try {
      const ready = await timed(() => first.server.call("search_library", { query: "widget" }));
      log(`${LARGE_N}: first search ${Math.round(ready.ms)} ms`);
      largeSize = await benchSearch(first.server, 5);
    } finally {
      await first.server.close();
    }
    if (!existsSync(join(home, "state", "signatures.json"))) problems.push("state/signatures.json was not written after the first start");
    for (let i = 2; i <= COLD_STARTS; i++) {
      const s = await coldStart(home, `library-${LARGE_N}-cold${i}`);
      starts.push(s.ms);
      log(`cold start ${i}: tools/list after ${Math.round(s.ms)} ms`);
      await s.server.close();
    }
    await section("save_integration with history", () => benchSavesWithHistory(home));
    const warm = starts.slice(1);
    row(
      6,
      `cold start (spawn → tools/list reply) with ${largeSize.toLocaleString("en-US")} integrations (n=${COLD_STARTS}; 1st without signature cache, the rest with it)`,
      `median ${ms(median(starts))}; 1st (uncached) ${ms(starts[0])}; cached median ${ms(median(warm))}; all: ${starts.map((s) => Math.round(s)).join(", ")} ms`,
      "≤ 1 s (every start)",
      verdict(Math.max(...starts) <= 1_000),
    );
  }
}

function printTable() {
  const sorted = [...rows].sort((a, b) => a.order - b.order);
  const lines = ["| measurement | value | target | meets |", "| --- | --- | --- | --- |"];
  for (const r of sorted) lines.push(`| ${r.measurement} | ${r.value} | ${r.target} | ${r.meets} |`);
  const cpu = cpus()[0]?.model?.trim() ?? "unknown cpu";
  lines.push("");
  lines.push(`Machine: node ${process.version}, ${availableParallelism()} cpus (${cpu}), ${process.platform}/${process.arch}; total bench time ${((performance.now() - T0) / 1000).toFixed(0)} s.`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function cleanup() {
  for (const server of [...openServers]) await server.close();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${error?.stack ?? error}`);
} finally {
  await cleanup();
}
for (const p of problems) log(`problem: ${p}`);
printTable();
process.exitCode = exitCode;

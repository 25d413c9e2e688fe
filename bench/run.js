// toolsmith benchmark: drives the built server (dist/cli.js) over stdio with a real
// MCP client (@modelcontextprotocol/sdk 1.x), the way Claude Desktop would, and
// prints one markdown table on stdout. Progress goes to stderr.
//
//   npm run bench        (builds, then runs this file)
//   node bench/run.js    (after a build)
//
// Environment (optional): BENCH_LARGE_N (default 10000) sets the size of the big library.
import { execFileSync, spawnSync } from "node:child_process";
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
const RUN_WARMUP = 20;
const RUN_SAMPLES = 300;
const SPIN_SAMPLES = 150;
const SPIN_TIMEOUT_MS = 10_000; // config limits.timeoutMs of the spinner's home, and the spinner's own timeoutMs
const SAVE_WARMUP = 2;
const SAVE_SAMPLES = 40;
const SEARCH_ROUNDS = 30; // each round runs every query once
const COLD_STARTS = 5;
const RSS_WARMUP = 50;
const RSS_RUNS = 1_000;
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
  const lines = stderr.split("\n").filter((l) => l.trim() && !/serving MCP over stdio|created library repository|seeded the library/.test(l));
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
  row(1, "tools/list tokens (o200k, API projection `{name, description, input_schema}`); raw tools/list JSON", `${apiTokens} tokens; raw ${rawTokens} tokens`, "≤ 430 (projection)", verdict(apiTokens <= 430));
}

async function benchRunCode(server) {
  for (let i = 0; i < RUN_WARMUP; i++) await trivialRun(server);
  // The floor under any tool call: an MCP ping over the same stdio pipe.
  const pings = [];
  for (let i = 0; i < RUN_SAMPLES; i++) pings.push((await timed(() => server.client.ping())).ms);
  serverDurations.length = 0;
  const samples = [];
  for (let i = 0; i < RUN_SAMPLES; i++) samples.push(await trivialRun(server));
  const inServer = median(serverDurations);
  const p50 = median(samples);
  const p99 = percentile(samples, 99);
  log(`run_code trivial: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...samples))} (n=${samples.length}); server-reported durationMs p50 ${ms(inServer)}; ping p50 ${ms(median(pings))}`);
  row(
    2,
    `run_code round trip \`export default 1\` (n=${RUN_SAMPLES} after ${RUN_WARMUP} warm-up)`,
    `p50 ${ms(p50)}; p99 ${ms(p99)} (of which sandbox \`durationMs\` p50 ${ms(inServer)}; MCP ping p50 ${ms(median(pings))}, n=${RUN_SAMPLES})`,
    "p50 ≤ 3 ms",
    verdict(p50 <= 3),
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

async function benchSaves(server) {
  const save = async (n) => {
    const name = `bench/save-${n}`;
    const { value, ms: t } = await timed(() =>
      server.call("save_integration", {
        name,
        description: `Bench save number ${n}`,
        code: `export const f = (): number => ${n};`,
        test: `import { f } from "library/${name}";\nif (f() !== ${n}) throw new Error("expected ${n}, got " + f());`,
      }),
    );
    const body = structured(value);
    if (value.isError || body?.verified !== true) throw new Error(`save ${name} failed: ${JSON.stringify(body).slice(0, 300)}`);
    return t;
  };
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
    target === undefined ? "(target is at 10k)" : `p50 ≤ ${target} ms`,
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
}

// ---------------------------------------------------------------- main

async function main() {
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
    } finally {
      await server.close();
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
      largeSize = await benchSearch(first.server, 10);
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
    const warm = starts.slice(1);
    row(
      6,
      `cold start (spawn → tools/list reply) with ${largeSize.toLocaleString("en-US")} integrations (n=${COLD_STARTS}; 1st without signature cache, the rest with it)`,
      `median ${ms(median(starts))}; 1st (uncached) ${ms(starts[0])}; cached median ${ms(median(warm))}; all: ${starts.map((s) => Math.round(s)).join(", ")} ms`,
      "none (reported)",
      "n/a",
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

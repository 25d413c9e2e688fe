// Start to the first answered search at a large library (issue #18's start-time targets).
//
//   node bench/search-start.js            (BENCH_N=10000 integrations, BENCH_RUNS=3 starts each)
//
// Builds a home whose library has N integrations, each committed with its declarations
// (`<name>.d.ts`), then measures spawn → first search_library reply over stdio, with a
// real MCP client:
//   1. "first start": nothing in state/ yet (index and records built from the files);
//   2. "unchanged": a restart with nothing changed since the last start (median of BENCH_RUNS);
//   3. "pulled": N more integrations with their declarations arrive as one new commit
//      (what a git pull fast-forward does) before each start (median of BENCH_RUNS).
// Prints every sample and the medians.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli.js");
const N = Number(process.env.BENCH_N ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LONG = { timeout: 600_000 };
const NOUNS = ["invoice", "ticket", "order", "widget", "customer", "payment", "shipment", "report"];
const VERBS = ["List", "Fetch", "Sync", "Export"];

const median = (s) => [...s].sort((a, b) => a - b)[Math.floor((s.length - 1) / 2)];
const log = (line) => process.stderr.write(`${line}\n`);
const git = (cwd, args) => execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });

function integration(i) {
  const noun = NOUNS[i % NOUNS.length];
  const verb = VERBS[(i * 3) % VERBS.length];
  const type = `${noun[0].toUpperCase()}${noun.slice(1)}${i}`;
  const fn = `${verb.toLowerCase()}${type}`;
  const code = `/** A ${noun}. */
export interface ${type} { id: string; name: string; quantity: number }
/** ${verb} ${noun}s (${i}). */
export async function ${fn}(id: string, options?: { limit?: number }): Promise<${type}[]> {
  return Array.from({ length: options?.limit ?? 3 }, (_, k) => ({ id: \`\${id}-\${k}\`, name: "${noun}", quantity: k }));
}
`;
  const dts = `/** A ${noun}. */
export interface ${type} {
    id: string;
    name: string;
    quantity: number;
}
/** ${verb} ${noun}s (${i}). */
export declare function ${fn}(id: string, options?: {
    limit?: number;
}): Promise<${type}[]>;
`;
  const test = `import { ${fn} } from "library/bench/item-${i}";\nif ((await ${fn}("a")).length !== 3) throw new Error("wrong");\n`;
  const meta = { description: `${verb} ${noun}s from the ${noun} service (${i})`, tags: [noun], hosts: [], secrets: [], verified: true };
  return { name: `bench/item-${i}`, code, dts, test, meta };
}

function addIntegrations(lib, from, to) {
  mkdirSync(join(lib, "bench"), { recursive: true });
  for (let i = from; i < to; i++) {
    const it = integration(i);
    const base = join(lib, it.name);
    writeFileSync(`${base}.ts`, it.code);
    writeFileSync(`${base}.d.ts`, it.dts);
    writeFileSync(`${base}.test.ts`, it.test);
    writeFileSync(`${base}.meta.json`, `${JSON.stringify(it.meta, null, 2)}\n`);
  }
  git(lib, ["add", "-A"]);
  git(lib, ["commit", "-q", "--no-verify", "-m", `bench: add integrations ${from}..${to - 1}`]);
}

/** Spawn → initialize → first search reply, in ms. */
async function firstSearch(home, query) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env: { TOOLSMITH_HOME: home, PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" }, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (c) => (stderr += c));
  const client = new Client({ name: "search-start-bench", version: "0.0.1" });
  const t0 = performance.now();
  try {
    await client.connect(transport, LONG);
    const reply = await client.callTool({ name: "search_library", arguments: { query } }, undefined, LONG);
    const ms = performance.now() - t0;
    const body = reply.structuredContent;
    if (reply.isError || !body?.results?.length) throw new Error(`search failed: ${JSON.stringify(reply).slice(0, 400)} ${stderr}`);
    return { ms, body };
  } finally {
    await client.close().catch(() => undefined);
  }
}

const home = mkdtempSync(join(tmpdir(), "toolsmith-search-start-"));
try {
  execFileSync(process.execPath, [CLI, "log"], { env: { ...process.env, TOOLSMITH_HOME: home }, stdio: "ignore" });
  const lib = join(home, "library");
  let t = performance.now();
  addIntegrations(lib, 0, N);
  log(`wrote and committed ${N} integrations with declarations in ${Math.round(performance.now() - t)} ms`);
  const first = await firstSearch(home, "invoice 42");
  log(`first start (empty state/): ${Math.round(first.ms)} ms; total ${first.body.total}, first result ${first.body.results[0].name}`);
  const unchanged = [];
  for (let r = 0; r < RUNS; r++) unchanged.push((await firstSearch(home, "invoice 42")).ms);
  const pulled = [];
  for (let r = 0; r < RUNS; r++) {
    const from = N * (r + 1);
    t = performance.now();
    addIntegrations(lib, from, from + N);
    log(`pulled ${N} more (${from}..${from + N - 1}) in ${Math.round(performance.now() - t)} ms`);
    const s = await firstSearch(home, `ticket ${from + 1}`);
    if (s.body.results[0].name !== `bench/item-${from + 1}`) log(`warning: 'ticket ${from + 1}' ranked ${s.body.results[0].name} first`);
    pulled.push(s.ms);
  }
  log(`unchanged: ${unchanged.map(Math.round).join(", ")} ms`);
  log(`pulled:    ${pulled.map(Math.round).join(", ")} ms (libraries of ${[...Array(RUNS).keys()].map((r) => (r + 2) * N).join(", ")})`);
  process.stdout.write(`${JSON.stringify({ n: N, firstStartMs: Math.round(first.ms), unchangedMedianMs: Math.round(median(unchanged)), pulledMedianMs: Math.round(median(pulled)), unchanged: unchanged.map(Math.round), pulled: pulled.map(Math.round) })}\n`);
} catch (error) {
  log(`FAILED: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}

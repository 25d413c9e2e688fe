// Start to the first answered search at a large library (issue #18's start-time targets).
//
//   node bench/search-start.js            (BENCH_N=10000 integrations, BENCH_RUNS=3 starts each)
//
// Every start is a real `dist/cli.js` process over stdio with a real MCP client: spawn →
// initialize → first search_library reply. Integrations are committed with their
// declarations (`<name>.d.ts`), as saves write them.
//   1. "unchanged": a library of N, restarted with nothing changed since the last start
//      (whose session lasted long enough for the idle compiler warm-up, as a real one does);
//   2. "pulled": a library of N that all came in by one commit (what a git pull fast-forward
//      does) since the last start, which saw only the starters (median of BENCH_RUNS copies);
//   3. "pulled onto N": N more arrive on top of a library of N (a library of 2N; reported too);
//   4. "first start": a library of N with nothing in state/ at all.
// Prints every sample and the medians.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  // No background gc (it would move objects while the home is copied); packed at once, as a pull brings them.
  git(lib, ["-c", "gc.auto=0", "commit", "-q", "--no-verify", "-m", `bench: add integrations ${from}..${to - 1}`]);
  git(lib, ["gc", "--quiet"]);
}

/** Spawn → initialize → first search reply, in ms; the client stays connected `settleMs` more (the server's idle work runs). */
async function firstSearch(home, query, settleMs = 0) {
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
    if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
    return { ms, body };
  } finally {
    await client.close().catch(() => undefined);
  }
}

const work = mkdtempSync(join(tmpdir(), "toolsmith-search-start-"));
const copy = (from, to) => {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  return to;
};
try {
  // A home whose last start saw only the starters (its snapshot saved), then N integrations pulled.
  const base = join(work, "base");
  execFileSync(process.execPath, [CLI, "log"], { env: { ...process.env, TOOLSMITH_HOME: base }, stdio: "ignore" });
  await firstSearch(base, "csv", 3_000);
  const pulledHome = copy(base, join(work, "pulled"));
  let t = performance.now();
  addIntegrations(join(pulledHome, "library"), 0, N);
  log(`wrote and committed ${N} integrations with declarations in ${Math.round(performance.now() - t)} ms`);
  const pulled = [];
  for (let r = 0; r < RUNS; r++) {
    const home = copy(pulledHome, join(work, "run"));
    const s = await firstSearch(home, "ticket 1");
    if (s.body.results[0].name !== "bench/item-1") log(`warning: 'ticket 1' ranked ${s.body.results[0].name} first`);
    pulled.push(s.ms);
  }
  // The last run's home: a library of N whose next start has nothing new. Its session lasts a few seconds (the server saves the snapshot with what search reads of every declaration file once the compiler is warm).
  const home = join(work, "run");
  await firstSearch(home, "invoice 42", 8_000);
  const unchanged = [];
  for (let r = 0; r < RUNS; r++) unchanged.push((await firstSearch(home, "invoice 42")).ms);
  // N more on top of that library (2N).
  const onto = [];
  const ontoHome = copy(home, join(work, "onto"));
  addIntegrations(join(ontoHome, "library"), N, 2 * N);
  for (let r = 0; r < RUNS; r++) {
    const s = await firstSearch(copy(ontoHome, join(work, "run-onto")), `ticket ${N + 1}`);
    if (s.body.results[0].name !== `bench/item-${N + 1}`) log(`warning: 'ticket ${N + 1}' ranked ${s.body.results[0].name} first`);
    onto.push(s.ms);
  }
  // Nothing in state/ at all.
  const fresh = copy(pulledHome, join(work, "fresh"));
  rmSync(join(fresh, "state"), { recursive: true, force: true });
  const first = await firstSearch(fresh, "invoice 42");
  log(`unchanged (library of ${N}):      ${unchanged.map(Math.round).join(", ")} ms`);
  log(`pulled (all ${N} new):             ${pulled.map(Math.round).join(", ")} ms`);
  log(`pulled onto ${N} (library of ${2 * N}): ${onto.map(Math.round).join(", ")} ms`);
  log(`first start (empty state/):        ${Math.round(first.ms)} ms`);
  process.stdout.write(`${JSON.stringify({ n: N, unchangedMedianMs: Math.round(median(unchanged)), pulledMedianMs: Math.round(median(pulled)), pulledOntoMedianMs: Math.round(median(onto)), firstStartMs: Math.round(first.ms), unchanged: unchanged.map(Math.round), pulled: pulled.map(Math.round), pulledOnto: onto.map(Math.round) })}\n`);
} catch (error) {
  log(`FAILED: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

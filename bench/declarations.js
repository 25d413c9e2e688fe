// Declarations and type diagnostics, warm: how long a save would spend in the TypeScript
// compiler for a realistic 300-line integration, with a library of 1,000 integrations
// whose declarations are available to import. Prints one markdown table on stdout.
//
//   npm run build && node bench/declarations.js
//
// Each sample changes the module (as every save does), so nothing is answered from the
// last-program memo; the ES libraries, the sandbox world and the library's declarations
// are parsed once and shared, as they are in the server.
//
// Measured 2026-12 on the shared 2-core dev machine (node 20, 332-line module): at load
// average 3.4, p50 72 ms for diagnose, 45 ms for emitDeclarations, 54-61 ms for both
// (one program), p90 ≤ 108 ms; at load average 11-12 the same steps took p50 115-280 ms
// of wall time for 75-130 ms of CPU. Reading a stored .d.ts (outline, declarationsOf): ~1 ms.
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { declarationsOf, emitDeclarations, outlineFromDeclarations } from "../dist/library/declarations.js";
import { diagnose } from "../dist/library/type-diagnostics.js";

const LIBRARY_SIZE = 1_000;
/** Calls before any measurement (the checker's code gets optimized), then per step. */
const GLOBAL_WARMUP = 30;
const WARMUP = 10;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);

/** A stub declaration file like the ones the compiler writes for a small integration. */
function stubDeclarations(i) {
  return `/** A record of service ${i}. */
export interface Item${i} {
    id: string;
    name: string;
    tags: string[];
    updatedAt: string;
}
/** Options for service ${i}. */
export interface Options${i} {
    baseUrl?: string;
    pageSize?: number;
}
/**
 * Lists the items of service ${i}.
 * Pages through the API until the end.
 */
export declare function listItems${i}(opts?: Options${i}): Promise<Item${i}[]>;
export declare function getItem${i}(id: string, opts?: Options${i}): Promise<Item${i} | undefined>;
export declare const count${i}: (opts?: Options${i}) => Promise<number>;
`;
}

/** A realistic integration of about 300 lines: types, a client class, a dozen exports, helpers, imports of 3 integrations. */
function module300(variant) {
  const lines = [
    `import { secret, sleep, workspace, progress } from "toolsmith";`,
    `import { listItems7, type Item7 } from "library/service-7";`,
    `import { getItem42 } from "library/service-42";`,
    `import * as s900 from "library/service-900";`,
    ``,
    `/** Where the tracker lives. */`,
    `const BASE = "https://tracker.example.com/api/v${variant % 3}";`,
    `const PAGE_SIZE = ${50 + (variant % 7)};`,
    ``,
    `/** An issue in the tracker. */`,
    `export interface Issue {`,
    `  id: number;`,
    `  title: string;`,
    `  state: "open" | "closed";`,
    `  priority: number;`,
    `  labels: string[];`,
    `  assignee?: { login: string; name?: string };`,
    `  createdAt: string;`,
    `  updatedAt: string;`,
    `}`,
    ``,
    `/** Filters for listing issues. */`,
    `export interface Query {`,
    `  state?: "open" | "closed";`,
    `  priorities?: number[];`,
    `  assignee?: string;`,
    `  label?: string;`,
    `  since?: string;`,
    `}`,
    ``,
    `interface Page<T> { items: T[]; next?: string }`,
    ``,
    `/** Raised when the tracker answers with an error status. */`,
    `export class TrackerError extends Error {`,
    `  constructor(message: string, readonly status: number, readonly body?: string) {`,
    `    super(message);`,
    `  }`,
    `  get isAuth() { return this.status === 401 || this.status === 403; }`,
    `}`,
    ``,
    `/** A small client with retries. */`,
    `export class TrackerClient {`,
    `  private calls = 0;`,
    `  constructor(private readonly base = BASE, private readonly retries = 3) {}`,
    `  async get<T>(path: string, params?: Record<string, string>): Promise<T> {`,
    `    const url = new URL(this.base + path);`,
    `    for (const [k, v] of Object.entries(params ?? {})) url.searchParams.set(k, v);`,
    `    for (let attempt = 0; ; attempt++) {`,
    `      this.calls++;`,
    `      const r = await fetch(url, { headers: { authorization: "Bearer " + secret("TRACKER_TOKEN"), accept: "application/json" } });`,
    `      if (r.status === 429 && attempt < this.retries) { await sleep(2 ** attempt * 100); continue; }`,
    `      if (!r.ok) throw new TrackerError(\`GET \${path} failed\`, r.status, await r.text());`,
    `      return (await r.json()) as T;`,
    `    }`,
    `  }`,
    `  get callCount() { return this.calls; }`,
    `}`,
    ``,
    `const client = new TrackerClient();`,
    ``,
  ];
  // A dozen exported functions with helpers, like an integration that grew over a few sessions.
  for (let i = 0; i < 12; i++) {
    lines.push(
      `/**`,
      ` * Operation ${i}: lists issues and derives a summary.`,
      ` * Stops after ${i + 2} pages.`,
      ` */`,
      `export const operation${i} = async (query: Query = {}, limit = ${10 + i}) => {`,
      `  const out: Issue[] = [];`,
      `  let next: string | undefined = "/issues";`,
      `  for (let page = 0; next && page < ${i + 2}; page++) {`,
      `    const body: Page<Issue> = await client.get<Page<Issue>>(next, { state: query.state ?? "open", per_page: String(PAGE_SIZE) });`,
      `    out.push(...body.items.filter((issue) => !query.label || issue.labels.includes(query.label)));`,
      `    next = body.next;`,
      `    await progress("page " + page, page, ${i + 2});`,
      `  }`,
      `  const byPriority = Object.groupBy(out, (issue) => String(issue.priority));`,
      `  return { total: out.length, top: out.slice(0, limit).map((x) => ({ id: x.id, title: x.title })), byPriority };`,
      `};`,
      ``,
      `function helper${i}(items: Item7[], factor: number) {`,
      `  return items.filter((it) => it.tags.length > ${i % 3}).map((it) => ({ ...it, score: it.name.length * factor }));`,
      `}`,
      ``,
    );
  }
  lines.push(
    `/** Items of service 7 scored for the report. */`,
    `export async function scoredItems(factor = 2) {`,
    `  const items = await listItems7({ pageSize: PAGE_SIZE });`,
    `  return helper0(items, factor).concat(helper1(items, factor));`,
    `}`,
    ``,
    `/** Looks an item up in service 42, and counts service 900's. */`,
    `export async function lookup(id: string) {`,
    `  const [item, count] = await Promise.all([getItem42(id), s900.count900()]);`,
    `  return item ? { ...item, siblings: count } : undefined;`,
    `}`,
    ``,
    `/** Saves a snapshot of open issues to the workspace and returns where. */`,
    `export async function snapshot(query?: Query) {`,
    `  const summary = await operation0(query);`,
    `  const written = await workspace.writeJson("tracker/snapshot.json", summary);`,
    `  return { path: written.path, bytes: written.bytes, total: summary.total };`,
    `}`,
    ``,
    `export default { operation0, operation1, scoredItems, lookup, snapshot };`,
  );
  return lines.join("\n");
}

const library = new Map(Array.from({ length: LIBRARY_SIZE }, (_, i) => [`service-${i}`, stubDeclarations(i)]));
const importable = { library };

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Wall time is what a save waits; CPU time (this process, all threads) shows how much of it
// is the compiler's own work when the machine is shared.
function measure(label, fn) {
  for (let i = 0; i < WARMUP; i++) fn(-1 - i);
  const times = [];
  const cpu = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    fn(i);
    const used = process.cpuUsage(startCpu);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { label, p50: percentile(times, 50), p90: percentile(times, 90), cpu50: percentile(cpu, 50) };
}

const code0 = module300(0);
const lineCount = code0.split("\n").length;
let start = performance.now();
const first = emitDeclarations({ name: "tracker", code: code0, importable });
const coldMs = performance.now() - start;
if (first.warnings.length || !first.dts.includes("operation11")) throw new Error(`unexpected declarations: ${first.warnings.join("; ")}`);
const firstDiagnostics = diagnose({ code: code0, filename: "tracker.ts", importable });
if (firstDiagnostics.length) throw new Error(`unexpected diagnostics: ${JSON.stringify(firstDiagnostics)}`);

// Each sample is a different module text (as every save is): a changed constant and a trailing comment.
const variant = (i) => `${module300(i + 1000)}\n// sample ${i}\n`;
for (let i = 0; i < GLOBAL_WARMUP; i++) {
  const code = variant(-100 - i);
  diagnose({ code, filename: "tracker.ts", importable });
  emitDeclarations({ name: "tracker", code, importable });
}
const rows = [
  measure("diagnose (type check)", (i) => diagnose({ code: variant(i), filename: "tracker.ts", importable })),
  measure("emitDeclarations (check + emit + outline)", (i) => emitDeclarations({ name: "tracker", code: variant(i), importable })),
  measure("diagnose + emitDeclarations (one save)", (i) => {
    const code = variant(i);
    diagnose({ code, filename: "tracker.ts", importable });
    emitDeclarations({ name: "tracker", code, importable });
  }),
  measure("outlineFromDeclarations (stored .d.ts)", () => outlineFromDeclarations(first.dts)),
  measure("declarationsOf 2 exports (stored .d.ts)", () => declarationsOf(first.dts, ["operation3", "lookup"])),
];

const f = (n) => n.toFixed(1);
console.log(`Declarations bench: a ${lineCount}-line module importing 3 of ${LIBRARY_SIZE} integrations; ${SAMPLES} samples per step after ${GLOBAL_WARMUP} + ${WARMUP} warm-up calls; node ${process.version}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores.`);
console.log(`First call (loads TypeScript, parses its ES libraries and the sandbox world): ${f(coldMs)} ms.\n`);
console.log("| step | p50 ms | p90 ms | p50 CPU ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.label} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.cpu50)} |`);

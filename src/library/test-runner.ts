import type { LogEntry } from "../sandbox/protocol.js";
import type { RunReport } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { LibraryStore } from "./library-store.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-deps.js";
import type { RunSpans } from "../telemetry/run-trace.js";

export interface TestRun {
  report: RunReport;
  /** The first request beyond what the integration declared, if the test made one. */
  undeclared?: string;
  /** Checks the test made through `library/testing/assert` (0 when it used none; read after a passing run). */
  assertions: number;
}

/** The name the test has as a module: its errors report line and column in it. */
export const TEST_MODULE = "test.ts";
const ASSERT_MODULE = `${LIBRARY_PREFIX}testing/assert`;

/**
 * What the sandbox runs: the test as a module, then the count of checks kept by
 * `library/testing/assert` (one module instance per run, so the test's checks are the
 * ones counted, whether or not the test exports anything). A library without that
 * module, or one without `checkCount`, counts nothing.
 */
const TEST_WRAPPER = `import "${TEST_MODULE}";
let checks = 0;
try {
  const count = (await import("${ASSERT_MODULE}")).checkCount();
  if (typeof count === "number") checks = count;
} catch {}
export default { checks };
`;

/**
 * Runs an integration's test in the sandbox, with `overrides` (candidates under their
 * final names) taking precedence over the library, and the network limited to what
 * the integration and its imports declare.
 */
export async function runIntegrationTest(
  deps: SaveDeps,
  test: string,
  overrides: ReadonlyMap<string, CompiledModule>,
  own: { hosts: string[]; secrets: string[]; imports: string[] },
  trigger?: { kind: "save" | "test"; id: string },
): Promise<TestRun> {
  if (!deps.traceRun || !trigger) return testRun(deps, test, overrides, own);
  let run: TestRun | undefined;
  // The integration under test and what it imports from the library: the run's integrations in `toolsmith runs`.
  const modules = [`${LIBRARY_PREFIX}${trigger.id}`, ...own.imports.filter((i) => i.startsWith(LIBRARY_PREFIX))];
  await deps.traceRun(trigger, async (trace) => {
    run = await testRun(deps, test, overrides, own, trace);
    return { report: run.report, modules };
  });
  return run!;
}

async function testRun(deps: SaveDeps, test: string, overrides: ReadonlyMap<string, CompiledModule>, own: { hosts: string[]; secrets: string[]; imports: string[] }, trace?: RunSpans): Promise<TestRun> {
  const declared = declaredByImports(deps.store, own.imports, { hosts: [...own.hosts], secrets: [...own.secrets] });
  const compiled = await deps.sandbox.compile(test, TEST_MODULE);
  if (!compiled.ok) return { report: { ok: false, error: compiled.error, logs: [], durationMs: 0 }, assertions: 0 };
  const bridgeRun = deps.bridge?.forRun({ declared, trace });
  const report = await deps.sandbox.run({
    code: TEST_WRAPPER,
    positionsIn: TEST_MODULE,
    modules: deps.modules ?? deps.store,
    overrides: new Map([...overrides, [TEST_MODULE, compiled.module]]),
    host: bridgeRun,
  });
  const assertions = report.ok ? Number((report.result as { checks?: unknown } | null)?.checks ?? 0) || 0 : 0;
  return { report, undeclared: bridgeRun?.undeclared[0], assertions };
}

/** Hosts and secrets declared by `own` and by every library integration reachable through `imports`. */
function declaredByImports(store: LibraryStore, imports: string[], own: { hosts: string[]; secrets: string[] }): { hosts: string[]; secrets: string[] } {
  const hosts = new Set(own.hosts);
  const secrets = new Set(own.secrets);
  const seen = new Set<string>();
  const pending = [...imports];
  while (pending.length) {
    const specifier = pending.pop()!;
    if (seen.has(specifier) || !specifier.startsWith(LIBRARY_PREFIX)) continue;
    seen.add(specifier);
    const record = store.get(specifier.slice(LIBRARY_PREFIX.length));
    if (!record) continue;
    record.meta.hosts.forEach((h) => hosts.add(h));
    record.meta.secrets.forEach((s) => secrets.add(s));
    const compiled = store.resolve(specifier);
    if (compiled?.ok) pending.push(...compiled.module.imports.map((i) => i.specifier));
  }
  return { hosts: [...hosts], secrets: [...secrets] };
}

/** Lines of the test's log the result keeps: the last ones, whole, within a character budget. */
const TEST_LOG_TAIL_LINES = 10;
const TEST_LOG_TAIL_CHARS = 1_000;

/** The end of a test's log, whole lines only ("[warn] " marks a level other than log); a single longer line keeps its end, from a space. */
export function logTail(logs: readonly LogEntry[]): string[] {
  const tail: string[] = [];
  let used = 0;
  for (let i = logs.length - 1; i >= 0 && tail.length < TEST_LOG_TAIL_LINES; i--) {
    const entry = logs[i]!;
    let line = entry.level === "log" ? entry.text : `[${entry.level}] ${entry.text}`;
    if (used + line.length > TEST_LOG_TAIL_CHARS) {
      if (tail.length) break;
      const from = line.indexOf(" ", line.length - TEST_LOG_TAIL_CHARS);
      line = `… ${line.slice(from === -1 ? line.length - TEST_LOG_TAIL_CHARS : from + 1)}`;
    }
    tail.unshift(line);
    used += line.length;
  }
  return tail;
}

import { redactDeep } from "../bridge/secrets/redact-deep.js";
import type { RunReport } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { LibraryStore } from "./library-store.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-integration.js";

export interface TestRun {
  report: RunReport;
  /** The first request beyond what the integration declared, if the test made one. */
  undeclared?: string;
}

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
): Promise<TestRun> {
  const declared = declaredByImports(deps.store, own.imports, { hosts: [...own.hosts], secrets: [...own.secrets] });
  const bridgeRun = deps.bridge?.forRun({ declared });
  const raw = await deps.sandbox.run({
    code: test,
    modules: deps.modules ?? deps.store,
    overrides,
    hostFunctions: bridgeRun?.hostFunctions,
    onHostCall: bridgeRun?.onHostCall,
    secretNames: bridgeRun?.secretNames,
    secretNonce: bridgeRun?.secretNonce,
  });
  return { report: deps.bridge ? redactDeep(raw, deps.bridge.vault) : raw, undeclared: bridgeRun?.undeclared[0] };
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

/** What a test made of `library/testing/assert`, read after it ran; absent when it did not import it. */
const ASSERT_MODULE = `${LIBRARY_PREFIX}testing/assert`;

export interface CountedTestRun extends TestRun {
  /** Checks made through `library/testing/assert` (its `checkCount()`); 0 when the test made none. */
  assertions: number;
}

/**
 * Runs an integration's test as `runIntegrationTest` does, as the module `<name>.test.ts`
 * under a small main module that then reads `checkCount()` of `library/testing/assert`
 * (the same module instance the test used). Errors are positioned in the test.
 */
export async function runCountedTest(
  deps: SaveDeps,
  name: string,
  test: string,
  overrides: ReadonlyMap<string, CompiledModule>,
  own: { hosts: string[]; secrets: string[]; imports: string[] },
): Promise<CountedTestRun> {
  const testFile = `${name}.test.ts`;
  const compiled = await deps.sandbox.compile(test, testFile);
  if (!compiled.ok) {
    const run = await runIntegrationTest(deps, test, overrides, own);
    return { ...run, assertions: 0 };
  }
  const withTest = new Map(overrides);
  withTest.set(testFile, compiled.module);
  const main = [
    `import ${JSON.stringify(testFile)};`,
    "let assertions = 0;",
    `try { assertions = (await import(${JSON.stringify(ASSERT_MODULE)})).checkCount(); } catch {}`,
    "export default { assertions };",
  ].join("\n");
  const run = await runIntegrationTest(deps, main, withTest, own);
  if (!run.report.ok) return { ...run, assertions: 0 };
  const result = run.report.result as { assertions?: unknown } | null;
  return { ...run, assertions: typeof result?.assertions === "number" ? result.assertions : 0 };
}

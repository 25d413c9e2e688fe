import type { ModuleSource } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { RunErrorInfo } from "../sandbox/sandbox.js";
import type { LibraryStore, MetadataUpdate } from "./library-store.js";
import { IntegrationMetaSchema } from "./metadata.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-deps.js";
import { runIntegrationTest } from "./test-runner.js";

export interface DependentResult {
  name: string;
  /** Whether its test passed against the new version (null: it has no test). */
  passed: boolean | null;
  error?: string;
}

/** Integrations that import `name`, directly or through others, nearest first. */
export function findDependents(store: LibraryStore, name: string): string[] {
  const found: string[] = [];
  const seen = new Set([name]);
  let frontier = [name];
  while (frontier.length) {
    // A textual check: exact enough because import specifiers are string literals. The
    // store keeps which code mentions which name, so this costs nothing per integration.
    const mentioning = new Set<string>();
    for (const target of frontier) for (const importer of store.importersOf(target)) if (!seen.has(importer)) mentioning.add(importer);
    if (mentioning.size === 0) break;
    const next: string[] = [];
    // In library order, as a scan of every integration would find them.
    for (const record of store.list()) {
      if (!mentioning.has(record.name)) continue;
      seen.add(record.name);
      found.push(record.name);
      next.push(record.name);
    }
    frontier = next;
  }
  return found;
}

/**
 * Re-runs the tests of every dependent of `name` against its candidate version (none:
 * `name` is being removed or renamed, `change` says which). Returns the results and the
 * metadata updates to commit with the change: failing dependents are marked unverified
 * (with the reason), passing ones verified again. Only their metadata is rewritten:
 * their code and test files stay as they are on disk and in git.
 */
export async function retestDependents(
  deps: SaveDeps,
  name: string,
  candidate: CompiledModule | undefined,
  change = "changed",
): Promise<{ results: DependentResult[]; updates: MetadataUpdate[] }> {
  const results: DependentResult[] = [];
  const updates: MetadataUpdate[] = [];
  const specifier = `${LIBRARY_PREFIX}${name}`;
  const overrides = new Map(candidate ? [[specifier, candidate]] : []);
  if (!candidate) deps = { ...deps, modules: without(deps.modules ?? deps.store, specifier) };
  for (const dependent of findDependents(deps.store, name)) {
    const record = deps.store.get(dependent)!;
    if (record.test === undefined) {
      results.push({ name: dependent, passed: null });
      continue;
    }
    const compiled = deps.store.resolve(`${LIBRARY_PREFIX}${dependent}`);
    const imports = compiled?.ok ? compiled.module.imports.map((i) => i.specifier) : [];
    const { report, undeclared } = await runIntegrationTest(deps, record.test, overrides, { hosts: record.meta.hosts, secrets: record.meta.secrets, imports }, { kind: "test", id: dependent });
    if (report.ok) {
      results.push({ name: dependent, passed: true });
      if (!record.meta.verified || record.meta.unverifiedReason) {
        const { unverifiedReason: _dropped, ...rest } = record.meta;
        updates.push({ name: dependent, metadataOnly: true, meta: IntegrationMetaSchema.parse({ ...rest, verified: true }) });
      }
    } else {
      const error = undeclared ?? `${report.error.name}: ${report.error.message}`;
      results.push({ name: dependent, passed: false, error });
      updates.push({
        name: dependent,
        metadataOnly: true,
        meta: IntegrationMetaSchema.parse({ ...record.meta, verified: false, unverifiedReason: unverifiedReason(name, change, report.error, undeclared !== undefined) }),
      });
    }
  }
  return { results, updates };
}

/** Error names worth recording: an identifier, as built-in and custom error classes have. */
const ERROR_NAME = /^[A-Za-z_$][\w$]{0,39}$/;

/**
 * Why a dependent is no longer verified, as committed to its metadata (and pushed). Only
 * facts toolsmith wrote: the error's name and position, never its message, which can
 * quote the test's source (a compile error shows the line) or data the test computed.
 * The save's result carries the message; re-running the test shows it again.
 */
function unverifiedReason(changed: string, change: string, error: RunErrorInfo, undeclared: boolean): string {
  const what = undeclared ? "made a request its integration does not declare" : `failed with ${ERROR_NAME.test(error.name) ? error.name : "an error"}${error.line ? ` at line ${error.line}` : ""}`;
  return `Its test ${what} after '${changed}' ${change}. Run its test with run_code (search_library with detail "full" shows it) to see why.`;
}

/** `source` as it will be once `specifier` is gone. */
function without(source: ModuleSource, specifier: string): ModuleSource {
  return {
    resolve: (s) => (s === specifier ? undefined : source.resolve(s)),
    missing: (s) => (s === specifier ? `Cannot find module '${specifier}': it is being removed from the library.` : source.missing(s)),
  };
}

/** One line for a commit message: how each dependent's test went. */
export function dependentsSummary(results: DependentResult[]): string {
  return results.length ? `\n\nDependents re-tested: ${results.map((d) => `${d.name} ${d.passed === null ? "(no test)" : d.passed ? "passed" : "FAILED"}`).join(", ")}` : "";
}

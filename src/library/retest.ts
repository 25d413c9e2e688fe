import { LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-integration.js";
import { runIntegrationTest } from "./test-runner.js";

/** One integration's test run again against the library as it is. `passed: null`: it has no test. */
export interface Retest {
  name: string;
  passed: boolean | null;
  error?: string;
  durationMs?: number;
}

/**
 * Re-runs a saved integration's test exactly as a save does (network limited to what it
 * declares), recording nothing. The self-check's default until the library records a
 * latest verification itself.
 */
export async function retestIntegration(deps: SaveDeps, name: string): Promise<Retest> {
  await deps.store.refresh();
  const record = deps.store.get(name);
  if (!record) return { name, passed: false, error: `'${name}' is no longer in the library.` };
  if (record.test === undefined) return { name, passed: null };
  const compiled = deps.store.resolve(`${LIBRARY_PREFIX}${name}`);
  const imports = compiled?.ok ? compiled.module.imports.map((i) => i.specifier) : [];
  const { report, undeclared } = await runIntegrationTest(deps, record.test, new Map(), { hosts: record.meta.hosts, secrets: record.meta.secrets, imports });
  if (report.ok) return { name, passed: true, durationMs: report.durationMs };
  return { name, passed: false, error: undeclared ?? `${report.error.name}: ${report.error.message}`, durationMs: report.durationMs };
}

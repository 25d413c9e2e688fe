import type { RunErrorInfo } from "../sandbox/sandbox.js";
import { findDependents, type DependentResult } from "./dependents.js";
import type { Integration } from "./library-store.js";
import { INTEGRATION_NAME_HINT, isIntegrationName, LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-deps.js";
import { runIntegrationTest } from "./test-runner.js";
import type { VerificationRecords } from "./verification-records.js";

/**
 * The export by which a test says it needs the live API (`export const needsLiveApi = true`):
 * it talks to the real service rather than to `withFakeFetch` handlers. A verify reports it,
 * so a scheduled self-check can tell a service that changed from one that is down.
 */
export const LIVE_API_EXPORT = "needsLiveApi";

export interface VerifyDeps extends SaveDeps {
  records: VerificationRecords;
}

export interface VerifyOutcome {
  name: string;
  passed: boolean;
  /** Checks made through `library/testing/assert` by a test that passed (0 when it used none). */
  assertions: number;
  durationMs: number;
  error?: string;
  /** Integrations importing this one, their tests re-run against the saved version (passed null: no test). */
  dependents: DependentResult[];
  /** The test exports `needsLiveApi = true`: it calls the real service. */
  needsLiveApi?: true;
}

/** A verify that cannot start (no such integration, no test): the message says what to do. */
export class VerifyRefusedError extends Error {
  override name = "VerifyRefusedError";
}

/**
 * Re-runs the saved test of `name`, then of every integration that imports it (directly
 * or not), against the library as it is now, with the network limited to what each
 * declares, as a save's test runs. Each outcome is recorded as that integration's
 * `lastVerification` (state/, shown by search); the library and its `verified` flags are
 * not changed. Throws VerifyRefusedError when there is nothing to verify.
 */
export async function verifyIntegration(deps: VerifyDeps, name: string, options: { dependents?: boolean } = {}): Promise<VerifyOutcome> {
  if (!isIntegrationName(name)) throw new VerifyRefusedError(`'${name}' is not an integration name: use ${INTEGRATION_NAME_HINT}.`);
  const record = deps.store.get(name);
  if (!record) throw new VerifyRefusedError(`No saved integration is named '${name}'. Use search_library to find its name.`);
  if (record.test === undefined) {
    throw new VerifyRefusedError(`'${name}' was saved without a test, so there is nothing to re-run. Save it again with a test (save_integration's test) to make it verifiable.`);
  }
  const own = await runTest(deps, record);
  await deps.records.record(name, { version: record.version, passed: own.passed, error: own.error });
  const dependents: DependentResult[] = [];
  for (const dependent of options.dependents === false ? [] : findDependents(deps.store, name)) {
    const other = deps.store.get(dependent);
    if (!other) continue;
    if (other.test === undefined) {
      dependents.push({ name: dependent, passed: null });
      continue;
    }
    const outcome = await runTest(deps, other);
    await deps.records.record(dependent, { version: other.version, passed: outcome.passed, error: outcome.error });
    dependents.push({ name: dependent, passed: outcome.passed, ...(outcome.error ? { error: outcome.error } : {}) });
  }
  const result: VerifyOutcome = { name, passed: own.passed, assertions: own.assertions, durationMs: own.durationMs, dependents };
  if (own.error) result.error = own.error;
  if (own.needsLiveApi) result.needsLiveApi = true;
  return result;
}

async function runTest(deps: VerifyDeps, record: Integration): Promise<{ passed: boolean; assertions: number; durationMs: number; error?: string; needsLiveApi: boolean }> {
  const specifier = `${LIBRARY_PREFIX}${record.name}`;
  const compiled = deps.store.resolve(specifier);
  const imports = compiled?.ok ? compiled.module.imports.map((i) => i.specifier) : [];
  const compiledTest = await deps.sandbox.compile(record.test!, `${record.name}.test.ts`);
  const needsLiveApi = compiledTest.ok && compiledTest.module.exports.includes(LIVE_API_EXPORT);
  const run = await runIntegrationTest(deps, record.test!, new Map(), { hosts: record.meta.hosts, secrets: record.meta.secrets, imports }, { kind: "test", id: record.name });
  const { report } = run;
  if (report.ok) return { passed: true, assertions: run.assertions, durationMs: report.durationMs, needsLiveApi };
  return { passed: false, assertions: run.assertions, durationMs: report.durationMs, error: run.undeclared ?? describeError(record.name, report.error), needsLiveApi };
}

/** "TypeError: x is not a function (github/issues.test.ts:12:3)": the error and where it was thrown. */
function describeError(name: string, error: RunErrorInfo): string {
  const where = error.stack ? /\(([^()\s]+:\d+:\d+)\)/.exec(error.stack)?.[1] : undefined;
  const position = where ?? (error.line ? `${name}.test.ts:${error.line}${error.column ? `:${error.column}` : ""}` : undefined);
  return `${error.name}: ${error.message}${position ? ` (${position})` : ""}`;
}

/**
 * One integration's test for the scheduled self-check (every integration in turn, so
 * dependents are not re-run here): recorded as its lastVerification; `passed: null` when
 * it has no test or is gone.
 */
export async function verifyForSelfCheck(deps: VerifyDeps, name: string): Promise<{ name: string; passed: boolean | null; error?: string }> {
  try {
    const outcome = await verifyIntegration(deps, name, { dependents: false });
    return { name, passed: outcome.passed, ...(outcome.error ? { error: outcome.error } : {}) };
  } catch (error) {
    if (error instanceof VerifyRefusedError) return { name, passed: null };
    throw error;
  }
}

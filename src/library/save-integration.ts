import type { LogEntry } from "../sandbox/protocol.js";
import type { ModuleSource, RunErrorInfo, Sandbox } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { IntegrationFiles, LibraryStore } from "./library-store.js";
import { IntegrationMetaSchema, type PackagePins } from "./metadata.js";
import { logTail, runIntegrationTest } from "./test-runner.js";
import { dependentsSummary, retestDependents, type DependentResult } from "./dependents.js";
import { SecretInLibraryError } from "./commit-plan.js";
import { NotRegularFileError } from "./regular-files.js";
import { INTEGRATION_NAME_HINT, integrationFiles, isIntegrationName, LIBRARY_PREFIX } from "./names.js";
import { resolveSave, type ResolvedSave, type SaveRequest } from "./save-request.js";
import { checkSaveTypes } from "./save-types.js";
import { summarizeChanges, type ChangeSummary } from "./change-summary.js";
import type { SaveDeps } from "./save-deps.js";
export type { SaveDeps } from "./save-deps.js";

export type { SaveRequest } from "./save-request.js";

export type SaveFailurePhase = "name" | "input" | "limit" | "compile" | "types" | "load" | "secrets" | "test" | "commit";

/** How the test went, for the save's result. */
export interface TestReport {
  passed: boolean;
  /** Checks made through `library/testing/assert`. */
  assertions: number;
  durationMs: number;
  /** The last lines it logged (bounded). */
  logs: string[];
}

export interface SaveSuccess {
  ok: true;
  name: string;
  version: string;
  /** The version this one replaced (null: created). */
  previousVersion: string | null;
  /** Relative to the library, e.g. "tracker.ts". */
  path: string;
  created: boolean;
  verified: boolean;
  changes: ChangeSummary;
  /** null: the integration has no test (only loading it was checked). */
  test: TestReport | null;
  dependents: DependentResult[];
  warnings: string[];
}

export type SaveOutcome = SaveSuccess | { ok: false; phase: SaveFailurePhase; error: RunErrorInfo; logs?: LogEntry[] };


/** What prepareIntegration checks: a save with everything filled in (see resolveSave). */
export type PrepareRequest = Omit<ResolvedSave, "testGiven"> & { testGiven?: boolean };

export interface PrepareOptions {
  /** Candidates of other integrations saved in the same commit, under their specifiers. */
  overrides?: ReadonlyMap<string, CompiledModule>;
  /** Declarations known already (starters ship theirs): the type check is skipped. */
  declarations?: string;
}

type Prepared =
  | { ok: true; files: IntegrationFiles & { declarations: string }; compiled: CompiledModule; verified: boolean; test: TestReport | null; warnings: string[] }
  | Extract<SaveOutcome, { ok: false }>;

/**
 * Checks a candidate without writing anything: a valid name, code that compiles,
 * exports something and imports only names that exist, and a test (the new one, else
 * the existing one) that passes in the sandbox with `library/<name>` resolving to the
 * candidate. Emits its declarations on the way.
 */
export async function prepareIntegration(deps: SaveDeps, request: PrepareRequest, options: PrepareOptions = {}): Promise<Prepared> {
  const { name } = request;
  const testGiven = request.testGiven ?? request.test !== undefined;
  if (!isIntegrationName(name)) {
    return { ok: false, phase: "name", error: { name: "InvalidName", message: `'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.` } };
  }
  if (typeof request.description !== "string" || request.description.trim() === "") {
    return { ok: false, phase: "input", error: { name: "InvalidInput", message: "The description is empty. Say in a sentence what the integration does and what its main functions return, so the next agent finds and uses it." } };
  }
  const badHosts = request.hosts && deps.checkHosts?.(request.hosts);
  if (badHosts) return { ok: false, phase: "input", error: { name: "InvalidInput", message: `hosts: ${badHosts} Nothing was saved.` } };
  const codeTooLong = sizeError("code", request.code, deps.maxCodeChars);
  if (codeTooLong) return codeTooLong;
  const specifier = `${LIBRARY_PREFIX}${name}`;
  const compiled = await deps.sandbox.compile(request.code, specifier);
  if (!compiled.ok) return { ok: false, phase: "compile", error: compiled.error };
  if (compiled.module.exports.length === 0) {
    return {
      ok: false,
      phase: "compile",
      error: { name: "NoExports", message: "The code exports nothing. An integration is a module that exports functions, e.g. `export async function listIssues(repo: string) { ... }`." },
    };
  }
  if (compiled.module.imports.some((i) => i.specifier === specifier)) {
    return { ok: false, phase: "compile", error: { name: "ImportError", message: `The code imports itself ('${specifier}').` } };
  }
  const existing = deps.store.get(name);
  const test = request.test;
  const testTooLong = test === undefined ? undefined : sizeError("test", test, deps.maxCodeChars);
  if (testTooLong) return testTooLong;
  for (const [part, text] of [["code", request.code], ["test", test ?? ""]] as const) {
    const leaked = deps.bridge?.vault.valuesIn(text) ?? [];
    if (!leaked.length) continue;
    const which = part === "code" ? "The code" : !testGiven ? "The existing test (kept since no test was given)" : "The test";
    return {
      ok: false,
      phase: "secrets",
      error: {
        name: "SecretInCode",
        message: `${which} contains the value of secret ${leaked.join(", ")}. Secret values never enter the library: use secret("${leaked[0]}") from "toolsmith" instead, and declare it in secrets.`,
      },
    };
  }
  const hosts = request.hosts ?? existing?.meta.hosts ?? [];
  const secrets = request.secrets ?? existing?.meta.secrets ?? [];
  let declarations = options.declarations;
  const warnings: string[] = [];
  if (declarations === undefined) {
    const types = checkSaveTypes({
      name,
      code: request.code,
      test,
      library: (other) => deps.store.declarationsFor(other),
      upstream: deps.upstreamDeclarations,
      missingLibrary: (specifier) => deps.store.missing(specifier),
    });
    if (types.refusal) return { ok: false, phase: "types", error: { name: "ImportError", message: types.refusal } };
    declarations = types.declarations;
    warnings.push(...types.warnings);
  }
  let verified = false;
  let testReport: TestReport | null = null;
  const overrides = new Map(options.overrides);
  overrides.set(specifier, compiled.module);
  const imports = compiled.module.imports.map((i) => i.specifier);
  let testImports: string[] = [];
  if (test !== undefined) {
    const compiledTest = await deps.sandbox.compile(test, "test.ts");
    if (compiledTest.ok) testImports = compiledTest.module.imports.map((i) => i.specifier);
    if (compiledTest.ok && !compiledTest.module.imports.some((i) => i.specifier === specifier)) {
      return {
        ok: false,
        phase: "test",
        error: { name: "TestDoesNotImport", message: `The test never imports '${specifier}', so it cannot verify it. Import what it checks, e.g. import { … } from "${specifier}", and call it.` },
      };
    }
  } else {
    // Without a test, the module is still loaded once, so code that can never run (an import
    // that does not resolve, a top-level loop, a throw at load) is refused, not saved.
    const { report } = await runIntegrationTest(deps, `import * as loaded from "${specifier}";\nexport default Object.keys(loaded).length;`, overrides, { hosts, secrets, imports });
    if (!report.ok) {
      return {
        ok: false,
        phase: "load",
        error: { ...report.error, message: `The module fails when it is loaded, so nothing was saved: ${report.error.name}: ${report.error.message}` },
        logs: report.logs,
      };
    }
  }
  if (test !== undefined) {
    const { report, undeclared, assertions } = await runIntegrationTest(deps, test, overrides, { hosts, secrets, imports }, { kind: "save", id: name });
    if (!report.ok) {
      const which = !testGiven ? "The existing test (kept from the current version, since no test was given)" : "The test";
      return {
        ok: false,
        phase: "test",
        error: { ...report.error, message: undeclared ? `${which} failed, so nothing was saved: ${undeclared}` : `${which} failed, so nothing was saved: ${report.error.name}: ${report.error.message}` },
        logs: report.logs,
      };
    }
    verified = true;
    testReport = { passed: true, assertions, durationMs: report.durationMs, logs: logTail(report.logs) };
  }
  const pins = deps.pinPackages ? await deps.pinPackages([...imports, ...testImports]) : { ok: true as const, packages: undefined };
  if (!pins.ok) return { ok: false, phase: "load", error: { name: "ImportError", message: `${pins.message} Nothing was saved.` } };
  const { unverifiedReason: _previousReason, ...previousMeta } = existing?.meta ?? {};
  const meta = IntegrationMetaSchema.parse({
    ...previousMeta,
    description: request.description,
    tags: request.tags ?? existing?.meta.tags ?? [],
    hosts,
    secrets,
    verified,
    packages: pins.packages,
  });
  return {
    ok: true,
    files: { name, code: withFinalNewline(request.code), test: test === undefined ? undefined : withFinalNewline(test), meta, declarations },
    compiled: compiled.module,
    verified,
    test: testReport,
    warnings,
  };
}

/**
 * Resolves the request against the current version (edits, kept fields, baseVersion),
 * validates, type-checks, tests, then writes and commits once: code, test, metadata and
 * declarations together. Nothing is written when any step fails.
 */
export async function saveIntegration(deps: SaveDeps, request: SaveRequest): Promise<SaveOutcome> {
  if (!isIntegrationName(request.name)) {
    return { ok: false, phase: "name", error: { name: "InvalidName", message: `'${request.name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.` } };
  }
  const current = deps.store.get(request.name);
  const resolved = resolveSave(request, current);
  if (!resolved.ok) return { ok: false, phase: "input", error: resolved.error };
  const prepared = await prepareIntegration(deps, resolved.save);
  if (!prepared.ok) return prepared;
  const created = current === undefined;
  const previousDeclarations = current ? (deps.store.declarationsFor(request.name) ?? "") : undefined;
  const message = request.message?.trim() || `${created ? "Add" : "Update"} ${request.name}: ${firstLine(resolved.save.description)}`;
  const dependents = await retestDependents(deps, request.name, prepared.compiled);
  try {
    const version = await deps.store.commit([prepared.files, ...dependents.updates], `${message}${dependentsSummary(dependents.results)}`);
    return {
      ok: true,
      name: request.name,
      version,
      previousVersion: current?.version ?? null,
      // Relative to the library: no result carries a host path.
      path: integrationFiles(request.name).code,
      created,
      verified: prepared.verified,
      changes: summarizeChanges(current && { code: current.code, declarations: previousDeclarations! }, prepared.files),
      test: prepared.test,
      dependents: dependents.results,
      warnings: prepared.warnings,
    };
  } catch (error) {
    // Refusals say what to change; anything else is a failure worth retrying.
    if (error instanceof SecretInLibraryError) return { ok: false, phase: "secrets", error: { name: error.name, message: error.message } };
    if (error instanceof NotRegularFileError) return { ok: false, phase: "commit", error: { name: error.name, message: `Nothing was saved: ${error.message}` } };
    return {
      ok: false,
      phase: "commit",
      error: { name: "CommitError", message: `The library could not record the new version (${(error as Error).message}). Nothing was changed; try again.` },
    };
  }
}

/** The refusal of code or a test longer than `limits.maxCodeChars` (the limit run_code applies to its code). */
function sizeError(what: "code" | "test", text: string, maxCodeChars: number): Extract<SaveOutcome, { ok: false }> | undefined {
  if (text.length <= maxCodeChars) return undefined;
  return {
    ok: false,
    phase: "limit",
    error: {
      name: "LimitError",
      message:
        `The ${what} is ${text.length} characters; the limit is ${maxCodeChars} (limits.maxCodeChars), so nothing was saved. ` +
        `Split it into smaller integrations that import each other, move data into the workspace, or raise limits.maxCodeChars in config.json.`,
    },
  };
}

/** Files end with a newline, as editors and `git diff` expect. */
function withFinalNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]?.trim() ?? "";
  return line.length > 72 ? `${line.slice(0, 69)}...` : line;
}

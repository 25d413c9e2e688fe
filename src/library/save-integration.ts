import type { LogEntry } from "../sandbox/protocol.js";
import type { RunErrorInfo, Sandbox } from "../sandbox/sandbox.js";
import type { CompiledModule } from "../sandbox/transpile.js";
import type { IntegrationFiles, LibraryStore } from "./library-store.js";
import { IntegrationMetaSchema } from "./metadata.js";
import { absoluteFiles, INTEGRATION_NAME_HINT, isIntegrationName, LIBRARY_PREFIX } from "./names.js";

export interface SaveRequest {
  name: string;
  description: string;
  code: string;
  test?: string;
  message?: string;
  tags?: string[];
  hosts?: string[];
  secrets?: string[];
}

export type SaveFailurePhase = "name" | "compile" | "test" | "commit";

export type SaveOutcome =
  | { ok: true; name: string; version: string; path: string; created: boolean; verified: boolean }
  | { ok: false; phase: SaveFailurePhase; error: RunErrorInfo; logs?: LogEntry[] };

export interface SaveDeps {
  store: LibraryStore;
  sandbox: Sandbox;
}

type Prepared = { ok: true; files: IntegrationFiles; compiled: CompiledModule; verified: boolean } | Extract<SaveOutcome, { ok: false }>;

/**
 * Checks a candidate without writing anything: a valid name, code that compiles
 * and exports something, and a test (the new one, else the existing one) that
 * passes in the sandbox with `library/<name>` resolving to the candidate.
 */
export async function prepareIntegration(deps: SaveDeps, request: SaveRequest, extraOverrides?: ReadonlyMap<string, CompiledModule>): Promise<Prepared> {
  const { name } = request;
  if (!isIntegrationName(name)) {
    return { ok: false, phase: "name", error: { name: "InvalidName", message: `'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.` } };
  }
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
  const test = request.test ?? existing?.test;
  let verified = false;
  if (test !== undefined) {
    const overrides = new Map(extraOverrides);
    overrides.set(specifier, compiled.module);
    const report = await deps.sandbox.run({ code: test, modules: deps.store, overrides });
    if (!report.ok) {
      const which = request.test === undefined ? "The existing test (kept from the current version, since no test was given)" : "The test";
      return {
        ok: false,
        phase: "test",
        error: { ...report.error, message: `${which} failed, so nothing was saved: ${report.error.name}: ${report.error.message}` },
        logs: report.logs,
      };
    }
    verified = true;
  }
  const meta = IntegrationMetaSchema.parse({
    ...existing?.meta,
    description: request.description,
    tags: request.tags ?? existing?.meta.tags ?? [],
    hosts: request.hosts ?? existing?.meta.hosts ?? [],
    secrets: request.secrets ?? existing?.meta.secrets ?? [],
    verified,
  });
  return { ok: true, files: { name, code: request.code, test, meta }, compiled: compiled.module, verified };
}

/** Validates, compiles, tests, then writes and commits once. Nothing is written when any step fails. */
export async function saveIntegration(deps: SaveDeps, request: SaveRequest): Promise<SaveOutcome> {
  const prepared = await prepareIntegration(deps, request);
  if (!prepared.ok) return prepared;
  const created = deps.store.get(request.name) === undefined;
  const message = request.message?.trim() || `${created ? "Add" : "Update"} ${request.name}: ${firstLine(request.description)}`;
  try {
    const version = await deps.store.commit([prepared.files], message);
    return { ok: true, name: request.name, version, path: absoluteFiles(deps.store.root, request.name).code, created, verified: prepared.verified };
  } catch (error) {
    return {
      ok: false,
      phase: "commit",
      error: { name: "CommitError", message: `The library could not record the new version (${(error as Error).message}). Nothing was changed; try again.` },
    };
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]?.trim() ?? "";
  return line.length > 72 ? `${line.slice(0, 69)}...` : line;
}

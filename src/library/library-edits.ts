import { emitDeclarations } from "./declarations.js";
import { dependentsSummary, findDependents, retestDependents, type DependentResult } from "./dependents.js";
import type { IntegrationFiles } from "./library-store.js";
import { IntegrationMetaSchema } from "./metadata.js";
import { INTEGRATION_NAME_HINT, isIntegrationName, LIBRARY_PREFIX } from "./names.js";
import type { SaveDeps } from "./save-deps.js";
import { runIntegrationTest } from "./test-runner.js";

/**
 * Changes to the library other than a save: revert, remove, rename. Each is one
 * commit made under the home's lock (history is kept: `toolsmith log` shows it), and
 * re-tests the dependents, recording the outcome in their metadata only.
 *
 * Removing or renaming an integration that others import would break them, so it is
 * refused with their names unless forced; forced, their tests run without it and
 * those that fail are marked unverified with the reason. Their code is never edited:
 * whoever maintains them changes the import.
 */
export type EditOutcome<T> = ({ ok: true; version: string; dependents: DependentResult[] } & T) | { ok: false; error: { name: "LibraryEditError"; message: string } };

export interface EditOptions {
  /** Remove or rename even though other integrations import it. */
  force?: boolean;
}

export async function revertIntegration(deps: SaveDeps, name: string, version: string): Promise<EditOutcome<{ restoredFrom: string }>> {
  if (!isIntegrationName(name)) return refuse(`'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
  const commit = await deps.store.repo.resolveCommit(version);
  if (!commit) return refuse(`'${version}' is not a version of this library. 'toolsmith log ${name}' lists the versions.`);
  const files = await deps.store.filesAt(name, commit);
  if (!files) return refuse(`'${name}' did not exist at ${commit.slice(0, 12)}. 'toolsmith log ${name}' lists its versions.`);
  const current = deps.store.get(name);
  if (current && current.code === files.code && current.test === files.test && JSON.stringify(current.meta) === JSON.stringify(files.meta)) {
    return refuse(`'${name}' is already identical to ${commit.slice(0, 12)}; nothing to revert.`);
  }
  // The declarations follow their code; a version saved before they were committed gets them from the compiler.
  files.declarations ??= emitDeclarations({ name, code: files.code, importable: { library: (other) => deps.store.declarationsFor(other) } }).dts;
  const compiled = await deps.sandbox.compile(files.code, `${LIBRARY_PREFIX}${name}`);
  // A version that no longer compiles is restored as it was; its dependents then fail to import it.
  const dependents = await retestDependents(deps, name, compiled.ok ? compiled.module : undefined, `was reverted to ${commit.slice(0, 12)}`);
  const sha = await deps.store.commit([files, ...dependents.updates], `Revert ${name} to ${commit.slice(0, 12)}${dependentsSummary(dependents.results)}`);
  return { ok: true, version: sha, restoredFrom: commit, dependents: dependents.results };
}

export async function removeIntegration(deps: SaveDeps, name: string, options: EditOptions = {}): Promise<EditOutcome<{ removed: string }>> {
  const missing = checkExisting(deps, name);
  if (missing) return refuse(missing);
  const blocked = blockedBy(deps, name, options, "remove", "Removing");
  if (blocked) return refuse(blocked);
  const dependents = await retestDependents(deps, name, undefined, "was removed");
  const sha = await deps.store.commit([{ name, removed: true }, ...dependents.updates], `Remove ${name}${dependentsSummary(dependents.results)}`);
  return { ok: true, version: sha, removed: name, dependents: dependents.results };
}

export async function renameIntegration(deps: SaveDeps, from: string, to: string, options: EditOptions = {}): Promise<EditOutcome<{ from: string; to: string; verified: boolean }>> {
  const missing = checkExisting(deps, from);
  if (missing) return refuse(missing);
  if (!isIntegrationName(to)) return refuse(`'${to}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
  if (deps.store.get(to)) return refuse(`An integration named '${to}' already exists. Remove it first, or choose another name.`);
  const blocked = blockedBy(deps, from, options, "rename", "Renaming");
  if (blocked) return refuse(blocked);
  const record = deps.store.get(from)!;
  // Its own test imports it by name: it follows the rename.
  const test = record.test === undefined ? undefined : renameSpecifier(record.test, from, to);
  const compiled = await deps.sandbox.compile(record.code, `${LIBRARY_PREFIX}${to}`);
  if (!compiled.ok) return refuse(`'${from}' does not compile under its new name (${compiled.error.message}); nothing was renamed.`);
  let verified = false;
  if (test !== undefined) {
    const { report, undeclared } = await runIntegrationTest(deps, test, new Map([[`${LIBRARY_PREFIX}${to}`, compiled.module]]), {
      hosts: record.meta.hosts,
      secrets: record.meta.secrets,
      imports: compiled.module.imports.map((i) => i.specifier),
    }, { kind: "test", id: to });
    if (!report.ok) return refuse(`The test of '${from}' fails under its new name '${to}', so nothing was renamed: ${undeclared ?? `${report.error.name}: ${report.error.message}`}`);
    verified = true;
  }
  const { unverifiedReason: _dropped, ...meta } = record.meta;
  const moved: IntegrationFiles = { name: to, code: record.code, test, meta: IntegrationMetaSchema.parse({ ...meta, verified }), declarations: deps.store.declarationsFor(from) };
  const dependents = await retestDependents(deps, from, undefined, `was renamed to '${to}' (import "library/${to}" instead)`);
  const sha = await deps.store.commit([moved, { name: from, removed: true }, ...dependents.updates], `Rename ${from} to ${to}${dependentsSummary(dependents.results)}`);
  return { ok: true, version: sha, from, to, verified, dependents: dependents.results };
}

function checkExisting(deps: SaveDeps, name: string): string | undefined {
  if (!isIntegrationName(name)) return `'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`;
  if (!deps.store.get(name)) return `No integration named '${name}' in the library. search_library (or 'toolsmith search') lists them.`;
  return undefined;
}

function blockedBy(deps: SaveDeps, name: string, options: EditOptions, verb: string, doing: string): string | undefined {
  const dependents = findDependents(deps.store, name);
  if (dependents.length === 0 || options.force) return undefined;
  return `${doing} '${name}' would break ${dependents.length} integration(s) that import it, directly or through others: ${dependents.map((d) => `'${d}'`).join(", ")}. Nothing was changed. Change their imports first, or ${verb} with force (CLI: --force; in code: { force: true }) and they are marked unverified where their tests fail.`;
}

/** Replaces the quoted specifier `library/<from>` by `library/<to>` in code. */
function renameSpecifier(code: string, from: string, to: string): string {
  return code.replace(new RegExp(`(["'])${LIBRARY_PREFIX}${from.replace(/[-/]/g, "\\$&")}\\1`, "g"), `$1${LIBRARY_PREFIX}${to}$1`);
}

function refuse(message: string): { ok: false; error: { name: "LibraryEditError"; message: string } } {
  return { ok: false, error: { name: "LibraryEditError", message } };
}

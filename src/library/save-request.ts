import type { RunErrorInfo } from "../sandbox/sandbox.js";
import type { Integration } from "./library-store.js";
import { applyEdits, type TextEdit } from "./text-edits.js";

/** What a save_integration call asks for: a whole `code`, or `edits` to the current version. */
export interface SaveRequest {
  name: string;
  /** Required to create; an update keeps the current one when left out. */
  description?: string;
  /** The whole module; on an update, leave it out to keep the code (or give `edits`). */
  code?: string;
  /** Exact find/replace pairs against the current version's code or test, instead of `code`. */
  edits?: TextEdit[];
  /** Refuse unless the integration's current version is this one (a full sha or its first 7+ characters). */
  baseVersion?: string;
  test?: string;
  message?: string;
  tags?: string[];
  hosts?: string[];
  secrets?: string[];
}

/** A request with everything filled in: what the new version's files will say. */
export interface ResolvedSave {
  name: string;
  description: string;
  code: string;
  /** undefined: the integration has no test. */
  test?: string;
  /** The test is the one given (or edited) in this call, not the kept one. */
  testGiven: boolean;
  message?: string;
  tags?: string[];
  hosts?: string[];
  secrets?: string[];
}

export type Resolution = { ok: true; save: ResolvedSave } | { ok: false; error: RunErrorInfo };

/** Shortest prefix of a version accepted as `baseVersion`. */
const MIN_VERSION_PREFIX = 7;

/**
 * Turns a request into the new version's text against the `current` one (undefined: a
 * create): applies `edits`, checks `baseVersion`, and keeps what an update leaves out
 * (description, code, test, and, later in the save, tags, hosts and secrets).
 */
export function resolveSave(request: SaveRequest, current: Integration | undefined): Resolution {
  const refuse = (message: string): Resolution => ({ ok: false, error: { name: "InvalidInput", message } });
  const { name } = request;
  if (request.baseVersion !== undefined) {
    const base = String(request.baseVersion).trim();
    if (!current?.version) return { ok: false, error: { name: "VersionConflict", message: `baseVersion is ${base}, but '${name}' does not exist yet. Leave baseVersion out to create it. Nothing was saved.` } };
    if (base.length < MIN_VERSION_PREFIX || !current.version.startsWith(base)) {
      return {
        ok: false,
        error: { name: "VersionConflict", message: `'${name}' has moved on: its current version is ${current.version}, not ${base}. Read it again (search_library with detail "full"), redo the change on it, and save with baseVersion "${current.version}". Nothing was saved.` },
      };
    }
  }
  if (request.code !== undefined && request.edits !== undefined) return refuse("Give either code (the whole module) or edits (changes to the current version), not both. Nothing was saved.");
  if (request.edits !== undefined && !Array.isArray(request.edits)) return refuse("edits must be a list of { find, replace, target? } objects. Nothing was saved.");
  if (!current) {
    if (request.edits !== undefined) return refuse(`'${name}' does not exist yet, so there is nothing to edit: give its whole code. Nothing was saved.`);
    if (request.code === undefined) return refuse(`code is required to create '${name}' (a TypeScript module exporting functions). Nothing was saved.`);
    if (request.description === undefined) return refuse(`description is required to create '${name}': say in a sentence what it does and what its main functions return. Nothing was saved.`);
  }
  const edits = (request.edits ?? []).map((edit, index) => ({ edit, index }));
  for (const { edit, index } of edits) {
    if (typeof edit !== "object" || edit === null) return refuse(`edits[${index}] must be an object { find, replace, target? }. Nothing was saved.`);
    if (edit.target !== undefined && edit.target !== "code" && edit.target !== "test") return refuse(`edits[${index}].target is ${JSON.stringify(edit.target)}; use "code" or "test". Nothing was saved.`);
  }
  const version = current?.version ? ` at version ${current.version.slice(0, 12)}` : "";
  let code = request.code ?? current!.code;
  const codeEdits = edits.filter(({ edit }) => (edit.target ?? "code") === "code");
  if (codeEdits.length) {
    const applied = applyEdits(code, codeEdits, `the code of '${name}'${version}`);
    if (!applied.ok) return refuse(applied.message);
    code = applied.text;
  }
  let test = request.test ?? current?.test;
  const testEdits = edits.filter(({ edit }) => edit.target === "test");
  if (testEdits.length) {
    if (request.test !== undefined) return refuse("Give either test (the whole test) or edits with target \"test\", not both. Nothing was saved.");
    if (test === undefined) return refuse(`'${name}' has no test to edit: give one with test. Nothing was saved.`);
    const applied = applyEdits(test, testEdits, `the test of '${name}'${version}`);
    if (!applied.ok) return refuse(applied.message);
    test = applied.text;
  }
  return {
    ok: true,
    save: {
      name,
      description: request.description ?? current!.meta.description,
      code,
      test,
      testGiven: request.test !== undefined || testEdits.length > 0,
      message: request.message,
      tags: request.tags,
      hosts: request.hosts,
      secrets: request.secrets,
    },
  };
}

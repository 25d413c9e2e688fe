import type { RunErrorInfo } from "../sandbox/sandbox.js";
import type { CompiledModule, CompileResult } from "../sandbox/transpile.js";
import { INTEGRATION_NAME_HINT, isIntegrationName, LIBRARY_PREFIX } from "./names.js";

/** Most drafts one run takes: a draft is a module being fixed, not a library. */
export const MAX_DRAFT_MODULES = 20;

export type DraftsResult = { ok: true; drafts: Map<string, CompiledModule>; sources: Map<string, string> } | { ok: false; error: RunErrorInfo };

/**
 * Checks and compiles run_code's `modules` (`{ "library/<name>": code }`): drafts that
 * shadow saved integrations of those names for one run, for the run's own code and for
 * every integration that imports them. Nothing is saved. A bad key, a value that is not
 * code, or a draft that does not compile is refused before anything runs, with the
 * draft named.
 */
export async function compileDrafts(
  modules: unknown,
  compile: (code: string, filename: string) => Promise<CompileResult>,
  maxCodeChars: number,
): Promise<DraftsResult> {
  const drafts = new Map<string, CompiledModule>();
  const sources = new Map<string, string>();
  if (modules === undefined || modules === null) return { ok: true, drafts, sources };
  if (typeof modules !== "object" || Array.isArray(modules)) {
    return refuse(`modules must be an object mapping "library/<name>" to that module's code, e.g. { "library/github/issues": "export async function …" }.`);
  }
  const entries = Object.entries(modules as Record<string, unknown>);
  if (entries.length > MAX_DRAFT_MODULES) return refuse(`modules has ${entries.length} drafts; a run takes at most ${MAX_DRAFT_MODULES}. Try fewer at once.`);
  for (const [key, code] of entries) {
    const name = key.startsWith(LIBRARY_PREFIX) ? key.slice(LIBRARY_PREFIX.length) : undefined;
    if (name === undefined || !isIntegrationName(name)) {
      const hint = name === undefined && isIntegrationName(key) ? ` Write it as "library/${key}".` : ` An integration name uses ${INTEGRATION_NAME_HINT}.`;
      return refuse(`modules: the key ${JSON.stringify(key.slice(0, 120))} is not "library/<name>".${hint}`);
    }
    if (typeof code !== "string") return refuse(`modules["${key}"] must be the module's TypeScript code as a string, not ${code === null ? "null" : typeof code}.`);
    if (code.length > maxCodeChars) {
      return refuse(`modules["${key}"] is ${code.length} characters; the limit is ${maxCodeChars} (limits.maxCodeChars), as for code.`);
    }
    const compiled = await compile(code, key);
    if (!compiled.ok) {
      const { line, column } = compiled.error;
      return {
        ok: false,
        error: { name: compiled.error.name, message: `The draft of '${key}' does not compile: ${compiled.error.message}`, module: key, ...(line ? { line } : {}), ...(column ? { column } : {}) },
      };
    }
    if (compiled.module.imports.some((i) => i.specifier === key)) return refuse(`The draft of '${key}' imports itself.`);
    drafts.set(key, compiled.module);
    sources.set(key, code);
  }
  return { ok: true, drafts, sources };
}

function refuse(message: string): DraftsResult {
  return { ok: false, error: { name: "InvalidInput", message: `${message} Nothing ran.` } };
}

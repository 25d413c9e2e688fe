import { TOOLSMITH_ENTRIES } from "../sandbox/guest/sandbox-world-toolsmith.js";
import { emitDeclarations, outlineFromDeclarations, type DeclarationLookup } from "./declarations.js";
import { diagnose, editDistance, formatDiagnostic, type TypeDiagnostic } from "./type-diagnostics.js";
import { LIBRARY_PREFIX, MCP_PREFIX } from "./type-program.js";

export interface SaveTypesInput {
  name: string;
  code: string;
  /** The test to check with it (the new one, else the kept one). */
  test?: string;
  /** Saved integrations' declarations (`library/<name>`). */
  library: DeclarationLookup;
  /** Upstream servers' declarations (`mcp/<server>`). */
  upstream?: DeclarationLookup;
  /** Why `library/<specifier>` is missing, with similar names (the store's own message). */
  missingLibrary?: (specifier: string) => string | undefined;
}

export interface SaveTypes {
  /** The declaration file the compiler emitted for the code. */
  declarations: string;
  /** Type errors (with line and column) and vague exports: reported, not refused. */
  warnings: string[];
  /** Why the save must be refused: names imported from `library/…`, `mcp/…` or `toolsmith` that do not exist. */
  refusal?: string;
}

/** How many names a refusal lists that a module does export. */
const LISTED_EXPORTS = 12;

/**
 * Emits the code's declarations and type-checks code and test against the sandbox
 * world, the library's declarations and the upstream servers'. Only a missing module
 * or name of `library/…`, `mcp/…` or `toolsmith` that the code uses as a value (certain
 * to fail when run) refuses the save; everything else is a warning.
 */
export function checkSaveTypes(input: SaveTypesInput): SaveTypes {
  const importable = { library: input.library, upstream: input.upstream };
  const emitted = emitDeclarations({ name: input.name, code: input.code, importable });
  const codeDiagnostics = diagnose({ code: input.code, filename: `${input.name}.ts`, importable });
  // The test imports the candidate, not the saved version.
  const withCandidate = (name: string) => (name === input.name ? emitted.dts : lookup(input.library, name));
  const testDiagnostics = input.test === undefined ? [] : diagnose({ code: input.test, filename: "test.ts", importable: { library: withCandidate, upstream: input.upstream } });
  const warnings: string[] = [];
  const refusals: string[] = [];
  for (const [where, diagnostics] of [["code", codeDiagnostics], ["test", testDiagnostics]] as const) {
    for (const d of diagnostics) {
      if (isCertainMissingName(d)) refusals.push(`${where}, ${formatDiagnostic(d)}${exportedNames(d, { library: withCandidate, upstream: input.upstream }, input.missingLibrary)}`);
      else warnings.push(`${where}, ${formatDiagnostic(d)}`);
    }
  }
  warnings.push(...emitted.warnings.map((w) => `declarations: ${w}`));
  const result: SaveTypes = { declarations: emitted.dts, warnings };
  if (refusals.length) {
    result.refusal = `Nothing was saved: ${refusals.length === 1 ? "an import names" : "imports name"} something that does not exist, so the module would fail as soon as it is loaded.\n${refusals.join("\n")}`;
  }
  return result;
}

/** " Nearest: 'half'." for a missing name the compiler did not already suggest one for. */
function nearest(message: string, names: string[]): string {
  if (/Did you mean/.test(message)) return "";
  const wanted = /(?:exported member|member named) '([^']+)'/.exec(message)?.[1];
  if (!wanted) return "";
  const best = names.map((name) => ({ name, distance: editDistance(wanted.toLowerCase(), name.toLowerCase()) })).sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= Math.max(2, Math.floor(wanted.length / 2)) ? ` Nearest: '${best.name}'.` : "";
}

/**
 * Syntax errors are esbuild's to report (it compiled the code); the rest of "error" are
 * missing modules and names. A whole `mcp/…` module missing may be a server still
 * connecting: the test run decides.
 */
function isCertainMissingName(d: TypeDiagnostic): boolean {
  if (d.code === 2307 && /["']mcp\//.test(d.message)) return false;
  return d.severity === "error" && (d.code >= 2000 || d.code === 1192);
}

function lookup(source: DeclarationLookup | undefined, name: string): string | undefined {
  if (!source) return undefined;
  return typeof source === "function" ? source(name) : source.get(name);
}

/** " 'library/x' exports: a, b, c." for the module a missing-name diagnostic is about; the store's hint for a missing integration. */
function exportedNames(d: TypeDiagnostic, importable: { library: DeclarationLookup; upstream?: DeclarationLookup }, missingLibrary?: (specifier: string) => string | undefined): string {
  const specifier = /["']((?:library|mcp)\/[^"']+|toolsmith)["']/.exec(d.message)?.[1];
  if (!specifier) return "";
  let names: string[] | undefined;
  if (specifier === "toolsmith") names = TOOLSMITH_ENTRIES.map((e) => e.name);
  else {
    const [prefix, source] = specifier.startsWith(LIBRARY_PREFIX) ? [LIBRARY_PREFIX, importable.library] : [MCP_PREFIX, importable.upstream];
    const dts = lookup(source, specifier.slice(prefix.length));
    if (dts === undefined) {
      const hint = specifier.startsWith(LIBRARY_PREFIX) ? missingLibrary?.(specifier) : undefined;
      return hint && !d.message.includes(hint) ? ` ${hint}` : "";
    }
    names = outlineFromDeclarations(dts).map((e) => e.name);
  }
  if (!names.length) return ` '${specifier}' exports nothing.`;
  const shown = names.slice(0, LISTED_EXPORTS).join(", ");
  return ` '${specifier}' exports: ${shown}${names.length > LISTED_EXPORTS ? `, … (${names.length} in all)` : ""}.${nearest(d.message, names)}`;
}

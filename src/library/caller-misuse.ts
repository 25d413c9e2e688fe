import { emitDeclarations } from "./declarations.js";
import type { LibraryStore } from "./library-store.js";
import { diagnose, type TypeDiagnostic } from "./type-diagnostics.js";

/**
 * TypeScript codes that mean the calling code passes what a declaration does not accept:
 * an argument of the wrong type (2345), the wrong number of arguments (2554, 2555), or
 * an object that does not fit the parameter's type (2322, 2353, 2559, 2739, 2741).
 */
const MISUSE_CODES = new Set([2345, 2554, 2555, 2322, 2353, 2559, 2739, 2741]);
/** Whether a diagnostic says the calling code passes what a declaration does not accept. */
export function isCallerMisuse(d: TypeDiagnostic): boolean {
  return MISUSE_CODES.has(d.code);
}

/** Declarations emitted per integration version, for this check only (failed runs). */
const DECLARATION_CACHE_ENTRIES = 500;

/**
 * Whether a failed run's own code calls a saved integration with arguments its
 * declarations do not accept: then the failure is the caller's bad input, not the
 * integration's (usage figures do not count it against the integration). Checked only
 * for failed runs, with declarations the compiler emits from each integration's code.
 */
export class CallerMisuse {
  private readonly declarations = new Map<string, string>();
  /** Integrations whose declarations are being emitted (an import cycle resolves to nothing). */
  private readonly emitting = new Set<string>();

  constructor(private readonly store: LibraryStore) {}

  /** The diagnostics that show misuse of library code in `code` (empty: none found, or the check could not run). */
  check(code: string): TypeDiagnostic[] {
    try {
      const found = diagnose({ code, filename: "main.ts", importable: { library: (name) => this.declarationOf(name) } });
      return found.filter(isCallerMisuse);
    } catch {
      return [];
    }
  }

  /** The declarations of the saved integration `name` (emitted once per version), or undefined. */
  declarationOf(name: string): string | undefined {
    const record = this.store.get(name);
    if (!record) return undefined;
    const key = `${name}@${record.version ?? ""}`;
    const cached = this.declarations.get(key);
    if (cached !== undefined) return cached;
    if (this.emitting.has(name)) return undefined;
    this.emitting.add(name);
    let dts: string;
    try {
      dts = emitDeclarations({ name, code: record.code, importable: { library: (other) => this.declarationOf(other) } }).dts;
    } finally {
      this.emitting.delete(name);
    }
    this.declarations.set(key, dts);
    if (this.declarations.size > DECLARATION_CACHE_ENTRIES) this.declarations.delete(this.declarations.keys().next().value!);
    return dts;
  }
}

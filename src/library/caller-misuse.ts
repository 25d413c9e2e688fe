import type { LibraryStore } from "./library-store.js";
import { diagnose, type TypeDiagnostic } from "./type-diagnostics.js";

/**
 * TypeScript codes that mean the calling code passes what a declaration does not accept:
 * an argument of the wrong type (2345), the wrong number of arguments (2554, 2555), or
 * an object that does not fit the parameter's type (2322, 2353, 2559, 2739, 2741).
 */
const MISUSE_CODES = new Set([2345, 2554, 2555, 2322, 2353, 2559, 2739, 2741]);

/**
 * Whether a failed run's own code calls a saved integration with arguments its
 * declarations do not accept: then the failure is the caller's bad input, not the
 * integration's (usage figures do not count it against the integration). Checked only
 * for failed runs, against the integrations' stored declarations.
 */
export class CallerMisuse {
  constructor(private readonly store: LibraryStore) {}

  /** The diagnostics that show misuse of library code in `code` (empty: none found, or the check could not run). */
  check(code: string): TypeDiagnostic[] {
    try {
      const found = diagnose({ code, filename: "main.ts", importable: { library: (name) => this.store.declarationsFor(name) } });
      return found.filter((d) => MISUSE_CODES.has(d.code));
    } catch {
      return [];
    }
  }
}

import type { TypeDiagnostic } from "./type-diagnostics.js";

/**
 * TypeScript codes that mean the calling code passes what a declaration does not accept:
 * an argument of the wrong type (2345), the wrong number of arguments (2554, 2555), or
 * an object that does not fit the parameter's type (2322, 2353, 2559, 2739, 2741).
 */
const MISUSE_CODES = new Set([2345, 2554, 2555, 2322, 2353, 2559, 2739, 2741]);

/**
 * Whether a diagnostic of a failed run's own code says it calls something with arguments
 * its declarations do not accept. When the failure was thrown inside a saved integration,
 * it is then the caller's bad input, not the integration's (usage figures do not count it
 * against the integration; see run-diagnostics.ts).
 */
export function isCallerMisuse(d: TypeDiagnostic): boolean {
  return MISUSE_CODES.has(d.code);
}

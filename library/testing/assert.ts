/** Assertion helpers for integration tests: each failure throws with what was expected and what came. */

let checks = 0;

/** How many checks have run so far in this run. */
export function checkCount(): number {
  return checks;
}

/** What a failed check says: the caller's message, else what the check was. */
function describe(message: string | undefined, fallback: string): string {
  return message === undefined || message === "" ? fallback : message;
}

/** Shows a value in a failure message: JSON where it has one, else its String form. */
function show(value: unknown): string {
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws `Check failed: <message>` unless `condition` is truthy (without a message: what the value was). */
export function assert(condition: unknown, message?: string): void {
  checks++;
  if (!condition) throw new Error(`Check failed: ${describe(message, `expected a truthy value, got ${show(condition)}`)}`);
}

/** Deep equality: same primitives (NaN equals NaN), same array items, same own keys in any order, equal Dates. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Throws unless `actual` deep-equals `expected`, showing both as JSON. */
export function assertEqual(actual: unknown, expected: unknown, message?: string): void {
  checks++;
  if (!deepEqual(actual, expected)) {
    throw new Error(`Check failed: ${describe(message, "values differ")}\n  expected: ${show(expected)}\n  actual:   ${show(actual)}`);
  }
}

/** Throws unless `fn()` throws an error whose message matches `pattern`. */
export function assertThrows(fn: () => unknown, pattern: RegExp, message?: string): void {
  message = describe(message, "the call");
  checks++;
  try {
    fn();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (!pattern.test(text)) throw new Error(`Check failed: ${message}: error ${JSON.stringify(text)} does not match ${pattern}`);
    return;
  }
  throw new Error(`Check failed: ${message}: expected an error`);
}

/** Like assertThrows for async functions: awaits `fn()` and expects it to reject. */
export async function assertRejects(fn: () => Promise<unknown>, pattern: RegExp, message?: string): Promise<void> {
  message = describe(message, "the call");
  checks++;
  try {
    await fn();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (!pattern.test(text)) throw new Error(`Check failed: ${message}: error ${JSON.stringify(text)} does not match ${pattern}`);
    return;
  }
  throw new Error(`Check failed: ${message}: expected a rejection`);
}

/** Assertion helpers for integration tests: each failure throws with what was expected and what came. */
/** How many checks have run so far in this run. */
export declare function checkCount(): number;
/** Throws `Check failed: <message>` unless `condition` is truthy (without a message: what the value was). */
export declare function assert(condition: unknown, message?: string): void;
/** Deep equality: same primitives (NaN equals NaN), same array items, same own keys in any order, equal Dates. */
export declare function deepEqual(a: unknown, b: unknown): boolean;
/** Throws unless `actual` deep-equals `expected`, showing both as JSON. */
export declare function assertEqual(actual: unknown, expected: unknown, message?: string): void;
/** Throws unless `fn()` throws an error whose message matches `pattern`. */
export declare function assertThrows(fn: () => unknown, pattern: RegExp, message?: string): void;
/** Like assertThrows for async functions: awaits `fn()` and expects it to reject. */
export declare function assertRejects(fn: () => Promise<unknown>, pattern: RegExp, message?: string): Promise<void>;

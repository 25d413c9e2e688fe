/** The one key JSON can carry that a JavaScript object cannot hold as an ordinary entry. */
const PROTOTYPE_KEY = "__proto__";

/** What to tell a person whose file uses the key, after the key's path. */
export const PROTOTYPE_KEY_HINT = `'${PROTOTYPE_KEY}' cannot be used as a name (JavaScript reserves it); rename it`;

/**
 * The dotted path (e.g. `mcpServers.__proto__`) of the first `__proto__` key in a parsed
 * JSON value, if there is one. Validation drops such keys silently (assigning one sets
 * an object's prototype instead), so files are checked for them first. Iterative.
 */
export function prototypeKeyPath(value: unknown): string | undefined {
  const pending: Array<{ value: unknown; path: string }> = [{ value, path: "" }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (next.value === null || typeof next.value !== "object") continue;
    for (const [key, item] of Object.entries(next.value)) {
      const path = next.path ? `${next.path}.${key}` : key;
      if (key === PROTOTYPE_KEY) return path;
      pending.push({ value: item, path });
    }
  }
  return undefined;
}

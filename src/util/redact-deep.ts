import { setOwn } from "./set-own.js";

/**
 * A copy of a JSON-like value with every secret value in every string (keys included)
 * replaced by `[secret:NAME]`. Iterative: guest-made values may nest deeper than the
 * host's stack allows a recursive walk to go.
 */
/** What redaction needs of the secret vault: the names it knows and a text redactor. */
export interface Redactor {
  names(): readonly string[];
  redact(text: string): string;
}

export function redactDeep<T>(value: T, vault: Redactor): T {
  if (vault.names().length === 0) return value;
  const root: Record<string, unknown> = {};
  // Each task copies one value into its place in the copy; containers queue their items.
  const tasks: Array<{ into: Record<string, unknown> | unknown[]; at: string | number; value: unknown }> = [{ into: root, at: "value", value }];
  for (let task = tasks.pop(); task; task = tasks.pop()) {
    const { into, at, value: v } = task;
    let copy: unknown = v;
    if (typeof v === "string") copy = vault.redact(v);
    else if (Array.isArray(v)) {
      const items: unknown[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) tasks.push({ into: items, at: i, value: v[i] });
      copy = items;
    } else if (v !== null && typeof v === "object") {
      const fields: Record<string, unknown> = {};
      // Keys are set now, in order; their values are filled in when their tasks run.
      for (const [key, item] of Object.entries(v)) {
        const redacted = vault.redact(key);
        setOwn(fields, redacted, undefined);
        tasks.push({ into: fields, at: redacted, value: item });
      }
      copy = fields;
    }
    if (Array.isArray(into)) into[at as number] = copy;
    else setOwn(into, at as string, copy);
  }
  return root.value as T;
}

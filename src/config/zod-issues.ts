import type { z } from "zod";

type Issue = z.ZodError["issues"][number];

/** `unknown key 'a', 'b'`, each key after `prefix` (its parent's path and a dot). */
export function unknownKeys(keys: readonly PropertyKey[], prefix = ""): string {
  return `unknown key ${keys.map((k) => `'${prefix}${String(k)}'`).join(", ")}`;
}

/**
 * One validation problem of a settings file, as a person reads it: `'limits.timeoutMs':
 * expected number`, or `unknown key 'limits.colour': remove it or check its spelling`.
 */
export function describeZodIssue(issue: Issue): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") return `${unknownKeys(issue.keys, path ? `${path}.` : "")}: remove it or check its spelling`;
  return `'${path || "(top level)"}': ${issue.message}`;
}

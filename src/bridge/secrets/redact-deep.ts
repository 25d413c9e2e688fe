import type { SecretVault } from "./secret-vault.js";

/** A copy of a JSON-like value with every secret value in every string replaced by `[secret:NAME]`. */
export function redactDeep<T>(value: T, vault: SecretVault): T {
  if (vault.names().length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return vault.redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [vault.redact(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

import { compileModule } from "../sandbox/transpile.js";
import type { Integration } from "./library-store.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { UsageFigures } from "./usage-stats.js";
import type { LastVerification } from "./verification-records.js";
import { summarizeSignature } from "./signature-summary.js";

export interface IntegrationResult {
  kind: "integration";
  name: string;
  description: string;
  import: string;
  signature: string;
  version: string | null;
  updatedAt: string | null;
  verified: boolean;
  hosts: string[];
  secrets: string[];
  /** The `npm:` packages it imports, at the versions its metadata pins (name → version). */
  packages?: Record<string, string>;
  /** Why it is no longer verified, when a change elsewhere broke its test. */
  unverifiedReason?: string;
  /** The last re-run of its saved test (verify), when it ran against this version; `verified` is the save-time result. */
  lastVerification?: LastVerification;
  /** How it has been used on this machine (runs that loaded it, failures in its own code). */
  usage?: UsageFigures;
  /** detail "full": the most recent versions, newest first. */
  history?: Array<{ version: string; date: string; message: string }>;
  /** Declared secrets that are not configured on this machine (the integration cannot work until they are). */
  missingSecrets?: string[];
  tags?: string[];
  code?: string;
  test?: string;
}

/** The exact line to paste into code, naming every value the module exports. */
export function importLine(specifier: string, code: string): string {
  const compiled = compileModule(code, specifier);
  const exports = compiled.ok ? compiled.module.exports : [];
  const named = exports.filter((e) => e !== "default");
  const defaultName = exports.includes("default") ? specifier.split("/").at(-1)!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : undefined;
  const parts = [defaultName, named.length ? `{ ${named.join(", ")} }` : undefined].filter(Boolean);
  return parts.length ? `import ${parts.join(", ")} from "${specifier}";` : `import "${specifier}";`;
}

export interface ResultExtras {
  /** The search query, to pick the declarations a summary shows. */
  query?: string;
  configuredSecrets?: ReadonlySet<string>;
  usage?: UsageFigures;
  history?: IntegrationResult["history"];
  lastVerification?: LastVerification;
}

export function integrationResult(record: Integration, full: boolean, extras: ResultExtras = {}): IntegrationResult {
  const configuredSecrets = extras.configuredSecrets ?? new Set<string>();
  const specifier = `${LIBRARY_PREFIX}${record.name}`;
  const result: IntegrationResult = {
    kind: "integration",
    name: record.name,
    description: record.meta.description,
    import: importLine(specifier, record.code),
    signature: full ? record.signature : summarizeSignature(record.signature, extras.query),
    version: record.version ?? null,
    updatedAt: record.updatedAt ?? null,
    verified: record.meta.verified,
    hosts: record.meta.hosts,
    secrets: record.meta.secrets,
  };
  const missing = record.meta.secrets.filter((s) => !configuredSecrets.has(s));
  if (missing.length) result.missingSecrets = missing;
  if (record.meta.packages) result.packages = Object.fromEntries(Object.entries(record.meta.packages).map(([name, pin]) => [name, pin.version]));
  if (record.meta.unverifiedReason) result.unverifiedReason = record.meta.unverifiedReason;
  if (extras.lastVerification) result.lastVerification = extras.lastVerification;
  if (extras.usage) result.usage = extras.usage;
  if (record.meta.tags.length) result.tags = record.meta.tags;
  if (full) {
    result.code = record.code;
    if (record.test !== undefined) result.test = record.test;
    if (extras.history) result.history = extras.history;
  }
  return result;
}

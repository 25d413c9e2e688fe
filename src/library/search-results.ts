import { compileModule } from "../sandbox/transpile.js";
import type { Integration } from "./library-store.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { UsageFigures } from "./usage-stats.js";
import type { LastVerification } from "./verification-records.js";
import { apiView } from "./api-view.js";
import { usageExample } from "./usage-example.js";

/** How much of an integration a search result shows. */
export type Detail = "summary" | "api" | "full";

export interface IntegrationResult {
  kind: "integration";
  name: string;
  description: string;
  import: string;
  /** One line per export: name, parameters, return type (every export, whole). */
  outline: string[];
  /** Full declarations with doc comments: of the best matches for the query (summary), or all ("api", "full"). */
  signature: string;
  /** One short usage line, from an `@example` doc comment or the saved test. */
  example?: string;
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
  /** How it has been used on this machine (see UsageFigures for what each figure counts). */
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
  return importLineOf(specifier, compiled.ok ? compiled.module.exports : []);
}

/** The import line for values exported under these names (`default` becomes a default import). */
export function importLineOf(specifier: string, exports: readonly string[]): string {
  const named = exports.filter((e) => e !== "default");
  const defaultName = exports.includes("default") ? specifier.split("/").at(-1)!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : undefined;
  const parts = [defaultName, named.length ? `{ ${named.join(", ")} }` : undefined].filter(Boolean);
  return parts.length ? `import ${parts.join(", ")} from "${specifier}";` : `import "${specifier}";`;
}

export interface ResultExtras {
  /** The search query, to pick the declarations a summary shows. */
  query?: string;
  /** The integration's declarations (LibraryStore.declarationsFor); its signature when absent. */
  declarations?: string;
  configuredSecrets?: ReadonlySet<string>;
  usage?: UsageFigures;
  history?: IntegrationResult["history"];
  lastVerification?: LastVerification;
}

export function integrationResult(record: Integration, detail: Detail, extras: ResultExtras = {}): IntegrationResult {
  const configuredSecrets = extras.configuredSecrets ?? new Set<string>();
  const specifier = `${LIBRARY_PREFIX}${record.name}`;
  const dts = extras.declarations ?? record.signature;
  const view = apiView(dts, extras.query, detail !== "summary");
  const result: IntegrationResult = {
    kind: "integration",
    name: record.name,
    description: record.meta.description,
    // From stored declarations when there are some (no compile on the search path); from the code otherwise.
    import: record.declarations !== undefined ? importLineOf(specifier, view.values) : importLine(specifier, record.code),
    outline: view.outline,
    signature: view.signature,
    version: record.version ?? null,
    updatedAt: record.updatedAt ?? null,
    verified: record.meta.verified,
    hosts: record.meta.hosts,
    secrets: record.meta.secrets,
  };
  const example = usageExample(dts, record.test, view.ranked);
  if (example) result.example = example;
  const missing = record.meta.secrets.filter((s) => !configuredSecrets.has(s));
  if (missing.length) result.missingSecrets = missing;
  if (record.meta.packages) result.packages = Object.fromEntries(Object.entries(record.meta.packages).map(([name, pin]) => [name, pin.version]));
  if (record.meta.unverifiedReason) result.unverifiedReason = record.meta.unverifiedReason;
  if (extras.lastVerification) result.lastVerification = extras.lastVerification;
  if (extras.usage) result.usage = extras.usage;
  if (record.meta.tags.length) result.tags = record.meta.tags;
  if (detail === "full") {
    result.code = record.code;
    if (record.test !== undefined) result.test = record.test;
    if (extras.history) result.history = extras.history;
  }
  return result;
}

import type { Integration } from "../library/library-store.js";
import type { Searchable } from "../library/search-index.js";
import { MCP_PREFIX } from "../bridge/upstream/upstream-modules.js";
import type { McpToolResult } from "../bridge/upstream/upstream-results.js";
import { SANDBOX_WORLD_ENTRIES, type BuiltinEntry } from "../sandbox/guest/sandbox-world.js";

/** One entry of the search index: a saved integration, an upstream tool, or something the sandbox offers. */
export type IndexedEntry = Searchable &
  ({ kind: "integration"; record: Integration } | { kind: "mcp-tool"; result: McpToolResult } | { kind: "builtin"; result: BuiltinEntry });

/** Builtins' ids cannot clash with integration names (which have no ':'). */
const BUILTIN_ID_PREFIX = "builtin:";

export function integrationEntry(record: Integration): IndexedEntry {
  return {
    kind: "integration",
    id: record.name,
    name: record.name,
    description: record.meta.description,
    tags: record.meta.tags,
    signature: record.signature,
    updatedAt: record.updatedAt,
    record,
  };
}

export function upstreamEntry(result: McpToolResult): IndexedEntry {
  return { id: `${MCP_PREFIX}${result.name}`, name: result.name, description: result.description, tags: [result.server, "mcp"], signature: result.signature, kind: "mcp-tool", result };
}

/**
 * The sandbox world's entries (globals and the `toolsmith` module), found like any
 * integration: "secret", "base64", "workspace", "fetch" …
 */
export function builtinEntries(): IndexedEntry[] {
  return SANDBOX_WORLD_ENTRIES.map((result) => ({
    id: `${BUILTIN_ID_PREFIX}${result.name}`,
    name: result.name,
    description: result.description,
    tags: ["builtin", result.import.includes('"toolsmith"') ? "toolsmith" : "global"],
    signature: result.signature,
    kind: "builtin",
    result,
  }));
}

import type { ToolAnnotations } from "@modelcontextprotocol/server";
import { MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "../limits-shared.js";

/**
 * The three tools as a model sees them: the single source for registering them and
 * for counting what they cost in context. Every word here is paid on every request,
 * so details live in search results and error messages instead.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
}

export const SEARCH_LIBRARY: ToolDefinition = {
  name: "search_library",
  description:
    'Find integrations, MCP tools and sandbox builtins for run_code: import line, outline, declarations. detail "api": all declarations; "full": source. Empty query lists all.',
  inputSchema: {
    type: "object",
    properties: {
      query: { type: "string", maxLength: MAX_SEARCH_QUERY_CHARS },
      limit: { type: "integer", minimum: 1, maximum: MAX_SEARCH_LIMIT },
      detail: { enum: ["summary", "api", "full"] },
    },
  },
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
};

export const RUN_CODE: ToolDefinition = {
  name: "run_code",
  description:
    "Run a TypeScript ES module in a fresh QuickJS sandbox (no Node APIs). Top-level await; result = `export default`; console → logs. " +
    'Import "library/<name>", "mcp/<server>", "npm:<pkg>@<range>", "toolsmith" (secret(name) returns a placeholder string, swapped in by the host only for that secret\'s hosts).',
  inputSchema: {
    type: "object",
    properties: {
      code: { type: "string" },
      timeoutMs: { type: "integer", minimum: 1 },
      // Drafts shadow saved integrations (and what imports them) for this run; nothing is saved.
      modules: { type: "object", description: 'unsaved drafts {"library/<name>": code}', additionalProperties: { type: "string" } },
    },
    required: ["code"],
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
};

export const SAVE_INTEGRATION: ToolDefinition = {
  name: "save_integration",
  description:
    "Commit a TS module as library/<name> if its `test` passes (run_code code that imports it and throws on failure). " +
    "hosts/secrets: what it fetches and uses, enforced in the test. Update: edits instead of code; omitted fields are kept.",
  inputSchema: {
    type: "object",
    properties: {
      name: { type: "string", description: "e.g. github/issues" },
      description: { type: "string" },
      code: { type: "string" },
      edits: { type: "array", description: "[{find, replace, target?: \"test\"}], each find matching once" },
      baseVersion: { type: "string" },
      test: { type: "string" },
      message: { type: "string" },
      tags: { type: "array", items: { type: "string" } },
      hosts: { type: "array", items: { type: "string" } },
      secrets: { type: "array", items: { type: "string" } },
    },
    required: ["name"],
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
};

/** In the order tools/list returns them. */
export const TOOL_DEFINITIONS: readonly ToolDefinition[] = [SEARCH_LIBRARY, RUN_CODE, SAVE_INTEGRATION];

import { fromJsonSchema, type McpServer } from "@modelcontextprotocol/server";
import { MAX_SEARCH_LIMIT, type Toolsmith } from "../../toolsmith.js";
import { internalError, toolResult } from "../tool-result.js";

export const SEARCH_LIBRARY_DESCRIPTION =
  'Find saved integrations to import in run_code. Each result has its import line and TypeScript signature; detail "full" adds the source. Empty query lists all, newest first.';

export function registerSearchLibrary(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    "search_library",
    {
      description: SEARCH_LIBRARY_DESCRIPTION,
      inputSchema: fromJsonSchema<{ query?: string; limit?: number; detail?: "summary" | "full" }>({
        type: "object",
        properties: {
          query: { type: "string" },
          limit: { type: "integer", minimum: 1, maximum: MAX_SEARCH_LIMIT },
          detail: { enum: ["summary", "full"] },
        },
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const response = await toolsmith.search(args);
        return toolResult(response as unknown as Record<string, unknown>);
      } catch (error) {
        return internalError(error);
      }
    },
  );
}

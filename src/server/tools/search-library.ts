import { fromJsonSchema, type McpServer } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../../toolsmith.js";
import { SEARCH_LIBRARY } from "../tool-definitions.js";
import { internalError, toolResult } from "../tool-result.js";

export function registerSearchLibrary(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    SEARCH_LIBRARY.name,
    {
      description: SEARCH_LIBRARY.description,
      inputSchema: fromJsonSchema<{ query?: string; limit?: number; detail?: "summary" | "api" | "full" }>(SEARCH_LIBRARY.inputSchema),
      annotations: SEARCH_LIBRARY.annotations,
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

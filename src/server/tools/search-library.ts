import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { MAX_SEARCH_LIMIT, type Toolsmith } from "../../toolsmith.js";
import { internalError, toolResult } from "../tool-result.js";

export const SEARCH_LIBRARY_DESCRIPTION =
  'Find saved integrations to import in run_code. Each result has its import line and TypeScript signature; detail "full" adds the source. Empty query lists all, newest first.';

export function registerSearchLibrary(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    "search_library",
    {
      description: SEARCH_LIBRARY_DESCRIPTION,
      inputSchema: z.object({
        query: z.string().optional(),
        limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
        detail: z.enum(["summary", "full"]).optional(),
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

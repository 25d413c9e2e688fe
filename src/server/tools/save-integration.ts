import { fromJsonSchema, type McpServer } from "@modelcontextprotocol/server";
import type { SaveRequest } from "../../library/save-integration.js";
import type { Toolsmith } from "../../toolsmith.js";
import { SAVE_INTEGRATION } from "../tool-definitions.js";
import { internalError, toolResult } from "../tool-result.js";

export function registerSaveIntegration(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    SAVE_INTEGRATION.name,
    {
      description: SAVE_INTEGRATION.description,
      inputSchema: fromJsonSchema<SaveRequest>(SAVE_INTEGRATION.inputSchema),
      annotations: SAVE_INTEGRATION.annotations,
    },
    async (args) => {
      try {
        const outcome = await toolsmith.save(args);
        if (outcome.ok) {
          const { ok: _ok, ...body } = outcome;
          return toolResult(body);
        }
        return toolResult({ ok: false, phase: outcome.phase, error: outcome.error, ...(outcome.logs?.length ? { logs: outcome.logs } : {}) }, true);
      } catch (error) {
        return internalError(error);
      }
    },
  );
}

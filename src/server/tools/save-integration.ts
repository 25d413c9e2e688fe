import { fromJsonSchema, type McpServer } from "@modelcontextprotocol/server";
import type { SaveRequest } from "../../library/save-integration.js";
import type { Toolsmith } from "../../toolsmith.js";
import { internalError, toolResult } from "../tool-result.js";

export const SAVE_INTEGRATION_DESCRIPTION =
  "Save a TS module that exports functions as library/<name> (a new git version). `test` is run_code code importing it from library/<name>, throwing on failure (asserts: library/testing/assert); nothing is saved unless it compiles and the test passes.";

export function registerSaveIntegration(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    "save_integration",
    {
      description: SAVE_INTEGRATION_DESCRIPTION,
      // The name rule is checked by the save itself, whose error explains it; the schema stays small.
      inputSchema: fromJsonSchema<SaveRequest>({
        type: "object",
        properties: {
          name: { type: "string", description: "e.g. github/issues" },
          description: { type: "string" },
          code: { type: "string" },
          test: { type: "string" },
          message: { type: "string" },
          tags: { type: "array", items: { type: "string" } },
          hosts: { type: "array", items: { type: "string" } },
          secrets: { type: "array", items: { type: "string" } },
        },
        required: ["name", "description", "code"],
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
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

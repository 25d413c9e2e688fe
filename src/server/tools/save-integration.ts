import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { INTEGRATION_NAME, INTEGRATION_NAME_HINT } from "../../library/names.js";
import type { Toolsmith } from "../../toolsmith.js";
import { internalError, toolResult } from "../tool-result.js";

export const SAVE_INTEGRATION_DESCRIPTION =
  "Save a TS module that exports functions as library/<name> (a new git version). `test` is run_code code importing it from library/<name>, throwing on failure; nothing is saved unless it compiles and the test passes.";

export function registerSaveIntegration(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    "save_integration",
    {
      description: SAVE_INTEGRATION_DESCRIPTION,
      inputSchema: z.object({
        name: z.string().regex(INTEGRATION_NAME, `name must be ${INTEGRATION_NAME_HINT}`).describe("e.g. github/issues"),
        description: z.string().min(1),
        code: z.string(),
        test: z.string().optional(),
        message: z.string().optional(),
        tags: z.array(z.string()).optional(),
        hosts: z.array(z.string()).optional(),
        secrets: z.array(z.string()).optional(),
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

import { fromJsonSchema, type McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../../toolsmith.js";
import { internalError, toolResult } from "../tool-result.js";

export const RUN_CODE_DESCRIPTION =
  "Run TypeScript/JS as an ES module in a fresh QuickJS sandbox (no Node/fs). Top-level await ok; result = `export default` (JSON), console output returned as logs. " +
  'Reuse saved code: `import { f } from "library/<name>"` (see search_library). Globals: fetch, URL, TextEncoder, atob/btoa, setTimeout; `import { secret, workspace, sleep, progress } from "toolsmith"`.';

export function registerRunCode(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    "run_code",
    {
      description: RUN_CODE_DESCRIPTION,
      inputSchema: fromJsonSchema<{ code: string; timeoutMs?: number }>({
        type: "object",
        properties: { code: { type: "string" }, timeoutMs: { type: "integer", minimum: 1 } },
        required: ["code"],
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ code, timeoutMs }, ctx: ServerContext) => {
      try {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        let progressCount = 0;
        const report = await toolsmith.run(code, {
          timeoutMs,
          signal: ctx.mcpReq.signal,
          onProgress:
            progressToken === undefined
              ? undefined
              : (message, progress, total) => {
                  progressCount += 1;
                  void ctx.mcpReq
                    .notify({ method: "notifications/progress", params: { progressToken, progress: progress ?? progressCount, total, message } })
                    .catch(() => undefined);
                },
        });
        return toolResult(report as unknown as Record<string, unknown>, !report.ok);
      } catch (error) {
        return internalError(error);
      }
    },
  );
}

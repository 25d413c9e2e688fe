import { fromJsonSchema, type McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../../toolsmith.js";
import { RUN_CODE } from "../tool-definitions.js";
import { internalError, toolResult } from "../tool-result.js";

export function registerRunCode(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    RUN_CODE.name,
    {
      description: RUN_CODE.description,
      inputSchema: fromJsonSchema<{ code: string; timeoutMs?: number }>(RUN_CODE.inputSchema),
      annotations: RUN_CODE.annotations,
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

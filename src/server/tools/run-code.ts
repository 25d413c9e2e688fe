import { fromJsonSchema, type McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../../toolsmith.js";
import { RUN_CODE } from "../tool-definitions.js";
import { internalError, toolResult } from "../tool-result.js";
import { requestContext } from "../request-client.js";

export function registerRunCode(server: McpServer, toolsmith: Toolsmith): void {
  server.registerTool(
    RUN_CODE.name,
    {
      description: RUN_CODE.description,
      inputSchema: fromJsonSchema<{ code: string; timeoutMs?: number; modules?: Record<string, string> }>(RUN_CODE.inputSchema),
      annotations: RUN_CODE.annotations,
    },
    async ({ code, timeoutMs, modules }, ctx: ServerContext) => {
      try {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        let progressCount = 0;
        // Sent only when the client asked for progress: progress() calls and console lines.
        const notify = (message: string, progress?: number, total?: number) => {
          progressCount += 1;
          void ctx.mcpReq
            .notify({ method: "notifications/progress", params: { progressToken: progressToken!, progress: progress ?? progressCount, total, message } })
            .catch(() => undefined);
        };
        const http = requestContext.getStore();
        const report = await toolsmith.run(code, {
          timeoutMs,
          modules,
          signal: http?.signal ? AbortSignal.any([ctx.mcpReq.signal, http.signal]) : ctx.mcpReq.signal,
          client: http?.client ?? "stdio",
          onProgress: progressToken === undefined ? undefined : notify,
          onLog: progressToken === undefined ? undefined : (entry) => notify(entry.level === "log" ? entry.text : `[${entry.level}] ${entry.text}`),
        });
        return toolResult(report as unknown as Record<string, unknown>, !report.ok);
      } catch (error) {
        return internalError(error);
      }
    },
  );
}

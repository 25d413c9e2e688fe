import { CLIENT_CAPABILITIES_META_KEY, fromJsonSchema, PROTOCOL_VERSION_META_KEY, type McpServer, type ServerContext } from "@modelcontextprotocol/server";
import type { Asker } from "../../bridge/approvals/approval-gate.js";
import type { RunReport, Toolsmith } from "../../toolsmith.js";
import { elicitationAsker } from "../approval-asker.js";
import { PausedRuns } from "../paused-runs.js";
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
        const client = http?.client ?? "stdio";
        const signal = http?.signal ? AbortSignal.any([ctx.mcpReq.signal, http.signal]) : ctx.mcpReq.signal;
        const run = (asker: Asker | undefined, runSignal: AbortSignal) =>
          toolsmith.run(code, {
            timeoutMs,
            modules,
            signal: runSignal,
            client,
            asker,
            trigger: { kind: "tool-call" },
            // W3C trace context rides in the request's _meta (the MCP key); the run's trace continues it.
            traceparent: stringOrUndefined(ctx.mcpReq._meta?.traceparent),
            onProgress: progressToken === undefined ? undefined : notify,
            onLog: progressToken === undefined ? undefined : (entry) => notify(entry.level === "log" ? entry.text : `[${entry.level}] ${entry.text}`),
          });
        const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
        if (envelope?.[PROTOCOL_VERSION_META_KEY] !== undefined) {
          // 2026 revision: questions go out as input_required results; the retried call resumes the paused run.
          const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: unknown } | undefined;
          const paused = pausedRunsOf(toolsmith);
          const outcome =
            ctx.mcpReq.requestState() !== undefined
              ? await paused.resume(ctx, signal)
              : capabilities?.elicitation
                ? await paused.start(signal, (asker, runSignal) => run(asker, runSignal))
                : { done: await run(undefined, signal) };
          if ("ask" in outcome) return outcome.ask;
          if ("gone" in outcome) return toolResult({ ok: false, error: { name: "ApprovalDeniedError", message: outcome.gone } }, true);
          return toolResult(outcome.done as unknown as Record<string, unknown>, !outcome.done.ok);
        }
        // 2025-era Streamable HTTP is served statelessly (a server per request): the answer to a
        // mid-call elicitation request would reach another instance, so such a client cannot be asked.
        const asker = http ? statelessHttpAsker : server.server.getClientCapabilities()?.elicitation ? elicitationAsker(ctx, toolsmith.approvalTimeoutSeconds()) : undefined;
        const report = await run(asker, signal);
        return toolResult(report as unknown as Record<string, unknown>, !report.ok);
      } catch (error) {
        return internalError(error);
      }
    },
  );
}

const statelessHttpAsker: Asker = async () => ({
  unaskable:
    "this client speaks the 2025 protocol over Streamable HTTP, where toolsmith cannot ask a person in the middle of a call (connect with protocol revision 2026-07-28, or over stdio, to be asked)",
});

/** Runs paused between rounds of 2026-era calls, one set per home (the HTTP server makes a server per request). */
const pausedRuns = new WeakMap<Toolsmith, PausedRuns<RunReport>>();

function pausedRunsOf(toolsmith: Toolsmith): PausedRuns<RunReport> {
  let runs = pausedRuns.get(toolsmith);
  if (!runs) {
    runs = new PausedRuns<RunReport>(toolsmith.approvalTimeoutSeconds());
    pausedRuns.set(toolsmith, runs);
  }
  return runs;
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

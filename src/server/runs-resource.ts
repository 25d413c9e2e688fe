import type { McpServer } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../toolsmith.js";
import { DEFAULT_RUNS_LISTED } from "../telemetry/run-log.js";

export const RUNS_RESOURCE_URI = "toolsmith://runs";

/**
 * `toolsmith://runs`: the last runs of this home (tool calls, schedules, hooks, CLI)
 * with their spans, as JSON, newest first. A resource, not a tool: the tool list stays three.
 */
export function registerRunsResource(server: McpServer, toolsmith: Toolsmith): void {
  server.registerResource(
    "runs",
    RUNS_RESOURCE_URI,
    {
      description: `The last ${DEFAULT_RUNS_LISTED} runs, newest first: outcome, duration, what started each (tool call, schedule, hook), the saved integrations it imported with their versions, and a span per fetch, upstream MCP call and workspace operation. Secret values appear as [secret:NAME].`,
      mimeType: "application/json",
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify({ runs: await toolsmith.runs() }) }],
    }),
  );
}

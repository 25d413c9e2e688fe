import { toolSignature } from "./schema-to-ts.js";
import type { UpstreamTool } from "./upstream-connection.js";
import { MCP_PREFIX, toolIdentifiers } from "./upstream-modules.js";

export interface McpToolResult {
  kind: "mcp-tool";
  /** `<server>/<tool>` */
  name: string;
  server: string;
  tool: string;
  description: string;
  import: string;
  signature: string;
  /** Set when the server cannot be used right now. */
  unavailable?: string;
}

/** Search results for every tool of one upstream server. */
export function upstreamToolResults(server: string, tools: UpstreamTool[]): McpToolResult[] {
  const ids = toolIdentifiers(tools);
  return tools.map((tool) => {
    const id = ids.get(tool.name)!;
    return {
      kind: "mcp-tool",
      name: `${server}/${tool.name}`,
      server,
      tool: tool.name,
      description: tool.description?.trim() ?? "",
      import: `import { ${id} } from "${MCP_PREFIX}${server}";`,
      signature: toolSignature(tool, id),
    };
  });
}

import { toolSignature } from "./schema-to-ts.js";
import type { UpstreamTool } from "./upstream-connection.js";
import { MCP_PREFIX, toolIdentifiers } from "./upstream-modules.js";

export interface McpToolResult {
  kind: "mcp-tool";
  /** `<server>/<tool>` */
  name: string;
  server: string;
  description: string;
  import: string;
  signature: string;
  /** Set when the server cannot be used right now. */
  unavailable?: string;
}

/** Longest tool description a summary result shows (its first sentence, at most this). */
const SUMMARY_DESCRIPTION_CHARS = 200;

/**
 * The summary form: the description cut to its first sentences, and the signature
 * without its doc comment (which only repeats the description).
 */
export function summarizeToolResult(result: McpToolResult): McpToolResult {
  const signature = result.signature.replace(/^\/\*\*[^\n]*\*\/\n/, "");
  let description = result.description;
  const firstSentence = /^[\s\S]*?[.!?](?=\s|$)/.exec(description)?.[0];
  if (firstSentence && firstSentence.length < description.length) description = `${firstSentence} …`;
  if (description.length > SUMMARY_DESCRIPTION_CHARS) {
    // Cut at a word boundary, never inside a word.
    const head = description.slice(0, SUMMARY_DESCRIPTION_CHARS + 1);
    const end = head.search(/\s\S*$/);
    description = `${(end > 0 ? head.slice(0, end) : head.slice(0, SUMMARY_DESCRIPTION_CHARS)).trimEnd()} …`;
  }
  return { ...result, description, signature };
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
      description: tool.description?.trim() ?? "",
      import: `import { ${id} } from "${MCP_PREFIX}${server}";`,
      signature: toolSignature(tool, id),
    };
  });
}

import type { CallToolResult } from "@modelcontextprotocol/server";

/** Every tool answers with structured content plus the same JSON as a text block. */
export function toolResult(body: Record<string, unknown>, isError = false): CallToolResult {
  const result: CallToolResult = { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body };
  if (isError) result.isError = true;
  return result;
}

/** An unexpected failure inside toolsmith, reported to the model without killing the server. */
export function internalError(error: unknown): CallToolResult {
  const message = error instanceof Error ? error.message : String(error);
  return toolResult({ ok: false, error: { name: "InternalError", message: `toolsmith failed unexpectedly: ${message}. The server is still running; try again.` } }, true);
}

import { createRequire } from "node:module";
import type * as TS from "typescript";

/**
 * Where a JSON text stops being JSON, as people read files: "line 3, column 8: Expected
 * double-quoted property name". V8 gives a byte offset for most errors and a snippet for
 * the rest; for those the TypeScript compiler's JSON parser (already a dependency, loaded
 * only on this error path) finds the position. The result never quotes the text, which
 * may hold tokens.
 */
export function describeJsonSyntaxError(text: string): string {
  let message = "";
  try {
    JSON.parse(text);
    return "it is valid JSON";
  } catch (error) {
    message = (error as Error).message;
  }
  const positioned = /^(.*?)(?: in JSON)? at position (\d+)/.exec(message);
  if (positioned) return `${where(text, Number(positioned[2]))}: ${positioned[1]}`;
  const token = /^Unexpected token '(.{1,4})'/.exec(message)?.[1];
  const ts = createRequire(import.meta.url)("typescript") as typeof TS;
  const file = ts.parseJsonText("file.json", text);
  const first = (file as unknown as { parseDiagnostics?: TS.DiagnosticWithLocation[] }).parseDiagnostics?.[0];
  if (first) return `${where(text, first.start)}: ${ts.flattenDiagnosticMessageText(first.messageText, " ")}`;
  return token ? `unexpected '${token}'` : message.includes("end of JSON") ? "it ends too early" : "it is not valid JSON";
}

function where(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

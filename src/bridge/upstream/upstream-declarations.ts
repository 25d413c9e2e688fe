import { toolSignature, type ToolLike } from "./schema-to-ts.js";
import { toolIdentifiers } from "./upstream-modules.js";

/**
 * The declaration file of the guest module `mcp/<server>`, to pass as `importable.upstream`:
 * what `upstreamModuleSource` (bridge/upstream/upstream-modules.ts) generates, typed: one
 * async function per tool under its identifier, and the default export that maps each
 * tool's own name to it. Without the default export, `import mem from "mcp/memory"` would
 * be refused as a missing import although it runs.
 */
export function upstreamDeclarations(tools: readonly ToolLike[]): string {
  const ids = toolIdentifiers([...tools]);
  const lines = tools.map((tool) => toolSignature(tool, ids.get(tool.name)!));
  const entries = tools.map((tool) => `    ${JSON.stringify(tool.name)}: typeof ${ids.get(tool.name)};`);
  lines.push(`declare const _default: {\n${entries.join("\n")}\n};`, "export default _default;", "");
  return lines.join("\n");
}

import type { ModuleSource } from "../../sandbox/sandbox.js";
import { compileModule, type CompileResult } from "../../sandbox/transpile.js";
import { UPSTREAM_HOST_CALL } from "../../sandbox/worker/caller-bindings.js";
import { identifierMap } from "./tool-names.js";
import type { UpstreamHub } from "./upstream-hub.js";
import type { UpstreamTool } from "./upstream-connection.js";

export const MCP_PREFIX = "mcp/";

/** Names the generated module uses for itself; tools get other identifiers. */
const INTERNAL = "$$toolsmithInternal";
const CALL = "$$toolsmithCall";

/** Tool name -> exported identifier, never clashing with the module's own names. */
export function toolIdentifiers(tools: UpstreamTool[]): Map<string, string> {
  const ids = identifierMap(tools.map((t) => t.name));
  const taken = new Set([INTERNAL, CALL, ...ids.values()]);
  for (const [name, id] of ids) {
    if (id !== INTERNAL && id !== CALL) continue;
    let n = 2;
    while (taken.has(`${id}_${n}`)) n++;
    ids.set(name, `${id}_${n}`);
    taken.add(`${id}_${n}`);
  }
  return ids;
}

/** The guest module `mcp/<server>`: one async function per tool, calling the host. */
export function upstreamModuleSource(server: string, tools: UpstreamTool[]): string {
  const ids = toolIdentifiers(tools);
  const lines = [
    `import { __internal as ${INTERNAL} } from "toolsmith";`,
    // The sandbox finds this call by its text (UPSTREAM_HOST_CALL) to bind an integration's own instance to it.
    `const ${CALL} = (tool, args) => ${UPSTREAM_HOST_CALL}"mcp.call", { server: ${JSON.stringify(server)}, tool, args: args === undefined ? {} : args });`,
  ];
  for (const tool of tools) lines.push(`export const ${ids.get(tool.name)} = (args) => ${CALL}(${JSON.stringify(tool.name)}, args);`);
  lines.push(`export default { ${tools.map((t) => `${JSON.stringify(t.name)}: ${ids.get(t.name)}`).join(", ")} };`);
  return lines.join("\n");
}

/** Resolves `mcp/<server>` specifiers for the sandbox, waiting for a server still starting. */
export class UpstreamModules implements ModuleSource {
  constructor(private readonly hub: UpstreamHub) {}

  async resolve(specifier: string): Promise<CompileResult | undefined> {
    if (!specifier.startsWith(MCP_PREFIX)) return undefined;
    const server = specifier.slice(MCP_PREFIX.length);
    if (!this.hub.has(server)) return undefined;
    await this.hub.settled(server);
    const tools = this.hub.tools(server);
    if (!tools) return undefined;
    return compileModule(upstreamModuleSource(server, tools), specifier);
  }

  missing(specifier: string): string | undefined {
    if (!specifier.startsWith(MCP_PREFIX)) return undefined;
    const server = specifier.slice(MCP_PREFIX.length);
    const state = this.hub.state(server);
    if (state?.status === "unavailable") return `Cannot import '${specifier}': the upstream MCP server '${server}' is unavailable: ${state.reason}.`;
    const names = this.hub.names();
    return `Cannot import '${specifier}': no upstream MCP server named '${server}' is configured (${names.length ? `configured: ${names.join(", ")}` : "none are"}). Add it under mcpServers in config.json.`;
  }
}

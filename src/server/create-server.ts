import { McpServer } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../toolsmith.js";
import { registerRunCode } from "./tools/run-code.js";
import { registerSaveIntegration } from "./tools/save-integration.js";
import { registerSearchLibrary } from "./tools/search-library.js";
import { SERVER_VERSION } from "../version.js";
import { registerLibraryResources } from "./library-resources.js";
import { registerRunsResource } from "./runs-resource.js";

/**
 * The MCP server: exactly three tools, always in this order. No side effects:
 * everything it serves comes from the `Toolsmith` passed in.
 */
export function createServer(toolsmith: Toolsmith): McpServer {
  const server = new McpServer(
    { name: "toolsmith", version: SERVER_VERSION },
    {
      capabilities: { tools: {}, resources: {} },
      instructions:
        "Write TypeScript that calls APIs and run it with run_code; find reusable code first with search_library; save what works with save_integration so it can be imported next time.",
    },
  );
  registerSearchLibrary(server, toolsmith);
  registerRunCode(server, toolsmith);
  registerSaveIntegration(server, toolsmith);
  registerLibraryResources(server, toolsmith);
  registerRunsResource(server, toolsmith);
  return server;
}

import { ResourceTemplate, type McpServer } from "@modelcontextprotocol/server";
import type { Toolsmith } from "../toolsmith.js";
import { isIntegrationName } from "../library/names.js";

/**
 * `library://<name>`: each integration's source as an MCP resource, for clients that
 * browse resources. Resources are listed on demand, so the tool list does not grow.
 */
export function registerLibraryResources(server: McpServer, toolsmith: Toolsmith): void {
  server.registerResource(
    "integration",
    new ResourceTemplate("library://{+name}", {
      list: async () => ({
        resources: (await toolsmith.integrations()).map((r) => ({
          uri: `library://${r.name}`,
          name: r.name,
          description: r.meta.description,
          mimeType: "text/typescript",
        })),
      }),
    }),
    { description: "Source of a saved integration", mimeType: "text/typescript" },
    async (uri, variables) => {
      const name = String(Array.isArray(variables.name) ? variables.name.join("/") : variables.name);
      const record = isIntegrationName(name) ? await toolsmith.get(name) : undefined;
      if (!record) throw new Error(`No integration named '${name}'. List resources (or use search_library) to see what exists.`);
      return { contents: [{ uri: uri.href, mimeType: "text/typescript", text: record.code }] };
    },
  );
}

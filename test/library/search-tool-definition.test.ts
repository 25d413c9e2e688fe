import { describe, expect, it } from "vitest";
import { toolListCost } from "../../dist/context/count-tokens.js";
import { useServer } from "../helpers.js";

describe("search_library's definition", () => {
  const server = useServer();

  it("names the detail levels in few words and keeps tools/list within 450 tokens", async () => {
    const { tools } = await server.env.client.listTools();
    const search = tools.find((t) => t.name === "search_library")!;
    expect((search.inputSchema.properties as Record<string, { enum?: string[] }>).detail!.enum).toEqual(["summary", "api", "full"]);
    expect(search.description).toContain('detail "api"');
    expect(search.description).toContain("builtins");
    expect(toolListCost(tools).apiTokens).toBeLessThanOrEqual(450);
  });

  it('accepts detail "api" and refuses other levels with a clear error', async () => {
    const api = await server.env.call("search_library", { query: "csv", detail: "api" });
    expect(api.isError, api.text).toBe(false);
    const bad = await server.env.call("search_library", { query: "csv", detail: "everything" });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/detail/);
  });
});

import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

describe("search_library finds what the sandbox itself offers (kind builtin)", () => {
  const server = useServer();
  const builtins = async (query: string) => {
    const reply = await server.env.call("search_library", { query });
    expect(reply.isError, reply.text).toBe(false);
    return reply.body.results.filter((r: { kind: string }) => r.kind === "builtin");
  };

  it.each([
    ["secret", "secret", 'import { secret } from "toolsmith";', "export function secret(name: string): string;"],
    ["workspace files", "workspace", 'import { workspace } from "toolsmith";', "export interface WorkspaceEntry"],
    ["fetch", "fetch", "// a global: no import needed", "declare function fetch("],
    ["base64", "atob", "// a global: no import needed", "declare function atob(data: string): string;"],
  ])("query %j finds %s with its import line and declarations", async (query, name, importLine, declaration) => {
    const found = await builtins(query);
    const entry = found.find((r: { name: string }) => r.name === name);
    expect(entry, JSON.stringify(found.map((r: { name: string }) => r.name))).toBeDefined();
    expect(entry.import).toBe(importLine);
    expect(entry.signature).toContain(declaration);
    expect(entry.description.length).toBeGreaterThan(10);
  });

  it("says that secret() returns a placeholder string synchronously", async () => {
    const [first] = await builtins("secret placeholder");
    expect(first.name).toBe("secret");
    expect(first.signature).toContain("returned synchronously");
  });

  it("an empty query counts builtins in its total and lists integrations first", async () => {
    const reply = await server.env.call("search_library", { query: "", limit: 100 });
    expect(reply.body.total).toBe(reply.body.shown);
    const kinds = reply.body.results.map((r: { kind: string }) => r.kind);
    expect(kinds).toContain("builtin");
    expect(kinds.indexOf("builtin")).toBeGreaterThan(kinds.lastIndexOf("integration"));
  });
});

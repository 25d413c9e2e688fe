import { describe, expect, it } from "vitest";
import { toolIdentifiers, upstreamModuleSource } from "../../dist/bridge/upstream/upstream-modules.js";
import { compileModule, initCompiler } from "../../dist/sandbox/transpile.js";

describe("generated mcp/<server> modules", () => {
  it("compile for tool names that clash with the module's own names or are not identifiers", async () => {
    await initCompiler();
    const tools = [{ name: "call" }, { name: "$$toolsmithCall" }, { name: "$$toolsmithInternal" }, { name: "get-sum" }, { name: "default" }, { name: "2fa" }, { name: "a.b" }];
    const compiled = compileModule(upstreamModuleSource("srv", tools), "mcp/srv");
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(compiled.module.exports.sort()).toEqual(["$$toolsmithCall_2", "$$toolsmithInternal_2", "_2fa", "a_b", "call", "default", "default_", "get_sum"].sort());
    expect(toolIdentifiers(tools).get("get-sum")).toBe("get_sum");
  });
});

import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

describe("CommonJS shapes are refused with what to write instead", () => {
  const server = useServer();

  it.each([
    { code: "return { a: 1 }", line: 1, shape: "top-level 'return'" },
    { code: "const x = 1;\nmodule.exports = x", line: 2, shape: "'module.exports'" },
    { code: "// helpers\nexports.total = 2", line: 2, shape: "'exports.…'" },
  ])("run_code: $shape", async ({ code, line, shape }) => {
    const reply = await server.env.call("run_code", { code });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("SyntaxError");
    expect(reply.body.error.message).toContain(shape);
    expect(reply.body.error.message).toContain("export default");
    expect(reply.body.error.line).toBe(line);
  });

  it("an ES module that merely mentions exports still runs", async () => {
    const reply = await server.env.call("run_code", { code: "const module = { exports: 3 };\nexport default module.exports + (typeof exports)" });
    expect(reply.body.result).toBe("3undefined");
  });

  it("save_integration refuses a CommonJS module before testing it", async () => {
    const reply = await server.env.call("save_integration", { name: "cjs/thing", description: "CommonJS", code: "exports.add = (a, b) => a + b;" });
    expect(reply.isError).toBe(true);
    expect(reply.text).toContain("export function");
  });
});

import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

describe("errors point at the guest's own code", () => {
  const server = useServer();

  it("a workspace error carries the line of the call in the agent's code", async () => {
    const reply = await server.env.call("run_code", { code: 'import { workspace } from "toolsmith";\nconst x = 1;\nawait workspace.read("nope.txt");\nexport default x' });
    expect(reply.body.error.name).toBe("WorkspaceError");
    expect(reply.body.error.line).toBe(3);
    expect(reply.body.error.stack).toContain("main.ts:3");
    expect(reply.body.error.stack).not.toMatch(/prelude|<fetch>/);
  });

  it("a refused fetch inside a function carries both frames", async () => {
    const reply = await server.env.call("run_code", { code: 'async function get() {\n  return await fetch("http://127.0.0.1:1/");\n}\nawait get();\nexport default 1' });
    expect(reply.body.error.name).toBe("NetworkRefusedError");
    expect(reply.body.error.line).toBe(2);
    expect(reply.body.error.stack).toMatch(/get \(main\.ts:2:\d+\)\n.*main\.ts:4/);
  });

  it("a dynamic import of something that cannot be imported names it and says what can", async () => {
    const url = await server.env.call("run_code", { code: 'await import("https://esm.sh/lodash");\nexport default 1' });
    expect(url.body.error.message).toContain("Cannot import 'https://esm.sh/lodash'");
    expect(url.body.error.message).toContain("'library/<name>'");
    const missing = await server.env.call("run_code", { code: 'const name = "library/nope";\nawait import(name);\nexport default 1' });
    expect(missing.body.error.message).toContain("Cannot find module 'library/nope'");
  });

  it("assert() without a message says what the value was", async () => {
    const reply = await server.env.call("run_code", { code: 'import { assert, assertEqual } from "library/testing/assert";\nlet a = "", b = "";\ntry { assert(0); } catch (e) { a = e.message; }\ntry { assertEqual([1], [2]); } catch (e) { b = e.message; }\nexport default [a, b]' });
    expect(reply.body.result[0]).toBe("Check failed: expected a truthy value, got 0");
    expect(reply.body.result[1]).toMatch(/^Check failed: values differ\n {2}expected: \[2\]\n {2}actual: {3}\[1\]$/);
  });
});

describe("refusal messages", () => {
  const server = useServer();

  it("name an address once when the host is the address", async () => {
    const reply = await server.env.call("run_code", { code: 'await fetch("http://127.0.0.1:9911/");\nexport default 1' });
    expect(reply.body.error.name).toBe("NetworkRefusedError");
    expect(reply.body.error.message).toContain('add "127.0.0.1:9911" to network.allow');
    expect(reply.body.error.message).not.toContain("(or ");
  });
});

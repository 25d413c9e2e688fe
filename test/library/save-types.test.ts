import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const MODULES = join(import.meta.dirname, "..", "..", "node_modules", "@modelcontextprotocol");

describe("save_integration type-checks code and test", () => {
  const server = useServer(() => ({
    limits: { timeoutMs: 5000 },
    mcpServers: { memory: { command: process.execPath, args: [join(MODULES, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: join(process.env.TMPDIR ?? "/tmp", `toolsmith-save-types-${process.pid}.jsonl`) } } },
  }));
  const save = (args: Record<string, unknown>) => server.env.call("save_integration", { description: "A check", ...args });
  const head = () => execFileSync("git", ["-C", join(server.home, "library"), "rev-parse", "HEAD"], { encoding: "utf8" }).trim();

  it("returns type errors as warnings with line and column in the agent's code, and saves", async () => {
    const code = `export function half(n: number): number {\n  return n / 2;\n}\n\nexport function label(n: number): string {\n  const s: string = n;\n  return s;\n}\n`;
    const test = `import { half } from "library/types/half";\nimport { assertEqual } from "library/testing/assert";\nassertEqual(half("4" as any), 2);\nconst wrong: number = half(2).toFixed(1);\n`;
    const reply = await save({ name: "types/half", code, test });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.warnings).toEqual([
      "code, line 6, column 9: Type 'number' is not assignable to type 'string'. (TS2322)",
      "test, line 4, column 7: Type 'string' is not assignable to type 'number'. (TS2322)",
    ]);
  });

  it("refuses a name that library/… does not export, listing what it does export, and commits nothing", async () => {
    const before = head();
    const reply = await save({ name: "types/uses", code: `import { halve } from "library/types/half";\nexport const quarter = (n: number): number => halve(halve(n));\n` });
    expect(reply.isError).toBe(true);
    expect(reply.body.phase).toBe("types");
    expect(reply.body.error.message).toContain("code, line 1, column 10: Module '\"library/types/half\"' has no exported member 'halve'");
    expect(reply.body.error.message).toContain("'library/types/half' exports: half, label. Nearest: 'half'.");
    expect(head()).toBe(before);
    expect(existsSync(join(server.home, "library", "types", "uses.ts"))).toBe(false);
  });

  it("refuses a missing toolsmith export and a missing tool of an upstream server, naming what exists", async () => {
    await server.env.toolsmith.upstreamsSettled();
    const before = head();
    const fromToolsmith = await save({ name: "types/secretive", code: `import { secrets } from "toolsmith";\nexport const token = (): string => String(secrets("API"));\n` });
    expect(fromToolsmith.isError).toBe(true);
    expect(fromToolsmith.body.error.message).toMatch(/has no exported member named 'secrets'\. Did you mean 'secret'\?/);
    expect(fromToolsmith.body.error.message).toMatch(/'toolsmith' exports: secret, .*sleep/);
    const fromMcp = await save({ name: "types/graph", code: `import { read_graf } from "mcp/memory";\nexport const graph = async (): Promise<unknown> => read_graf({});\n` });
    expect(fromMcp.isError).toBe(true);
    expect(fromMcp.body.phase).toBe("types");
    expect(fromMcp.body.error.message).toContain("read_graf");
    expect(fromMcp.body.error.message).toMatch(/'mcp\/memory' exports: .*read_graph/);
    const missingModule = await save({ name: "types/nowhere", code: `import { half } from "library/types/halff";\nexport const q = (n: number): number => half(n);\n` });
    expect(missingModule.isError).toBe(true);
    expect(missingModule.body.error.message).toContain("Did you mean 'library/types/half'?");
    expect(head()).toBe(before);
  });

  it("a name used only as a type is a warning, not a refusal (it never reaches the run)", async () => {
    const reply = await save({ name: "types/typed", code: `import type { Missing } from "library/types/half";\nexport const id = (x: Missing): Missing => x;\n` });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.warnings[0]).toMatch(/^code, line 1, column 15: .*has no exported member 'Missing'.*\(TS2305\)$/);
  });
});

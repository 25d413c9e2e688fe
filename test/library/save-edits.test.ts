import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const CODE = `/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

export function sub(a: number, b: number): number {
  return a - b;
}
`;
const TEST = `import { add, sub } from "library/math/ops";
import { assertEqual } from "library/testing/assert";
assertEqual(add(1, 2), 3);
assertEqual(sub(3, 1), 2);
`;

describe("save_integration edits the current version", () => {
  const server = useServer({ limits: { timeoutMs: 5000 } });
  const save = (args: Record<string, unknown>) => server.env.call("save_integration", { name: "math/ops", ...args });
  const head = () => execFileSync("git", ["-C", join(server.home, "library"), "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const file = (rel: string) => readFile(join(server.home, "library", rel), "utf8");
  let version = "";

  it("creating needs code and a description", async () => {
    const noCode = await save({ description: "Arithmetic" });
    expect(noCode.isError).toBe(true);
    expect(noCode.body.error.message).toContain("code is required to create 'math/ops'");
    const noEdits = await save({ description: "Arithmetic", edits: [{ find: "a", replace: "b" }] });
    expect(noEdits.body.error.message).toContain("does not exist yet, so there is nothing to edit");
    const created = await save({ description: "Arithmetic on numbers", code: CODE, test: TEST, tags: ["math"], hosts: ["api.example.com"] });
    expect(created.isError, created.text).toBe(false);
    version = created.body.version;
  });

  it("applies edits that each match once, keeping description, test, tags and hosts", async () => {
    const reply = await save({
      edits: [
        { find: "export function sub(a: number, b: number): number {\n  return a - b;\n}\n", replace: "export function sub(a: number, b: number): number {\n  return a - b;\n}\n\nexport function mul(a: number, b: number): number {\n  return a * b;\n}\n" },
        { find: "assertEqual(sub(3, 1), 2);\n", replace: "assertEqual(sub(3, 1), 2);\nassertEqual(mul(2, 3), 6);\n", target: "test" },
        { find: "import { add, sub }", replace: "import { add, sub, mul }", target: "test" },
      ],
      baseVersion: version.slice(0, 10),
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body).toMatchObject({ previousVersion: version, created: false, verified: true, test: { passed: true, assertions: 3 } });
    expect(reply.body.changes).toEqual({ linesAdded: 4, linesRemoved: 0, exportsAdded: ["mul"], exportsRemoved: [], exportsChanged: [] });
    expect(await file("math/ops.ts")).toContain("export function mul(a: number, b: number): number {\n  return a * b;\n}\n");
    expect(await file("math/ops.test.ts")).toContain("import { add, sub, mul }");
    const meta = JSON.parse(await file("math/ops.meta.json"));
    expect(meta).toMatchObject({ description: "Arithmetic on numbers", tags: ["math"], hosts: ["api.example.com"], verified: true });
    version = reply.body.version;
  });

  it("refuses a find that matches nothing, showing the closest text, and one that matches twice; nothing is committed", async () => {
    const before = head();
    const none = await save({ edits: [{ find: "export function add(a: number,b: number): number {", replace: "x" }] });
    expect(none.isError).toBe(true);
    expect(none.body.phase).toBe("input");
    expect(none.body.error.message).toContain("edits[0]: find matches 0 times in the code of 'math/ops'");
    expect(none.body.error.message).toContain("The closest text is at line 2:\n1| /** Adds two numbers. */\n2| export function add(a: number, b: number): number {\n3|   return a + b;");
    const twice = await save({ edits: [{ find: "return a * b;", replace: "return b * a;" }, { find: "(a: number, b: number): number {", replace: "(a: number, b: number) {" }] });
    expect(twice.isError).toBe(true);
    expect(twice.body.error.message).toContain("edits[1]: find matches 3 times in the code of 'math/ops'");
    expect(twice.body.error.message).toContain("(at lines 2, 6, 10)");
    const testless = await save({ edits: [{ find: "nothing here", replace: "", target: "test" }] });
    expect(testless.body.error.message).toContain("edits[0]: find matches 0 times in the test of 'math/ops'");
    expect(head()).toBe(before);
  });

  it("refuses a save based on a version that is no longer current, naming the current one", async () => {
    const before = head();
    const stale = await save({ baseVersion: "0000000", edits: [{ find: "return a + b;", replace: "return b + a;" }] });
    expect(stale.isError).toBe(true);
    expect(stale.body.error.name).toBe("VersionConflict");
    expect(stale.body.error.message).toContain(`its current version is ${version}, not 0000000`);
    const both = await save({ code: CODE, edits: [{ find: "a", replace: "b" }] });
    expect(both.body.error.message).toContain("Give either code (the whole module) or edits");
    expect(head()).toBe(before);
  });

  it("an update with only a new description keeps the code and runs the kept test", async () => {
    const reply = await save({ description: "Arithmetic: add, sub, mul" });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.changes).toEqual({ linesAdded: 0, linesRemoved: 0, exportsAdded: [], exportsRemoved: [], exportsChanged: [] });
    expect(reply.body.test).toMatchObject({ passed: true, assertions: 3 });
    expect(JSON.parse(await file("math/ops.meta.json"))).toMatchObject({ description: "Arithmetic: add, sub, mul", tags: ["math"], hosts: ["api.example.com"] });
  });
});

import { describe, expect, it } from "vitest";
import { certainFailures, diagnose, formatDiagnostic } from "../../dist/library/type-diagnostics.js";
import { upstreamDeclarations } from "../../dist/bridge/upstream/upstream-declarations.js";

const tracker = `/** An issue. */
export interface Issue { id: number; title: string }
export declare function listIssues(state?: "open" | "closed"): Promise<Issue[]>;
export declare function getIssue(id: number): Promise<Issue>;
`;
const memory = `/** Creates entities in the knowledge graph. */
export function create_entities(args: { entities: { name: string; entityType: string }[] }): Promise<unknown>;
export function read_graph(args?: {}): Promise<{ entities: { name: string }[] }>;
`;
const importable = { library: new Map([["tracker", tracker], ["github/issues", tracker]]), upstream: new Map([["memory", memory]]) };

describe("diagnose", () => {
  it("finds nothing in a correct program that uses the library, an upstream server and the sandbox world", () => {
    const code = `import { listIssues, type Issue } from "library/tracker";
import * as mem from "mcp/memory";
import { progress } from "toolsmith";

const open: Issue[] = await listIssues("open");
await progress("listed", open.length);
await mem.create_entities({ entities: open.map((i) => ({ name: i.title, entityType: "issue" })) });
const graph = await mem.read_graph();
export default graph.entities.map((e) => e.name);
`;
    expect(diagnose({ code, importable })).toEqual([]);
  });

  it("a name that a library, mcp or toolsmith module lacks is an error, with TypeScript's suggestion", () => {
    const code = `import { listIssue } from "library/tracker";
import { create_entity } from "mcp/memory";
import { secrets } from "toolsmith";
export default [listIssue, create_entity, secrets];
`;
    const found = diagnose({ code, importable });
    expect(found.map(({ line, column, code, severity }) => ({ line, column, code, severity }))).toEqual([
      { line: 1, column: 10, code: 2724, severity: "error" },
      { line: 2, column: 10, code: 2724, severity: "error" },
      { line: 3, column: 10, code: 2724, severity: "error" },
    ]);
    expect(found[0]!.message).toBe(`'"library/tracker"' has no exported member named 'listIssue'. Did you mean 'listIssues'?`);
    expect(found[2]!.message).toContain("Did you mean 'secret'?");
    expect(certainFailures(found)).toHaveLength(3);
  });

  it("a module that does not exist is an error that names the closest saved integrations", () => {
    const [missing] = diagnose({ code: `import { listIssues } from "library/trackr";\nexport default listIssues;`, importable });
    expect(missing).toMatchObject({ line: 1, column: 28, code: 2307, severity: "error" });
    expect(missing!.message).toBe("Cannot find module 'library/trackr' or its corresponding type declarations.\nSaved integrations with similar names: library/tracker, library/github/issues.");
    const [server] = diagnose({ code: `import * as m from "mcp/memry";\nexport default m;`, importable });
    expect(server!.message).toContain("Upstream servers with similar names: mcp/memory.");
    // A lookup function cannot list names: no suggestion, still an error.
    const [bare] = diagnose({ code: `import { x } from "library/nope";\nexport default x;`, importable: { library: (name: string) => (name === "tracker" ? tracker : undefined) } });
    expect(bare).toMatchObject({ code: 2307, severity: "error", message: "Cannot find module 'library/nope' or its corresponding type declarations." });
  });

  it("a missing name read from the namespace of an imported module is an error; other property errors are warnings", () => {
    const code = `import * as gh from "library/tracker";
const issues = await gh.listIsues();
const n: { a: number } = { a: 1 };
export default [issues, n.b];
`;
    expect(diagnose({ code, importable }).map(({ line, code, severity, message }) => ({ line, code, severity, message }))).toEqual([
      { line: 2, code: 2551, severity: "error", message: `Property 'listIsues' does not exist on type 'typeof import("library/tracker")'. Did you mean 'listIssues'?` },
      { line: 4, code: 2339, severity: "warning", message: "Property 'b' does not exist on type '{ a: number; }'." },
    ]);
  });

  it("type errors are warnings, at the line and column of the agent's code", () => {
    const code = `import { getIssue } from "library/tracker";

const issue = await getIssue("42");
const title: number = issue.title;
export default title;
`;
    const found = diagnose({ code, importable });
    expect(found).toEqual([
      { line: 3, column: 30, code: 2345, severity: "warning", message: "Argument of type 'string' is not assignable to parameter of type 'number'." },
      { line: 4, column: 7, code: 2322, severity: "warning", message: "Type 'string' is not assignable to type 'number'." },
    ]);
    expect(formatDiagnostic(found[0]!)).toBe("line 3, column 30: Argument of type 'string' is not assignable to parameter of type 'number'. (TS2345)");
  });

  it("a syntax error is an error and hides the checker's findings", () => {
    const found = diagnose({ code: `const a: number = "x";\nexport default { a: 1 ;\n` });
    expect(found.every((d) => d.severity === "error")).toBe(true);
    expect(found[0]).toMatchObject({ line: 2, code: 1005 });
  });

  it("a missing name used only in types is a warning: the compiled code never imports it", () => {
    const code = `import { Isue, listIssues } from "library/tracker";
import type { Gone } from "library/gone";
import { type Other } from "toolsmith";
class Local implements Isue {}
const all: Isue[] = await listIssues();
export default all as unknown as [Gone, Other, Local];
`;
    const found = diagnose({ code, importable });
    expect(found.map(({ line, code, severity }) => ({ line, code, severity }))).toEqual([
      { line: 1, code: 2724, severity: "warning" },
      { line: 2, code: 2307, severity: "warning" },
      { line: 3, code: 2305, severity: "warning" },
    ]);
    // The same name read as a value, or a class extending it, reaches the run.
    expect(certainFailures(diagnose({ code: `import { Isue } from "library/tracker";\nexport class Local extends Isue {}`, importable }))).toHaveLength(1);
    expect(certainFailures(diagnose({ code: `import { Isue } from "library/tracker";\nexport default { Isue };`, importable }))).toHaveLength(1);
    expect(certainFailures(diagnose({ code: `import { Isue } from "library/tracker";\nexport { Isue };`, importable }))).toHaveLength(1);
    expect(certainFailures(diagnose({ code: `export { Isue } from "library/tracker";`, importable }))).toHaveLength(1);
    expect(certainFailures(diagnose({ code: `export type { Isue } from "library/tracker";`, importable }))).toHaveLength(0);
  });

  it("checks mcp/<server> imports against the declarations of the generated module, default export included", () => {
    const everything = upstreamDeclarations([
      { name: "get-sum", description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] }, outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] } },
      { name: "echo", inputSchema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] } },
    ]);
    expect(everything).toContain("export function get_sum(args: { a: number; b: number }): Promise<{ sum: number }>;");
    expect(everything).toContain('declare const _default: {\n    "get-sum": typeof get_sum;\n    "echo": typeof echo;\n};\nexport default _default;');
    const upstream = new Map([["everything", everything]]);
    const code = `import tools, { get_sum } from "mcp/everything";
const { sum } = await get_sum({ a: 1, b: 2 });
const again = await tools["get-sum"]({ a: sum, b: 1 });
export default [sum, again.sum, await tools.echo({ message: "hi" })];
`;
    expect(diagnose({ code, importable: { upstream } })).toEqual([]);
    expect(diagnose({ code: `import { get_sum } from "mcp/everything";\nexport default await get_sum({ a: 1 });`, importable: { upstream } })).toMatchObject([{ line: 2, code: 2345, severity: "warning" }]);
  });

  it("an import of another module (not library/, mcp/ or toolsmith) is only a warning", () => {
    expect(diagnose({ code: `import _ from "lodash";\nexport default _;` })).toMatchObject([{ code: 2307, severity: "warning" }]);
  });

  it("dynamic imports are checked too", () => {
    expect(diagnose({ code: `const t = await import("library/trackr");\nexport default t;`, importable })).toMatchObject([{ line: 1, code: 2307, severity: "error" }]);
  });

  it("sees a module appear or change between calls with the same code", () => {
    const code = `import { ping } from "library/later";\nexport default await ping();`;
    const library = new Map<string, string>();
    expect(certainFailures(diagnose({ code, importable: { library } }))).toHaveLength(1);
    library.set("later", "export declare function ping(): Promise<string>;");
    expect(diagnose({ code, importable: { library } })).toEqual([]);
    library.set("later", "export declare function pong(): Promise<string>;");
    expect(diagnose({ code, importable: { library } })).toMatchObject([{ code: 2305, severity: "error" }]);
  });

  it("checks an integration under its own file name", () => {
    const code = `export function add(a: number, b: number) { return a + b; }\nexport const bad: string = add(1, 2);\n`;
    expect(diagnose({ code, filename: "math/add.ts" })).toMatchObject([{ line: 2, column: 14, code: 2322, severity: "warning" }]);
  });
});

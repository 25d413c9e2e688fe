import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { schemaToType, toolSignature } from "../../dist/bridge/upstream/schema-to-ts.js";
import { identifierMap, toIdentifier } from "../../dist/bridge/upstream/tool-names.js";

const TOOL_LISTS = join(import.meta.dirname, "..", "..", "data", "tool-lists");

interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
}
interface ToolList {
  server: unknown;
  collected?: unknown;
  tools: ListedTool[];
}

function parseErrors(code: string): string[] {
  const file = ts.createSourceFile("check.d.ts", code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const diagnostics = (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
  return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

/** Type-checks in-memory declaration files (strict, ES2022 lib): syntax and semantic errors. */
function checkErrors(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files[name];
    return text !== undefined ? ts.createSourceFile(name, text, language, true, ts.ScriptKind.TS) : getSourceFile(name, language, ...rest);
  };
  host.fileExists = (name) => name in files || fileExists(name);
  host.readFile = (name) => files[name] ?? readFile(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
}

/** `schemaToType` output must be a type on its own. */
function expectValidType(text: string): void {
  expect(parseErrors(`type T = ${text};`)).toEqual([]);
}

function t(schema: unknown, options?: { maxDepth?: number; maxChars?: number }): string {
  const text = schemaToType(schema, options);
  expectValidType(text);
  return text;
}

describe("toIdentifier", () => {
  it.each([
    ["get-sum", "get_sum"],
    ["a.b", "a_b"],
    ["API-post-page", "API_post_page"],
    ["create_issue", "create_issue"],
    ["$ok", "$ok"],
    ["with space/and:colon", "with_space_and_colon"],
    ["1st-tool", "_1st_tool"],
    ["9", "_9"],
    ["café", "caf_"],
    ["", "_"],
    ["default", "default_"],
    ["class", "class_"],
    ["delete", "delete_"],
    ["new", "new_"],
    ["await", "await_"],
    ["yield", "yield_"],
    ["enum", "enum_"],
    ["let", "let_"],
    ["static", "static_"],
    ["implements", "implements_"],
    ["package", "package_"],
    ["protected", "protected_"],
    ["interface", "interface_"],
    ["private", "private_"],
    ["public", "public_"],
    ["arguments", "arguments_"],
    ["eval", "eval_"],
    ["function", "function_"],
    ["import", "import_"],
    ["null", "null_"],
    ["true", "true_"],
    ["typeof", "typeof_"],
    ["Default", "Default"],
    ["deleteFile", "deleteFile"],
  ])("%j → %j", (name, expected) => {
    expect(toIdentifier(name)).toBe(expected);
  });

  it("every result is usable as an exported const in a module", () => {
    const names = ["get-sum", "1x", "default", "eval", "arguments", "a.b.c", "yield", "await", "let", "static", "undefined", "with", "-"];
    const code = names.map((n) => `export const ${toIdentifier(n)} = 1;`).join("\n");
    const output = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    expect(output.diagnostics ?? []).toEqual([]);
    expect(() => new Function(code.replace(/export /g, ""))).not.toThrow();
  });
});

describe("identifierMap", () => {
  it("maps names and dedupes collisions in input order", () => {
    const map = identifierMap(["get-sum", "get_sum", "get.sum", "other"]);
    expect([...map]).toEqual([
      ["get-sum", "get_sum"],
      ["get_sum", "get_sum_2"],
      ["get.sum", "get_sum_3"],
      ["other", "other"],
    ]);
  });

  it("does not reuse a suffixed identifier that a later name already maps to", () => {
    const map = identifierMap(["a-b", "a_b", "a_b_2"]);
    expect([...map.values()]).toEqual(["a_b", "a_b_2", "a_b_2_2"]);
    expect(new Set(map.values()).size).toBe(3);
  });

  it("handles reserved words and leading digits in collisions", () => {
    const map = identifierMap(["default", "default_", "1a", "_1a"]);
    expect([...map.values()]).toEqual(["default_", "default__2", "_1a", "_1a_2"]);
  });

  it("a repeated name keeps its first identifier", () => {
    const map = identifierMap(["x", "x", "y"]);
    expect([...map]).toEqual([
      ["x", "x"],
      ["y", "y"],
    ]);
  });
});

describe("schemaToType: primitives and literals", () => {
  it.each<[unknown, string]>([
    [{ type: "string" }, "string"],
    [{ type: "number" }, "number"],
    [{ type: "integer" }, "number"],
    [{ type: "boolean" }, "boolean"],
    [{ type: "null" }, "null"],
    [{ type: "string", format: "uri", default: "x", minLength: 1 }, "string"],
    [{}, "unknown"],
    [undefined, "unknown"],
    [null, "unknown"],
    [true, "unknown"],
    [false, "never"],
    [{ description: "just words" }, "unknown"],
    [{ type: ["string", "null"] }, "string | null"],
    [{ type: ["string", "number", "boolean"] }, "string | number | boolean"],
    [{ type: "string", nullable: true }, "string | null"],
    [{ type: "integer", enum: [1, 2, 3] }, "1 | 2 | 3"],
    [{ type: "string", enum: ["open", "closed"] }, '"open" | "closed"'],
    [{ enum: ["a", 1, true, null] }, '"a" | 1 | true | null'],
    [{ enum: ['say "hi"', "back\\slash"] }, '"say \\"hi\\"" | "back\\\\slash"'],
    [{ type: "string", enum: ["a", "b"], nullable: true }, '"a" | "b" | null'],
    [{ const: "workspace" }, '"workspace"'],
    [{ type: "string", const: "resource" }, '"resource"'],
    [{ const: -1.5 }, "-1.5"],
    [{ const: { kind: "x", "a-b": [1, null] } }, '{ kind: "x"; "a-b": [1, null] }'],
  ])("%j → %s", (schema, expected) => {
    expect(t(schema)).toBe(expected);
  });
});

describe("schemaToType: arrays", () => {
  it.each<[unknown, string]>([
    [{ type: "array", items: { type: "string" } }, "string[]"],
    [{ type: "array" }, "unknown[]"],
    [{ type: "array", items: { type: ["string", "number"] } }, "(string | number)[]"],
    [{ type: "array", items: { enum: ["a", "b"] } }, '("a" | "b")[]'],
    [{ type: "array", items: { type: "array", items: { type: "number" } } }, "number[][]"],
    [{ items: { type: "boolean" } }, "boolean[]"],
    [{ type: "array", items: [{ type: "string" }, { type: "number" }] }, "[string, number]"],
    [{ type: "array", prefixItems: [{ type: "string" }, { type: "integer" }] }, "[string, number]"],
    [{ type: "array", prefixItems: [{ type: "string" }], items: { type: "boolean" } }, "[string, ...boolean[]]"],
    [{ type: "array", items: { allOf: [{ $ref: "#/$defs/A" }, { $ref: "#/$defs/B" }] }, $defs: { A: { type: "object", properties: { a: { type: "string" } }, required: ["a"] }, B: { type: "object", properties: { b: { type: "number" } } } } }, "({ a: string } & { b?: number })[]"],
  ])("%j → %s", (schema, expected) => {
    expect(t(schema)).toBe(expected);
  });

  it("arrays of objects", () => {
    const schema = {
      type: "array",
      items: { type: "object", properties: { name: { type: "string" }, tags: { type: "array", items: { type: "string" } } }, required: ["name"] },
    };
    expect(t(schema)).toBe("{ name: string; tags?: string[] }[]");
  });

  it("arrays of unions of objects are parenthesised", () => {
    const schema = {
      type: "array",
      items: { anyOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { type: "null" }] },
    };
    expect(t(schema)).toBe("({ a: string } | null)[]");
  });
});

describe("schemaToType: objects", () => {
  it("optional vs required", () => {
    const schema = { type: "object", properties: { owner: { type: "string" }, repo: { type: "string" }, page: { type: "number" } }, required: ["owner", "repo"] };
    expect(t(schema)).toBe("{ owner: string; repo: string; page?: number }");
  });

  it("nested objects", () => {
    const schema = {
      type: "object",
      properties: {
        user: {
          type: "object",
          properties: { id: { type: "integer" }, address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
          required: ["id"],
        },
      },
      required: ["user"],
    };
    expect(t(schema)).toBe("{ user: { id: number; address?: { city: string } } }");
  });

  it("property names that are not identifiers are quoted", () => {
    const schema = { type: "object", properties: { "content-type": { type: "string" }, "1st": { type: "number" }, $ok: { type: "boolean" }, "with space": {} }, required: ["content-type"] };
    expect(t(schema)).toBe('{ "content-type": string; "1st"?: number; $ok?: boolean; "with space"?: unknown }');
  });

  it("reserved words are fine as property names", () => {
    expect(t({ type: "object", properties: { default: { type: "string" }, class: { type: "string" } } })).toBe("{ default?: string; class?: string }");
  });

  it("additionalProperties", () => {
    expect(t({ type: "object" })).toBe("Record<string, unknown>");
    expect(t({ type: "object", additionalProperties: true })).toBe("Record<string, unknown>");
    expect(t({ type: "object", additionalProperties: { type: "string" } })).toBe("Record<string, string>");
    expect(t({ type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "string" } })).toBe("Record<string, string>");
    expect(t({ type: "object", additionalProperties: { type: "array", items: { type: "number" } } })).toBe("Record<string, number[]>");
    expect(t({ type: "object", properties: {}, additionalProperties: false })).toBe("{}");
    expect(t({ type: "object", properties: { a: { type: "string" } }, additionalProperties: true })).toBe("{ a?: string }");
    expect(t({ type: "object", properties: { a: { type: "string" } }, additionalProperties: false })).toBe("{ a?: string }");
  });

  it("additionalProperties with properties becomes an index signature the properties fit", () => {
    expect(t({ type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: { type: "string" } })).toBe("{ a: string; [key: string]: string }");
    expect(t({ type: "object", properties: { n: { type: "number" } }, additionalProperties: { type: "string" } })).toBe("{ n?: number; [key: string]: string | number | undefined }");
    expect(t({ type: "object", properties: { n: { type: "number" } }, additionalProperties: {} })).toBe("{ n?: number; [key: string]: unknown }");
    const declared = `export declare const x: ${schemaToType({ type: "object", properties: { n: { type: "number" }, s: { type: "string" } }, required: ["s"], additionalProperties: { type: "boolean" } })};`;
    expect(checkErrors({ "/x.d.ts": declared })).toEqual([]);
  });

  it("patternProperties", () => {
    expect(t({ type: "object", patternProperties: { "^x-": { type: "string" } } })).toBe("Record<string, string>");
  });

  it("object without properties with type [object, null]", () => {
    expect(t({ type: ["object", "null"] })).toBe("Record<string, unknown> | null");
  });

  it("depth limit turns deeper objects into Record<string, unknown>", () => {
    const deep = { type: "object", properties: { a: { type: "object", properties: { b: { type: "object", properties: { c: { type: "string" } } } } } } };
    expect(t(deep, { maxDepth: 2 })).toBe("{ a?: { b?: Record<string, unknown> } }");
    expect(t(deep, { maxDepth: 1 })).toBe("{ a?: Record<string, unknown> }");
    expect(t(deep)).toBe("{ a?: { b?: { c?: string } } }");
    let nested: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 10; i++) nested = { type: "object", properties: { x: nested } };
    expect(t(nested)).toBe("{ x?: { x?: { x?: { x?: { x?: { x?: Record<string, unknown> } } } } } }");
  });
});

describe("schemaToType: composition", () => {
  it.each<[unknown, string]>([
    [{ anyOf: [{ type: "string" }, { type: "number" }] }, "string | number"],
    [{ oneOf: [{ type: "string" }, { type: "null" }] }, "string | null"],
    [{ anyOf: [{ type: "string" }, { type: "string" }, { type: "object", additionalProperties: true }] }, "string | Record<string, unknown>"],
    [{ anyOf: [{ type: "string" }, {}] }, "unknown"],
    [{ anyOf: [{ anyOf: [{ const: "a" }, { const: "b" }] }, { const: "c" }] }, '"a" | "b" | "c"'],
    [{ allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { type: "object", properties: { b: { type: "number" } }, required: ["b"] }] }, "{ a: string } & { b: number }"],
    [{ allOf: [{ type: "string" }] }, "string"],
    [{ allOf: [{ anyOf: [{ type: "string" }, { type: "number" }] }, { description: "x" }] }, "string | number"],
    [{ allOf: [{ anyOf: [{ const: 1 }, { const: 2 }] }, { type: "object", additionalProperties: true }] }, "(1 | 2) & Record<string, unknown>"],
    [{ type: "string", anyOf: [{ const: "a" }, { const: "b" }] }, '"a" | "b"'],
    [{ type: "object", oneOf: [{ type: "object", properties: { id: { type: "number" } }, required: ["id"] }, { type: "object", properties: { name: { type: "string" } }, required: ["name"] }] }, "{ id: number } | { name: string }"],
    [{ type: ["object", "null"], oneOf: [{ type: "object", properties: { id: { type: "number" } } }] }, "{ id?: number } | null"],
    [{ anyOf: [{ type: "string" }, { type: "number" }], nullable: true }, "string | number | null"],
  ])("%j → %s", (schema, expected) => {
    expect(t(schema)).toBe(expected);
  });

  it("required-only variants do not clutter an object", () => {
    const schema = { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, anyOf: [{ required: ["a"] }, { required: ["b"] }] };
    expect(t(schema)).toBe("{ a?: string; b?: string }");
  });
});

describe("schemaToType: $ref", () => {
  it("resolves #/$defs and #/definitions against the root", () => {
    const defs = {
      type: "object",
      properties: { sort: { $ref: "#/$defs/Sort" }, sorts: { type: "array", items: { $ref: "#/$defs/Sort" } } },
      required: ["sort"],
      $defs: { Sort: { type: "object", properties: { property: { type: "string" }, direction: { enum: ["ascending", "descending"] } }, required: ["property", "direction"] } },
    };
    expect(t(defs)).toBe('{ sort: { property: string; direction: "ascending" | "descending" }; sorts?: { property: string; direction: "ascending" | "descending" }[] }');
    const definitions = { type: "object", properties: { id: { $ref: "#/definitions/Id" } }, definitions: { Id: { type: "string" } } };
    expect(t(definitions)).toBe("{ id?: string }");
  });

  it("resolves JSON-pointer refs into properties (zod-to-json-schema reuse)", () => {
    const schema = { type: "object", properties: { from: { type: "object", properties: { x: { type: "number" } } }, to: { $ref: "#/properties/from" } } };
    expect(t(schema)).toBe("{ from?: { x?: number }; to?: { x?: number } }");
  });

  it("recursion stops at unknown", () => {
    const schema = {
      $ref: "#/$defs/Node",
      $defs: { Node: { type: "object", properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Node" } } }, required: ["name"] } },
    };
    expect(t(schema)).toBe("{ name: string; children?: unknown[] }");
    expect(t({ $ref: "#" })).toBe("unknown");
  });

  it("unresolvable and remote refs are unknown", () => {
    expect(t({ type: "object", properties: { a: { $ref: "#/$defs/Missing" }, b: { $ref: "https://example.com/s.json" } } })).toBe("{ a?: unknown; b?: unknown }");
  });

  it("$ref with a nullable sibling", () => {
    expect(t({ type: "object", properties: { a: { $ref: "#/$defs/A", nullable: true } }, $defs: { A: { type: "string" } } })).toBe("{ a?: string | null }");
  });
});

describe("schemaToType: descriptions", () => {
  it("become short comments before the property", () => {
    const schema = {
      type: "object",
      properties: {
        owner: { type: "string", description: "Repository owner" },
        query: { type: "string", description: "Search query. Supports GitHub syntax, e.g. is:open.\nMore details below." },
        n: { type: "number", description: "Count (e.g. 7 for weekly). Must be positive." },
      },
      required: ["owner"],
    };
    expect(t(schema)).toBe("{ /** Repository owner */ owner: string; /** Search query */ query?: string; /** Count (e.g. 7 for weekly) */ n?: number }");
  });

  it("are truncated near 80 characters, cleaned of */ and markdown links", () => {
    const long = "Exact target element reference from the page snapshot, or a unique element selector that the tool resolves";
    const schema = {
      type: "object",
      properties: {
        a: { type: "string", description: long },
        b: { type: "string", description: "Closes a comment */ early" },
        c: { type: "string", description: "See [pagination](https://example.com/docs) for details" },
      },
    };
    const out = t(schema);
    expect(out).toBe("{ /** Exact target element reference from the page snapshot, or a unique element… */ a?: string; /** Closes a comment * / early */ b?: string; /** See pagination for details */ c?: string }");
  });

  it("come from a union variant when the property has none", () => {
    const schema = { type: "object", properties: { p: { anyOf: [{ type: "object", description: "The values. Keys are names.", additionalProperties: true }, { type: "string" }] } } };
    expect(t(schema)).toBe("{ /** The values */ p?: Record<string, unknown> | string }");
  });
});

describe("schemaToType: maxChars", () => {
  const big = {
    type: "object",
    properties: Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [
        `field${i}`,
        {
          type: "object",
          description: `Field number ${i} with a description`,
          properties: { inner: { type: "object", properties: { value: { type: "string" }, count: { type: "integer" }, flag: { type: "boolean" } } } },
        },
      ]),
    ),
  };

  it("drops comments first", () => {
    const full = schemaToType(big, { maxChars: 100_000 });
    expect(full).toContain("/** Field number 0 with a description */");
    const noComments = t(big, { maxChars: full.length - 1 });
    expect(noComments).not.toContain("/**");
    expect(noComments).toContain("field0?: { inner?: { value?: string; count?: number; flag?: boolean } }");
  });

  it("then cuts nested objects to Record<string, unknown>", () => {
    const middle = t(big, { maxChars: 500 });
    expect(middle.length).toBeLessThanOrEqual(500);
    expect(middle).not.toContain("/**");
    expect(middle).toContain("field0?: { inner?: Record<string, unknown> }");
    const out = t(big, { maxChars: 300 });
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out).toContain("field7?: Record<string, unknown> }");
  });

  it("keeps the root object's properties even when nothing fits", () => {
    const out = t(big, { maxChars: 10 });
    expect(out.startsWith("{ field0?: Record<string, unknown>;")).toBe(true);
  });
});

describe("toolSignature", () => {
  it("formats the GitHub create_issue shape", () => {
    const tool = {
      name: "create_issue",
      description: "Create a new issue in a GitHub repository",
      inputSchema: {
        type: "object",
        properties: { owner: { type: "string" }, repo: { type: "string" }, title: { type: "string" }, labels: { type: "array", items: { type: "string" } } },
        required: ["owner", "repo", "title"],
        additionalProperties: false,
        $schema: "http://json-schema.org/draft-07/schema#",
      },
    };
    expect(toolSignature(tool, "create_issue")).toBe(
      "/** Create a new issue in a GitHub repository */\nexport function create_issue(args: { owner: string; repo: string; title: string; labels?: string[] }): Promise<unknown>;",
    );
  });

  it("uses the output schema and the mapped identifier", () => {
    const tool = {
      name: "get-sum",
      description: "Returns the sum of two numbers. Second sentence dropped.",
      inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
      outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
    };
    expect(toolSignature(tool, toIdentifier(tool.name))).toBe("/** Returns the sum of two numbers */\nexport function get_sum(args: { a: number; b: number }): Promise<{ sum: number }>;");
  });

  it("no properties → args?: {}; none required → args?: {...}", () => {
    expect(toolSignature({ name: "x", inputSchema: { type: "object", properties: {} } }, "x")).toBe("export function x(args?: {}): Promise<unknown>;");
    expect(toolSignature({ name: "x", inputSchema: { type: "object" } }, "x")).toBe("export function x(args?: {}): Promise<unknown>;");
    expect(toolSignature({ name: "x" }, "x")).toBe("export function x(args?: {}): Promise<unknown>;");
    expect(toolSignature({ name: "x", inputSchema: { type: "object", properties: { n: { type: "number" } } } }, "x")).toBe("export function x(args?: { n?: number }): Promise<unknown>;");
    expect(toolSignature({ name: "x", inputSchema: { type: "object", additionalProperties: { type: "string" } } }, "x")).toBe("export function x(args?: Record<string, string>): Promise<unknown>;");
  });

  it("summarises long descriptions to one line of at most 120 characters", () => {
    const description = `${"word ".repeat(40)}end.\nSecond line with */ in it.`;
    const sig = toolSignature({ name: "x", description, inputSchema: { type: "object" } }, "x");
    const comment = sig.split("\n")[0]!;
    expect(comment.length).toBeLessThanOrEqual(120 + "/**  */".length);
    expect(comment.endsWith("… */")).toBe(true);
    expect(sig.split("\n")).toHaveLength(2);
    const multiline = toolSignature({ name: "x", description: "Notion | Create a page\nError Responses:\n400: Bad request", inputSchema: { type: "object" } }, "x");
    expect(multiline).toBe("/** Notion | Create a page */\nexport function x(args?: {}): Promise<unknown>;");
    const evil = toolSignature({ name: "x", description: "Ends the comment */ export const y = 1; /*", inputSchema: { type: "object" } }, "x");
    expect(parseErrors(evil)).toEqual([]);
    expect(evil).not.toContain("*/ export const");
  });

  it("resolves a root $ref for the parameter", () => {
    const tool = { name: "x", inputSchema: { $ref: "#/definitions/In", definitions: { In: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } } };
    expect(toolSignature(tool, "x")).toBe("export function x(args: { q: string }): Promise<unknown>;");
  });
});

// ---- Real-world tool lists ----

const lists = readdirSync(TOOL_LISTS)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((file) => ({ file, list: JSON.parse(readFileSync(join(TOOL_LISTS, file), "utf8")) as ToolList }));

function signatures(list: ToolList): { tool: ListedTool; id: string; signature: string }[] {
  const ids = identifierMap(list.tools.map((tool) => tool.name));
  return list.tools.map((tool) => ({ tool, id: ids.get(tool.name)!, signature: toolSignature(tool, ids.get(tool.name)!) }));
}

describe("real-world tool lists", () => {
  it("has the collected lists", () => {
    expect(lists.length).toBeGreaterThanOrEqual(10);
    expect(lists.reduce((n, l) => n + l.list.tools.length, 0)).toBeGreaterThan(200);
  });

  for (const { file, list } of lists) {
    describe(file, () => {
      it.each(signatures(list).map((s) => [s.tool.name, s] as const))("%s: valid declaration with its required properties", (_name, { tool, id, signature }) => {
        expect(parseErrors(signature)).toEqual([]);
        const source = ts.createSourceFile("sig.d.ts", signature, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
        expect(source.statements).toHaveLength(1);
        const declaration = source.statements[0]!;
        expect(ts.isFunctionDeclaration(declaration) && declaration.name?.text).toBe(id);
        const lines = signature.split("\n");
        expect(lines.length).toBeLessThanOrEqual(2);
        if (lines.length === 2) expect(lines[0]!.length).toBeLessThanOrEqual(130);

        const input = tool.inputSchema ?? {};
        const properties = (input.properties ?? {}) as Record<string, unknown>;
        const required = Array.isArray(input.required) ? (input.required as string[]) : [];
        for (const name of required) {
          if (!(name in properties)) continue;
          const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
          expect(signature).toMatch(new RegExp(`[{;] (?:/\\*\\*[^*]*(?:\\*(?!/)[^*]*)*\\*/ )?${key.replace(/[$"]/g, "\\$&")}: `));
        }
        expect(signature).toMatch(new RegExp(`\\(args${required.some((r) => r in properties) ? "" : "\\?"}: `));
      });
    });
  }

  it("every list's signatures type-check together as a module declaration file", () => {
    const files: Record<string, string> = {};
    for (const { file, list } of lists) files[`/lists/${file.replace(/\.json$/, "")}.d.ts`] = signatures(list).map((s) => s.signature).join("\n\n");
    expect(checkErrors(files)).toEqual([]);
  });

  it("GitHub create_issue (npm server) reads as expected", () => {
    const list = lists.find((l) => l.file === "github-npm-archived.json")!.list;
    const sig = signatures(list).find((s) => s.tool.name === "create_issue")!.signature;
    expect(sig).toBe(
      "/** Create a new issue in a GitHub repository */\nexport function create_issue(args: { owner: string; repo: string; title: string; body?: string; assignees?: string[]; milestone?: number; labels?: string[] }): Promise<unknown>;",
    );
  });

  it("Notion tools map names and resolve $defs", () => {
    const list = lists.find((l) => l.file === "notion.json")!.list;
    const post = signatures(list).find((s) => s.tool.name === "API-post-page")!;
    expect(post.id).toBe("API_post_page");
    expect(post.signature).toContain("parent: { page_id: string } | { type?: \"database_id\"; database_id: string } | { type: \"workspace\" } | string;");
    expect(post.signature.startsWith("/** Notion | Create a page */\nexport function API_post_page(args: {")).toBe(true);
  });

  it("output schemas become the promised type", () => {
    const list = lists.find((l) => l.file === "everything.json")!.list;
    const sig = signatures(list).find((s) => s.tool.name === "get-structured-content")!.signature;
    expect(sig).toContain("Promise<{ /** Temperature in celsius */ temperature: number;");
  });
});

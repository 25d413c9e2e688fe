import { describe, expect, it } from "vitest";
import { declarationsOf, emitDeclarations, outlineFromDeclarations } from "../../dist/library/declarations.js";
import { toolSignature } from "../../dist/bridge/upstream/schema-to-ts.js";

/** An integration written the way agents write them: arrow exports without return types. */
const TRACKER = `import { secret } from "toolsmith";

/** An issue in the tracker. */
interface Issue {
  id: number;
  title: string;
  state: "open" | "closed";
  priority: number;
}

/**
 * Filters for listing issues.
 *
 * Leave a field out to not filter on it.
 */
export interface Query {
  state?: "open" | "closed";
  priorities?: number[];
  assignee?: string;
  label?: string;
  since?: string;
  page?: number;
  perPage?: number;
  sort?: "created" | "updated" | "priority";
  direction?: "asc" | "desc";
}

export interface TrackerOptions {
  /** Default https://tracker.example.com/api. */
  baseUrl?: string;
}

/**
 * Raised when the tracker answers with an error status.
 * \`status\` is the HTTP status; 401 means the token is wrong.
 */
export class TrackerError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
  private cache = new Map<string, unknown>();
  isAuth() { return this.status === 401; }
}

const base = (opts?: TrackerOptions) => opts?.baseUrl ?? "https://tracker.example.com/api";

/**
 * Lists issues matching the query, newest first.
 * Pages are fetched one by one until \`perPage\` items or the end.
 */
export const listIssues = async (query?: Query, opts?: TrackerOptions) => {
  const r = await fetch(base(opts) + "/issues?" + new URLSearchParams(query as Record<string, string>), {
    headers: { authorization: "Bearer " + secret("TRACKER_TOKEN") },
  });
  if (!r.ok) throw new TrackerError("listing failed", r.status);
  return (await r.json()) as Issue[];
};

export async function getData(path) {
  const r = await fetch(base() + path);
  return r.json();
}

export const countOpen = async (opts?: TrackerOptions) => (await listIssues({ state: "open" }, opts)).length;
`;

describe("emitDeclarations", () => {
  const result = emitDeclarations({ name: "tracker", code: TRACKER });

  it("writes inferred return types, class heritage, local types and whole doc comments", () => {
    expect(result.dts).toContain("export declare const listIssues: (query?: Query, opts?: TrackerOptions) => Promise<Issue[]>;");
    expect(result.dts).toContain("export declare const countOpen: (opts?: TrackerOptions) => Promise<number>;");
    expect(result.dts).toContain("export declare class TrackerError extends Error {");
    expect(result.dts).toContain("isAuth(): boolean;");
    // The local interface an export uses is part of the declarations, unexported as in the code.
    expect(result.dts).toMatch(/\/\*\* An issue in the tracker\. \*\/\ninterface Issue \{\n {4}id: number;/);
    expect(result.dts).toContain("/**\n * Filters for listing issues.\n *\n * Leave a field out to not filter on it.\n */\nexport interface Query {");
    expect(result.dts).toContain(" * Pages are fetched one by one until `perPage` items or the end.\n */\nexport declare const listIssues");
    expect(result.dts).not.toContain("secret");
    expect(result.dts).not.toContain("base(");
  });

  it("warns about every export whose public type is any or unknown", () => {
    expect(result.warnings).toEqual([
      "export 'getData' returns Promise<any>: add a return type so the next agent sees what it gives",
      "export 'getData' has parameter 'path' without a type (any): annotate it so callers know what to pass",
    ]);
  });

  it("outlines each export on one line, from the declarations alone", () => {
    expect(result.exports).toEqual([
      {
        name: "Query",
        kind: "interface",
        line: 'interface Query { state?: "open" | "closed"; priorities?: number[]; assignee?: string; label?: string; since?: string; page?: number; perPage?: number; … 2 more }',
        doc: "Filters for listing issues.",
      },
      { name: "TrackerOptions", kind: "interface", line: "interface TrackerOptions { baseUrl?: string }" },
      {
        name: "TrackerError",
        kind: "class",
        line: "class TrackerError extends Error { readonly status: number; constructor(message: string, status: number); isAuth(): boolean }",
        doc: "Raised when the tracker answers with an error status.",
      },
      { name: "listIssues", kind: "function", line: "listIssues(query?: Query, opts?: TrackerOptions): Promise<Issue[]>", doc: "Lists issues matching the query, newest first." },
      { name: "getData", kind: "function", line: "getData(path: any): Promise<any>" },
      { name: "countOpen", kind: "function", line: "countOpen(opts?: TrackerOptions): Promise<number>" },
    ]);
    expect(outlineFromDeclarations(result.dts)).toEqual(result.exports);
  });

  it("gives the full declarations of chosen exports with the local types they use", () => {
    const text = declarationsOf(result.dts, ["listIssues"]);
    expect(text).toContain("interface Issue {");
    expect(text).toContain("export interface Query {");
    expect(text).toContain("export interface TrackerOptions {\n    /** Default https://tracker.example.com/api. */");
    expect(text).toContain("/**\n * Lists issues matching the query, newest first.");
    expect(text).not.toContain("TrackerError");
    expect(text).not.toContain("getData");
    // In file order, each declaration whole.
    expect(text.indexOf("interface Issue")).toBeLessThan(text.indexOf("export declare const listIssues"));
    expect(declarationsOf(result.dts, ["TrackerError"])).toMatch(/^\/\*\*\n \* Raised when[\s\S]*\n}$/);
    expect(declarationsOf(result.dts, ["nothing"])).toBe("");
  });

  it("types what comes from other integrations and upstream servers, and names their modules", () => {
    const github = `/** A pull request. */\nexport interface Pull { number: number; title: string; author: Author }\nexport interface Author { login: string }\nexport declare function listPulls(repo: string): Promise<Pull[]>;\n`;
    const memory = toolSignature(
      {
        name: "read_graph",
        description: "Read the entire knowledge graph",
        inputSchema: { type: "object", properties: {} },
        outputSchema: { type: "object", properties: { entities: { type: "array", items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } } }, required: ["entities"] },
      },
      "read_graph",
    );
    const code = `import { listPulls } from "library/github/pulls";
import * as mem from "mcp/memory";
/** The first pull's author. */
export const firstAuthor = async (repo: string) => (await listPulls(repo))[0]!.author;
export const names = async () => (await mem.read_graph()).entities.map((e) => e.name);
`;
    const out = emitDeclarations({ name: "report", code, importable: { library: new Map([["github/pulls", github]]), upstream: new Map([["memory", memory]]) } });
    expect(out.dts).toContain('export declare const firstAuthor: (repo: string) => Promise<import("library/github/pulls").Author>;');
    expect(out.dts).toContain("export declare const names: () => Promise<string[]>;");
    expect(out.warnings).toEqual([]);
    expect(out.exports.map((e) => e.line)).toEqual(['firstAuthor(repo: string): Promise<import("library/github/pulls").Author>', "names(): Promise<string[]>"]);
  });

  it("names a type reached through another integration by its module specifier", () => {
    const library = new Map([
      ["a", `import type { Deep } from "library/b";\nexport declare function getDeep(): Deep;\n`],
      ["b", "export interface Deep { x: number }\n"],
    ]);
    const out = emitDeclarations({ name: "nested/c", code: `import { getDeep } from "library/a";\nexport const f = () => getDeep();\n`, importable: { library } });
    expect(out.dts).toBe('export declare const f: () => import("library/b").Deep;\n');
  });

  it("still writes the file when a type cannot be named, and says what to do", () => {
    const library = new Map([["hidden", "interface Hidden { x: number }\nexport declare function getHidden(): Hidden;\nexport {};\n"]]);
    const out = emitDeclarations({ name: "uses-hidden", code: `import { getHidden } from "library/hidden";\nexport const f = () => getHidden();\nexport const g = 1;\n`, importable: { library } });
    expect(out.dts).toContain("export declare const g = 1;");
    expect(out.warnings).toEqual([
      `line 2: Exported variable 'f' has or is using name 'Hidden' from external module "library/hidden" but cannot be named. Give the export an explicit type, or export that type from its module.`,
    ]);
  });

  it("follows a changed declaration of an imported integration", () => {
    const code = `import { ping } from "library/pinger";\nexport const twice = async () => [await ping(), await ping()];\n`;
    const library = new Map([["pinger", "export declare function ping(): Promise<string>;"]]);
    expect(emitDeclarations({ name: "twice", code, importable: { library } }).dts).toContain("() => Promise<string[]>");
    library.set("pinger", "export declare function ping(): Promise<number>;");
    expect(emitDeclarations({ name: "twice", code, importable: { library } }).dts).toContain("() => Promise<number[]>");
  });

  it("handles default exports, overloads, enums, generic and aliased exports", () => {
    const code = `/** Kinds of things. */
export enum Kind { Small, Large }
export function size(x: string): number;
export function size(x: number): string;
export function size(x: string | number) { return typeof x === "string" ? x.length : String(x); }
/** Keeps the first item. */
function firstOf<T>(items: T[]) { return items[0]; }
export { firstOf as first };
export type Pair<T> = [T, T];
export default { size };
`;
    const out = emitDeclarations({ name: "misc", code });
    expect(out.exports).toEqual([
      { name: "Kind", kind: "enum", line: "enum Kind { Small, Large }", doc: "Kinds of things." },
      { name: "size", kind: "function", line: "size(x: string): number (+1 overload)" },
      { name: "first", kind: "function", line: "first<T>(items: T[]): T", doc: "Keeps the first item." },
      { name: "Pair", kind: "type", line: "type Pair<T> = [T, T]" },
      { name: "default", kind: "const", line: "default: { size: typeof size }" },
    ]);
    expect(declarationsOf(out.dts, ["first"])).toBe("/** Keeps the first item. */\ndeclare function firstOf<T>(items: T[]): T;\nexport { firstOf as first };");
  });

  it("keeps outline lines whole: long unions and object types lose members, never a cut type", () => {
    const dts = `export type Status = ${Array.from({ length: 40 }, (_, i) => `"status-number-${i}"`).join(" | ")};
export declare function search(query: { text: string; filters: { field: string; op: "eq" | "ne" | "gt" | "lt"; value: string | number }[]; sort?: { field: string; direction: "asc" | "desc" }; page?: number }): Promise<{ total: number; items: string[] }>;
`;
    const [status, search] = outlineFromDeclarations(dts);
    expect(status!.line).toMatch(/^type Status = "status-number-0" \| "status-number-1" \| .* \| … \d+ more$/);
    expect(status!.line.length).toBeLessThan(200);
    // Parameters are never shortened: the line is long rather than wrong.
    expect(search!.line).toBe(
      'search(query: { text: string; filters: { field: string; op: "eq" | "ne" | "gt" | "lt"; value: string | number }[]; sort?: { field: string; direction: "asc" | "desc" }; page?: number }): Promise<{ total: number; items: string[] }>',
    );
  });

  it("never throws: code with errors still gets declarations", () => {
    const out = emitDeclarations({ name: "broken", code: "export const f = (a: number) => a.toUpperCase();\nexport const g = (: number) => 1;" });
    expect(out.dts).toContain("export declare const f: (a: number) => any;");
    expect(out.warnings).toContain("export 'f' returns any: add a return type so the next agent sees what it gives");
  });
});

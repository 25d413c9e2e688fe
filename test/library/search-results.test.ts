import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countTokens } from "../../dist/context/count-tokens.js";
import { useServer } from "../helpers.js";

const TRACKER = `/** An issue as the tracker returns it. */
export interface Issue {
  id: number;
  title: string;
  /** Priorities from 1 (urgent) to 4. */
  priorities?: number[];
}

/**
 * Lists the issues matching a query.
 * Closed issues are left out unless the query asks for them.
 * @example
 * const open = await listIssues({ state: "open" });
 */
export async function listIssues(query?: { state?: "open" | "closed" }): Promise<Issue[]> {
  return [{ id: 1, title: query?.state ?? "any" }];
}

/** Thrown when the tracker refuses a request. */
export class TrackerError extends Error {
  constructor(readonly status: number) { super("tracker refused: " + status); }
}

/** Counts issues per title. */
export const countByTitle = (issues: Issue[]) => Object.fromEntries(issues.map((i) => [i.title, 1]));
`;
const TRACKER_TEST = `import { listIssues, countByTitle } from "library/tracker";
const issues = await listIssues({ state: "open" });
if (countByTitle(issues).open !== 1) throw new Error("count");
`;

/** A 30-export module: 20 functions with doc comments and 10 types. */
function wideModule(): { code: string; test: string } {
  const parts: string[] = [];
  for (let i = 0; i < 10; i++) parts.push(`/** Record kind ${i} of the billing service. */\nexport interface Record${i} { id: string; amount: number; currency: "EUR" | "USD"; note?: string }`);
  for (let i = 0; i < 20; i++) {
    const t = `Record${i % 10}`;
    parts.push(`/** Fetches page ${i} of ${t} values, newest first. */\nexport async function fetchPage${i}(account: string, options?: { limit?: number; cursor?: string }): Promise<{ items: ${t}[]; next?: string }> {\n  return { items: [{ id: account, amount: options?.limit ?? ${i}, currency: "EUR" }] };\n}`);
  }
  return { code: parts.join("\n\n"), test: 'import { fetchPage0 } from "library/billing/wide";\nconst page = await fetchPage0("a");\nif (page.items.length !== 1) throw new Error("items");\n' };
}

describe("search_library shows an integration's API, whole", () => {
  const server = useServer();
  const search = async (args: Record<string, unknown>) => {
    const reply = await server.env.call("search_library", args);
    expect(reply.isError, reply.text).toBe(false);
    return reply.body;
  };
  const find = async (name: string, args: Record<string, unknown>) => (await search(args)).results.find((r: { name: string }) => r.name === name);

  it("a summary has one outline line per export with the checker's types, full best-match declarations and an example", async () => {
    const saved = await server.env.call("save_integration", { name: "tracker", description: "Issue tracker client", code: TRACKER, test: TRACKER_TEST });
    expect(saved.isError, saved.text).toBe(false);
    const r = await find("tracker", { query: "tracker list issues" });
    expect(r.outline).toEqual([
      "interface Issue { id: number; title: string; priorities?: number[] }",
      'function listIssues(query?: { state?: "open" | "closed" }): Promise<Issue[]>',
      "class TrackerError extends Error { readonly status: number; constructor(status: number) }",
      "function countByTitle(issues: Issue[]): { [k: string]: number }",
    ]);
    // The best match in full, its doc comment whole (every line), with the type it uses.
    expect(r.signature).toContain("Closed issues are left out unless the query asks for them.");
    expect(r.signature).toContain("export declare function listIssues(");
    expect(r.signature).toContain("priorities?: number[];");
    expect(r.example).toBe('const open = await listIssues({ state: "open" });');
    expect(r.code).toBeUndefined();
  });

  it('detail "api" gives every declaration with its doc comments and no source; "full" adds source, test and history', async () => {
    const api = await find("tracker", { query: "tracker", detail: "api" });
    expect(api.signature).toContain("export declare class TrackerError extends Error");
    expect(api.signature).toContain("Thrown when the tracker refuses a request.");
    expect(api.signature).toContain("export declare const countByTitle: (issues: Issue[]) =>");
    expect(api.code).toBeUndefined();
    expect(api.test).toBeUndefined();
    const full = await find("tracker", { query: "tracker", detail: "full" });
    expect(full.code).toBe(`${TRACKER}`.trimEnd() + "\n");
    expect(full.test).toContain("countByTitle(issues)");
    expect(full.history).toEqual([expect.objectContaining({ version: full.version, message: expect.any(String) })]);
  });

  it("takes the example from the test when no doc comment has one", async () => {
    const saved = await server.env.call("save_integration", {
      name: "text/shout",
      description: "Upper-cases text",
      code: "/** Upper-cases a string. */\nexport function shout(s: string): string { return s.toUpperCase(); }",
      test: 'import { shout } from "library/text/shout";\n// the simplest case\nif (shout("a") !== "A") throw new Error("bad");\n',
    });
    expect(saved.isError, saved.text).toBe(false);
    expect((await find("text/shout", { query: "shout" })).example).toBe('if (shout("a") !== "A") throw new Error("bad");');
  });

  it("reads a committed <name>.d.ts instead of deriving declarations", async () => {
    const lib = join(server.home, "library");
    writeFileSync(join(lib, "text/shout.d.ts"), "/** Shouts: returns the text in capitals (from the stored declarations). */\nexport declare function shout(s: string): string;\n");
    execFileSync("git", ["-C", lib, "add", "text/shout.d.ts", "text/shout.ts"]);
    writeFileSync(join(lib, "text/shout.ts"), "/** Upper-cases a string. */\nexport function shout(s: string): string { return s.toUpperCase(); }\n// declarations committed\n");
    execFileSync("git", ["-C", lib, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "declarations for text/shout"]);
    const r = await find("text/shout", { query: "shout" });
    expect(r.signature).toContain("(from the stored declarations)");
    expect(r.outline).toEqual(["function shout(s: string): string"]);
  });

  it("a 30-export summary shows every export within 1,500 tokens, nothing cut inside a declaration", async () => {
    const { code, test } = wideModule();
    const saved = await server.env.call("save_integration", { name: "billing/wide", description: "Billing service pages", code, test });
    expect(saved.isError, saved.text).toBe(false);
    for (const query of ["billing", "fetch page 7", ""]) {
      const body = await search({ query, limit: 1 });
      const r = query === "" ? (await search({ query: "billing wide" })).results[0] : body.results[0];
      expect(r.name).toBe("billing/wide");
      expect(r.outline).toHaveLength(30);
      for (let i = 0; i < 20; i++) expect(r.outline).toContain(`function fetchPage${i}(account: string, options?: { limit?: number; cursor?: string }): Promise<{ items: Record${i % 10}[]; next?: string }>`);
      expect(countTokens(JSON.stringify(r))).toBeLessThanOrEqual(1_500);
      // Declarations are whole: every one that starts also ends, with its doc comment.
      const opened = (r.signature.match(/\{/g) ?? []).length;
      expect((r.signature.match(/\}/g) ?? []).length).toBe(opened);
      expect(r.signature).not.toContain("/* … */");
      expect(r.signature.trimEnd().endsWith(";") || r.signature.trimEnd().endsWith("}")).toBe(true);
    }
    const r = (await search({ query: "fetch page 7", limit: 1 })).results[0];
    expect(r.signature).toContain("/** Fetches page 7 of Record7 values, newest first. */\nexport declare function fetchPage7(");
    expect(r.signature).toContain("export interface Record7 {");
  });

  it("says how many results it shows of how many matched, and how to see more", async () => {
    const body = await search({ query: "", limit: 2 });
    expect(body.shown).toBe(2);
    expect(body.results).toHaveLength(2);
    expect(body.total).toBeGreaterThan(2);
    expect(body.hint).toBe(`Showing 2 of ${body.total} matches, best first; pass a larger "limit" (up to 100) or search with more specific words to see others.`);
    const all = await search({ query: "shout" , limit: 100 });
    expect(all.shown).toBe(all.total);
    expect(all.hint).toBeUndefined();
  });
});

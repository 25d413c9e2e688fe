import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "upstream-fixture.mjs");
const TRACKER = `export interface Issue { id: number; title: string }
/** Every issue. */
export function listIssues(): Issue[] {
  return [{ id: 1, title: "first" }];
}`;

describe("a failed run_code run carries the type diagnostics of its code", () => {
  const server = useServer({ mcpServers: { fx: { command: process.execPath, args: [FIXTURE, "stdio"] } } });
  const run = (code: string, modules?: Record<string, string>) => server.env.call("run_code", modules ? { code, modules } : { code });

  it("a misspelled export of a saved integration: the error says 'Did you mean'", async () => {
    const saved = await server.env.call("save_integration", { name: "svc/tracker", description: "Lists the tracker's issues", code: TRACKER, test: 'import { listIssues } from "library/svc/tracker";\nif (listIssues().length !== 1) throw new Error("bad");' });
    expect(saved.isError, saved.text).toBe(false);
    const r = await run('import * as tracker from "library/svc/tracker";\nexport default tracker.listIssue();');
    expect(r.isError).toBe(true);
    expect(r.body.error.name).toBe("TypeError");
    expect(r.body.error.diagnostics).toEqual([
      { line: 2, column: 24, code: 2551, message: expect.stringMatching(/^Property 'listIssue' does not exist on type .*Did you mean 'listIssues'\?/s) },
    ]);
  });

  it("a run that succeeds carries none", async () => {
    const r = await run('import * as tracker from "library/svc/tracker";\nconst n: number = 1;\nexport default tracker.listIssues().length + n;');
    expect(r.isError, r.text).toBe(false);
    expect(r.body.result).toBe(2);
    expect(r.body.error).toBeUndefined();
    expect(JSON.stringify(r.body)).not.toContain("diagnostics");
  });

  it("any failure, not only one inside an integration: the world's globals are checked too", async () => {
    const r = await run('const ids: number[] = [1];\nconst text: string = ids.joinn(",");\nthrow new Error("failed: " + text);');
    expect(r.isError).toBe(true);
    expect(r.body.error.diagnostics).toEqual([expect.objectContaining({ line: 2, code: 2551, message: expect.stringContaining("Did you mean 'join'?") })]);
  });

  it("a draft's declarations are used in place of the saved integration's", async () => {
    const draft = TRACKER.replace("listIssues", "listOpenIssues");
    const r = await run('import { listIssues } from "library/svc/tracker";\nexport default listIssues();', { "library/svc/tracker": draft });
    expect(r.isError).toBe(true);
    expect(r.body.error.diagnostics).toEqual([{ line: 1, column: 10, code: 2305, message: "Module '\"library/svc/tracker\"' has no exported member 'listIssues'." }]);
  });

  it("upstream tools are checked against their signatures", async () => {
    await server.env.toolsmith.upstreamsSettled();
    const r = await run('import { add_numbers } from "mcp/fx";\nconst out = await add_numbers({ a: 1, bb: 2 });\nthrow new Error("stop " + JSON.stringify(out));');
    expect(r.isError).toBe(true);
    expect(r.body.error.diagnostics).toEqual([expect.objectContaining({ line: 2, message: expect.stringMatching(/'bb' does not exist in type/) })]);
  });

  it("bounded: at most 5 diagnostics", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `const v${i}: number = "x${i}";`);
    const r = await run(`${lines.join("\n")}\nthrow new Error("many");`);
    expect(r.body.error.diagnostics).toHaveLength(5);
    expect(r.body.error.diagnostics[0]).toMatchObject({ line: 1, code: 2322 });
  });
});

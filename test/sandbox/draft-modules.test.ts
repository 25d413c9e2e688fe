import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const GREET = 'export function greet(name: string): string {\n  return "hello " + name;\n}';
const LOUD = 'import { greet } from "library/greet";\nexport function loud(name: string): string {\n  return greet(name).toUpperCase();\n}';

describe("run_code drafts (modules): shadow saved integrations for one run, never saved", () => {
  const server = useServer();
  const run = (code: string, modules?: unknown) => server.env.call("run_code", modules === undefined ? { code } : { code, modules });

  it("a draft replaces a saved integration for the run and for the integrations importing it; nothing is committed", async () => {
    for (const [name, code, test] of [
      ["greet", GREET, 'import { greet } from "library/greet";\nif (greet("a") !== "hello a") throw new Error("bad");'],
      ["greet/loud", LOUD, 'import { loud } from "library/greet/loud";\nif (loud("a") !== "HELLO A") throw new Error("bad");'],
    ] as const) {
      const saved = await server.env.call("save_integration", { name, description: `${name} test helper`, code, test });
      expect(saved.isError, saved.text).toBe(false);
    }
    const before = await server.env.toolsmith.history();
    const drafted = await run(
      'import { greet } from "library/greet";\nimport { loud } from "library/greet/loud";\nexport default [greet("x"), loud("y")];',
      { "library/greet": 'export function greet(name: string): string {\n  return "hi " + name;\n}' },
    );
    expect(drafted.isError, drafted.text).toBe(false);
    expect(drafted.body.result).toEqual(["hi x", "HI Y"]);
    // Nothing was saved: same history, and the saved version still answers.
    expect((await server.env.toolsmith.history()).map((c) => c.sha)).toEqual(before.map((c) => c.sha));
    expect((await server.env.toolsmith.get("greet"))!.code).toContain('"hello "');
    const saved = await run('import { loud } from "library/greet/loud";\nexport default loud("y");');
    expect(saved.body.result).toBe("HELLO Y");
  });

  it("a draft may be new, and may import other drafts and saved integrations", async () => {
    const r = await run('import { shout } from "library/brand/new";\nexport default shout("z");', {
      "library/brand/new": 'import { loud } from "library/greet/loud";\nimport { bang } from "library/brand/bang";\nexport const shout = (s: string) => bang(loud(s));',
      "library/brand/bang": "export const bang = (s: string) => s + '!';",
    });
    expect(r.isError, r.text).toBe(false);
    expect(r.body.result).toBe("HELLO Z!");
    expect(await server.env.toolsmith.get("brand/new")).toBeUndefined();
  });

  it("an error thrown inside a draft is positioned in the draft and names it", async () => {
    const r = await run('import { greet } from "library/greet";\nexport default greet("x");', {
      "library/greet": 'export function greet(name: string): string {\n  const n: number = name.length;\n  throw new Error("draft broke " + n);\n}',
    });
    expect(r.isError).toBe(true);
    expect(r.body.error).toMatchObject({ name: "Error", message: "draft broke 1", module: "library/greet", line: 3 });
    expect(r.body.error.column).toBeGreaterThan(1);
    expect(r.body.error.stack).toContain("library/greet:3:");
  });

  it("a draft that does not compile is refused with its name and position; nothing runs", async () => {
    const r = await run('import { greet } from "library/greet";\nexport default greet("x");', { "library/greet": "export function greet(name: string {\n}" });
    expect(r.isError).toBe(true);
    expect(r.body.error).toMatchObject({ name: "SyntaxError", module: "library/greet", line: 1 });
    expect(r.body.error.message).toMatch(/^The draft of 'library\/greet' does not compile: /);
  });

  it("bad keys and values get errors that say what to write", async () => {
    const bare = await run("export default 1;", { greet: GREET });
    expect(bare.isError).toBe(true);
    expect(bare.body.error.name).toBe("InvalidInput");
    expect(bare.body.error.message).toContain('Write it as "library/greet"');
    const badName = await run("export default 1;", { "library/Not_Valid": GREET });
    expect(badName.body.error.message).toMatch(/is not "library\/<name>"\. An integration name uses lowercase letters/);
    const notCode = await run("export default 1;", { "library/greet": 42 });
    expect(notCode.isError).toBe(true);
    expect(notCode.text).toMatch(/string/);
    const selfImport = await run("export default 1;", { "library/loop": 'import "library/loop";\nexport const x = 1;' });
    expect(selfImport.body.error.message).toContain("imports itself");
    // The server keeps serving.
    expect((await run("export default 2;")).body.result).toBe(2);
  });

  it("a draft's runs are not the saved integration's usage figures", async () => {
    const usage = async () => (await server.env.call("search_library", { query: "greet" })).body.results.find((r: { name: string }) => r.name === "greet")?.usage;
    const runsBefore = (await usage())?.runs ?? 0;
    await run('import { greet } from "library/greet";\nexport default greet("x");', { "library/greet": GREET });
    await server.env.toolsmith.whenReady();
    expect((await usage())?.runs ?? 0).toBe(runsBefore);
  });
});

import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

const V1 = `export function greet(name: string): string {
  return "hello " + name;
}

export function shout(text: string): string {
  return text.toUpperCase();
}
`;
const TEST = `import { greet } from "library/words";
import { assert, assertEqual } from "library/testing/assert";
for (const name of ["a", "b", "c"]) assertEqual(greet(name), "hello " + name);
assert(greet("").startsWith("hello"));
console.log("checked greet");
console.warn("done");
`;

describe("save_integration's result says what the save proved", () => {
  const server = useServer({ limits: { timeoutMs: 5000 } });
  const save = (args: Record<string, unknown>) => server.env.call("save_integration", { name: "words", description: "Word helpers", ...args });

  it("a create reports the test's real assertion count, its log tail, every export added and no host path", async () => {
    const reply = await save({ code: V1, test: TEST });
    expect(reply.isError, reply.text).toBe(false);
    const { version, test, ...rest } = reply.body;
    expect(version).toMatch(/^[0-9a-f]{40}$/);
    expect(rest).toEqual({
      name: "words",
      previousVersion: null,
      path: "words.ts",
      created: true,
      verified: true,
      changes: { linesAdded: 7, linesRemoved: 0, exportsAdded: ["greet", "shout"], exportsRemoved: [], exportsChanged: [] },
      dependents: [],
      warnings: [],
    });
    expect(test).toMatchObject({ passed: true, assertions: 4, logs: ["checked greet", "[warn] done"] });
    expect(test.durationMs).toBeGreaterThan(0);
    expect(reply.text).not.toContain(server.home);
  });

  it("an update reports the previous version, lines changed and exports removed and changed in signature", async () => {
    const previous = (await server.env.toolsmith.get("words"))!.version;
    const v2 = `export function greet(name: string, greeting = "hello"): string {\n  return greeting + " " + name;\n}\n\n/** Now documented. */\nexport function whisper(text: string): string {\n  return text.toLowerCase();\n}\n`;
    const reply = await save({ code: v2 });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.previousVersion).toBe(previous);
    expect(reply.body.created).toBe(false);
    expect(reply.body.changes).toEqual({ linesAdded: 5, linesRemoved: 4, exportsAdded: ["whisper"], exportsRemoved: ["shout"], exportsChanged: ["greet"] });
    expect(reply.body.test.assertions).toBe(4);
  });

  it("saving the same files again reports the version that holds them, not a later commit of another integration", async () => {
    const first = await save({ name: "same/again", description: "Same", code: "export const v = (): number => 1;\n" });
    expect(first.isError, first.text).toBe(false);
    const other = await save({ name: "same/other", description: "Other", code: "export const w = (): number => 2;\n" });
    expect(other.isError, other.text).toBe(false);
    expect(other.body.version).not.toBe(first.body.version);
    const again = await save({ name: "same/again", description: "Same", code: "export const v = (): number => 1;\n" });
    expect(again.isError, again.text).toBe(false);
    expect(again.body.version).toBe(first.body.version);
    expect((await server.env.toolsmith.get("same/again"))!.version).toBe(first.body.version);
  });

  it("a failing test is refused with the line of the failing check in the test's own code", async () => {
    const reply = await save({ test: `import { greet } from "library/words";\nimport { assertEqual } from "library/testing/assert";\n\nassertEqual(greet("x"), "hi x");\n` });
    expect(reply.isError).toBe(true);
    expect(reply.body.phase).toBe("test");
    expect(reply.body.error.message).toContain("Check failed: values differ");
    expect(reply.body.error.line).toBe(4);
  });

  it("a test that checks nothing through library/testing/assert counts zero; a save without a test reports test: null", async () => {
    const plain = await save({ test: `import { greet } from "library/words";\nif (greet("x") !== "hello x") throw new Error("bad");\n` });
    expect(plain.isError, plain.text).toBe(false);
    expect(plain.body.test).toMatchObject({ passed: true, assertions: 0, logs: [] });
    const untested = await server.env.call("save_integration", { name: "loner", description: "No test", code: "export const one = (): number => 1;\n" });
    expect(untested.body).toMatchObject({ verified: false, test: null, changes: { exportsAdded: ["one"] } });
  });
});

describe("the test's log tail in a save's result", () => {
  it("keeps the last 10 whole lines within 1,000 characters; one longer line keeps its end from a space", async () => {
    const { logTail } = await import("../../dist/library/test-runner.js");
    const many = Array.from({ length: 50 }, (_, i) => ({ level: "log" as const, text: `line ${i}` }));
    expect(logTail(many)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${40 + i}`));
    const wide = [{ level: "log" as const, text: "x".repeat(600) }, { level: "error" as const, text: "y".repeat(600) }];
    expect(logTail(wide)).toEqual([`[error] ${"y".repeat(600)}`]);
    const huge = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" ");
    const [only] = logTail([{ level: "log", text: huge }]);
    expect(only!.length).toBeLessThanOrEqual(1_002);
    expect(only).toMatch(/^… word\d+ /);
    expect(only!.endsWith("word399")).toBe(true);
  });
});

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STARTER_DIR } from "../../dist/library/open-library.js";
import { emitStarterDeclarations, readStarters } from "../../dist/library/starter-declarations.js";
import { useServer } from "../helpers.js";

const git = (home: string, ...args: string[]) => execFileSync("git", ["-C", join(home, "library"), ...args], { encoding: "utf8" });
const filesOf = (home: string, version: string) => git(home, "show", "--no-renames", "--name-only", "--format=", version).trim().split("\n").sort();

const TRACKER = `/** An issue as the tracker returns it. */
export interface Issue {
  id: number;
  title: string;
}

/**
 * Thrown when the tracker answers with an error status.
 * Carries the status so callers can retry on 5xx.
 */
export class TrackerError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Lists the open issues.
 *
 * @param label only issues with this label
 */
export const listIssues = async (label?: string) => {
  const all: Issue[] = [{ id: 1, title: "first" }];
  return label ? all.filter((i) => i.title.includes(label)) : all;
};

export function count(issues: Issue[]) {
  return { total: issues.length, ids: issues.map((i) => i.id) };
}

export function raw(input: any) {
  return JSON.parse(String(input));
}
`;
const TRACKER_TEST = `import { listIssues, count } from "library/tracker";
import { assertEqual } from "library/testing/assert";
assertEqual(count(await listIssues()).total, 1);
`;

describe("save_integration commits the compiler's declarations beside the code", () => {
  const server = useServer({ limits: { timeoutMs: 5000 } });
  const save = (args: Record<string, unknown>) => server.env.call("save_integration", { description: "A tracker client", ...args });

  it("writes <name>.d.ts in the same commit, with concrete inferred types, heritage and whole doc comments", async () => {
    const reply = await save({ name: "tracker", code: TRACKER, test: TRACKER_TEST });
    expect(reply.isError, reply.text).toBe(false);
    expect(filesOf(server.home, reply.body.version)).toEqual(["tracker.d.ts", "tracker.meta.json", "tracker.test.ts", "tracker.ts"]);
    const dts = await readFile(join(server.home, "library", "tracker.d.ts"), "utf8");
    expect(git(server.home, "show", `${reply.body.version}:tracker.d.ts`)).toBe(dts);
    expect(dts).toContain("export declare const listIssues: (label?: string) => Promise<Issue[]>;");
    expect(dts).toContain("export declare function count(issues: Issue[]): {\n    total: number;\n    ids: number[];\n};");
    expect(dts).toContain("export declare class TrackerError extends Error {");
    expect(dts).toContain("/**\n * Thrown when the tracker answers with an error status.\n * Carries the status so callers can retry on 5xx.\n */");
    expect(dts).toContain(" * @param label only issues with this label\n");
  });

  it("names exports whose public type is any or unknown in warnings", async () => {
    const reply = await save({ name: "tracker", edits: [{ find: "export function raw(input: any) {", replace: "export function raw(input: string): unknown {" }] });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.warnings).toContain("declarations: export 'raw' returns unknown: add a return type so the next agent sees what it gives");
    const first = await save({ name: "vague", code: "export const parse = (text: string) => JSON.parse(text);\n" });
    expect(first.body.warnings).toEqual(["declarations: export 'parse' returns any: add a return type so the next agent sees what it gives"]);
  });

  it("the declarations follow their code through rename, revert and remove", async () => {
    const { toolsmith, home } = server.env;
    const v1 = (await save({ name: "moving", code: "export const one = (): number => 1;\n" })).body.version as string;
    await save({ name: "moving", code: "export const one = (): string => 'one';\n" });
    const reverted = await toolsmith.revert("moving", v1);
    expect(filesOf(home, reverted.version)).toEqual(["moving.d.ts", "moving.ts"]);
    expect(git(home, "show", `${reverted.version}:moving.d.ts`)).toBe("export declare const one: () => number;\n");
    const renamed = await toolsmith.rename("moving", "moved");
    expect(filesOf(home, renamed.version)).toEqual(["moved.d.ts", "moved.meta.json", "moved.ts", "moving.d.ts", "moving.meta.json", "moving.ts"]);
    expect(git(home, "show", `${renamed.version}:moved.d.ts`)).toBe("export declare const one: () => number;\n");
    const removed = await toolsmith.remove("moved");
    expect(filesOf(home, removed.version)).toEqual(["moved.d.ts", "moved.meta.json", "moved.ts"]);
    expect(git(home, "ls-files").split("\n").filter((f) => f.startsWith("mov"))).toEqual([]);
  });

  it("seeds the starters with the declarations shipped beside them, in the first commit", async () => {
    const first = git(server.home, "rev-list", "--max-parents=0", "HEAD").trim();
    const files = filesOf(server.home, first);
    for (const name of ["csv", "dates", "collections", "testing/assert"]) expect(files).toContain(`${name}.d.ts`);
    expect(git(server.home, "show", `${first}:testing/assert.d.ts`)).toBe(await readFile(join(STARTER_DIR, "testing", "assert.d.ts"), "utf8"));
  });
});

describe("starter declarations", () => {
  it("the .d.ts shipped in library/ are what the compiler emits now (else run scripts/starter-declarations.js)", async () => {
    const starters = await readStarters(STARTER_DIR);
    expect(starters.length).toBeGreaterThanOrEqual(4);
    const emitted = emitStarterDeclarations(starters);
    for (const starter of starters) expect(starter.declarations, `library/${starter.name}.d.ts`).toBe(emitted.get(starter.name));
  });
});

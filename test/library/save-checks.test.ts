import { describe, expect, it } from "vitest";
import { useServer } from "../helpers.js";

/** Saves that used to be accepted though the code could never run or the test proved nothing. */
describe("save_integration refuses what can never work", () => {
  const server = useServer({ limits: { timeoutMs: 3000 } });
  const save = (args: Record<string, unknown>) => server.env.call("save_integration", { description: "A check", ...args });
  const saved = async (name: string) => (await server.env.call("search_library", { query: name })).body.results.some((r: { name: string }) => r.name === name);

  it("loads the module even without a test: an import that cannot resolve is refused", async () => {
    const reply = await save({ name: "checks/uses-fs", code: 'import fs from "fs";\nexport const read = () => fs;' });
    expect(reply.isError).toBe(true);
    expect(reply.body.phase).toBe("load");
    expect(reply.body.error.message).toContain("'fs'");
    expect(await saved("checks/uses-fs")).toBe(false);
  });

  it("a top-level loop is refused at its deadline instead of being saved", async () => {
    const reply = await save({ name: "checks/spins", code: "while (true) {}\nexport const never = () => 1;" });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("TimeoutError");
    expect(await saved("checks/spins")).toBe(false);
  });

  it("a test that never imports the module it verifies is refused", async () => {
    const reply = await save({ name: "checks/untested", code: "export const one = (): number => 1;", test: "if (1 + 1 !== 2) throw new Error('math');" });
    expect(reply.isError).toBe(true);
    expect(reply.body.error.name).toBe("TestDoesNotImport");
    expect(reply.body.error.message).toContain('from "library/checks/untested"');
  });

  it("an invalid hosts pattern and an empty description are refused, saying what to write", async () => {
    const hosts = await save({ name: "checks/hosts", code: "export const one = (): number => 1;", hosts: ["https://api.example.com/v1"] });
    expect(hosts.isError).toBe(true);
    expect(hosts.body.error.message).toMatch(/^hosts: .*e\.g\. "api\.github\.com"/s);
    const empty = await save({ name: "checks/empty", description: "   ", code: "export const one = (): number => 1;" });
    expect(empty.isError).toBe(true);
    expect(empty.body.error.message).toContain("The description is empty");
  });

  it("a module that loads is saved without a test, unverified, and its path is relative to the library", async () => {
    const reply = await save({ name: "checks/fine", code: "export const one = (): number => 1;" });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body).toMatchObject({ verified: false, path: "checks/fine.ts" });
    const { readFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    expect(await readFile(join(server.home, "library", "checks", "fine.ts"), "utf8")).toBe("export const one = (): number => 1;\n");
  });
});

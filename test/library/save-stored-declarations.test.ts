import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LibraryStore } from "../../dist/library/library-store.js";
import { IntegrationMetaSchema } from "../../dist/library/metadata.js";

/** The store's declarationsFor on a real git library: what search and type checks read. */
describe("LibraryStore.declarationsFor", () => {
  let dir: string;
  const root = () => join(dir, "library");
  const state = () => join(dir, "state");
  const meta = IntegrationMetaSchema.parse({ description: "x" });
  const open = async () => {
    const store = new LibraryStore(root(), state());
    await store.load();
    return store;
  };
  const derivedLines = async () => (await readFile(join(state(), "declarations.jsonl"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolsmith-decl-store-"));
    await mkdir(root());
    await mkdir(state());
    const store = new LibraryStore(root(), state());
    await store.repo.init("main");
    await store.load();
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("returns the committed <name>.d.ts as it is (never re-derived)", async () => {
    const store = await open();
    const committed = "/** Hand-written here to prove the file is read. */\nexport declare const a: () => number[];\n";
    await store.commit([{ name: "a", code: "export const a = () => [1];\n", meta, declarations: committed }], "Add a");
    expect(store.declarationsFor("a")).toBe(committed);
    expect((await open()).declarationsFor("a")).toBe(committed);
    expect(store.declarationsFor("nope")).toBeUndefined();
    expect(await derivedLines()).toBe(0);
  });

  it("derives the declarations of a version committed without them once, and keeps them in state/ across restarts", async () => {
    const store = await open();
    // As an older toolsmith (or a person) would have committed it: no .d.ts.
    await store.commit([{ name: "b", code: 'import { a } from "library/a";\nexport const b = () => a().map((n) => String(n));\n', meta }], "Add b");
    expect(store.declarationsFor("b")).toBe("export declare const b: () => string[];\n");
    expect(store.declarationsFor("b")).toBe("export declare const b: () => string[];\n");
    expect(await derivedLines()).toBe(1);
    const restarted = await open();
    expect(restarted.declarationsFor("b")).toBe("export declare const b: () => string[];\n");
    expect(await derivedLines()).toBe(1);
  });

  it("sees declarations another process committed, read from its commit", async () => {
    const mine = await open();
    expect(mine.declarationsFor("a")).toContain("number[]");
    const other = await open();
    await other.commit([{ name: "a", code: "export const a = () => ['1'];\n", meta, declarations: "export declare const a: () => string[];\n" }], "Update a");
    await mine.refresh();
    expect(mine.declarationsFor("a")).toBe("export declare const a: () => string[];\n");
  });
});

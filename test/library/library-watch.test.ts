import { execFileSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitRepo } from "../../dist/library/git-repo.js";
import { catBlobs, changesBetween } from "../../dist/library/library-watch.js";

/**
 * changesBetween reads what moved from the target commit itself. Past a few hundred files
 * it looks blobs up by id from one tree listing (by `<commit>:<path>` git walks the tree
 * per path); both ways must read the same contents and leave absent files out.
 */
describe("changesBetween", () => {
  let root: string;
  const git = (...args: string[]) => execFileSync("git", ["-C", root, ...args], { encoding: "utf8" }).trim();
  const COUNT = 120; // 120 integrations: 4 files each for most, past the tree-listing threshold

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "toolsmith-watch-"));
    git("init", "-q", "-b", "main");
    git("config", "user.email", "t@example.com");
    git("config", "user.name", "t");
    await writeFile(join(root, "README"), "library\n");
    git("add", "-A");
    git("commit", "-qm", "start");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function writeIntegrations(prefix: string, count: number, withTests: (i: number) => boolean): Promise<void> {
    await mkdir(join(root, prefix), { recursive: true });
    for (let i = 0; i < count; i++) {
      const base = join(root, prefix, `n${i}`);
      await writeFile(`${base}.ts`, `export const v = ${i};\n`);
      await writeFile(`${base}.meta.json`, JSON.stringify({ description: `number ${i}` }));
      await writeFile(`${base}.d.ts`, `export declare const v = ${i};\n`);
      if (withTests(i)) await writeFile(`${base}.test.ts`, `import { v } from "library/${prefix}/n${i}";\nif (v !== ${i}) throw new Error();\n`);
    }
  }

  it("reads a large change by blob id: the same contents, absent files left out", async () => {
    const from = git("rev-parse", "HEAD");
    await writeIntegrations("big", COUNT, (i) => i % 3 !== 0);
    git("add", "-A");
    git("commit", "-qm", "many");
    const to = git("rev-parse", "HEAD");
    const changes = (await changesBetween(new GitRepo(root), from, to))!;
    expect(changes).toHaveLength(COUNT);
    for (const c of changes) {
      const i = Number(c.name.slice("big/n".length));
      expect(c.code).toBe(`export const v = ${i};\n`);
      expect(c.declarations).toBe(`export declare const v = ${i};\n`);
      expect(JSON.parse(c.meta!)).toEqual({ description: `number ${i}` });
      if (i % 3 === 0) expect(c.test).toBeUndefined();
      else expect(c.test).toContain(`v !== ${i}`);
      expect(c.version).toBe(to);
    }
  });

  it("reads a small change by path, and reports a removal as an integration without code", async () => {
    const from = git("rev-parse", "HEAD");
    await writeFile(join(root, "big", "n1.ts"), "export const v = 1001;\n");
    await rm(join(root, "big", "n2.ts"));
    await rm(join(root, "big", "n2.meta.json"));
    await rm(join(root, "big", "n2.d.ts"));
    await rm(join(root, "big", "n2.test.ts"));
    git("add", "-A");
    git("commit", "-qm", "edit and remove");
    const changes = (await changesBetween(new GitRepo(root), from, git("rev-parse", "HEAD")))!;
    const byName = new Map(changes.map((c) => [c.name, c]));
    expect(byName.get("big/n1")?.code).toBe("export const v = 1001;\n");
    expect(byName.get("big/n2")?.code).toBeUndefined();
    expect(byName.get("big/n2")?.meta).toBeUndefined();
  });

  it("reads objects of every size as git streams them out: blobs across many pipe chunks, multi-byte text, a missing object", async () => {
    // 1 MB of mixed one- to four-byte characters: comes in many chunks, some cut inside a character.
    const big = "aé€😀\n".repeat(100_000);
    const small = "x";
    await writeFile(join(root, "big.txt"), big);
    await writeFile(join(root, "small.txt"), small);
    await writeFile(join(root, "empty.txt"), "");
    git("add", "-A");
    git("commit", "-qm", "blobs");
    const head = git("rev-parse", "HEAD");
    const texts = await catBlobs(root, [`${head}:small.txt`, `${head}:big.txt`, `${head}:nothing-here.txt`, `${head}:empty.txt`, `${head}:big.txt`, `${head}:small.txt`]);
    expect(texts.map((t) => t?.length)).toEqual([1, big.length, undefined, 0, big.length, 1]);
    expect(texts[1] === big && texts[4] === big && texts[0] === small && texts[5] === small).toBe(true);
    expect(await catBlobs(root, [])).toEqual([]);
  });
});

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { feedPulledFiles, readCommittedFiles } from "../../dist/search/pulled-files.js";
import { readWorkingFilesOf } from "../../dist/search/working-files.js";
import { touchedBetween } from "../../dist/library/library-watch.js";
import { GitRepo } from "../../dist/library/git-repo.js";

const root = mkdtempSync(join(tmpdir(), "toolsmith-working-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string): void {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), text);
}

describe("the files of integrations pulled since the snapshot", () => {
  // With declarations; without (its code is read); code gone; a declaration file that is a link
  // (ignored, the code is read); a code file that is a link (left out); metadata missing.
  write("a/with-dts.ts", "export const a = 1;\n");
  write("a/with-dts.d.ts", "export declare const a = 1;\n");
  write("a/with-dts.meta.json", '{"description":"with declarations"}');
  write("a/no-dts.ts", "export const b = (x: number) => x;\n");
  write("a/no-dts.meta.json", '{"description":"without declarations"}');
  write("a/gone.meta.json", '{"description":"code removed"}');
  write("a/linked-dts.ts", "export const c = 3;\n");
  write("elsewhere.d.ts", "export declare const stolen: string;\n");
  symlinkSync(join(root, "elsewhere.d.ts"), join(root, "a/linked-dts.d.ts"));
  write("outside.ts", "export const d = 4;\n");
  symlinkSync(join(root, "outside.ts"), join(root, "a/linked-code.ts"));
  write("a/linked-code.d.ts", "export declare const d = 4;\n");
  write("a/no-meta.ts", "export const e = 5;\n");
  const names = ["a/with-dts", "a/no-dts", "a/gone", "a/linked-dts", "a/linked-code", "a/no-meta"];

  it("are read alike in place and by the reading thread", async () => {
    const inPlace = await readWorkingFilesOf(root, names, Number.POSITIVE_INFINITY);
    expect(inPlace).toEqual([
      { declarations: "export declare const a = 1;\n", code: "", meta: '{"description":"with declarations"}' },
      { declarations: undefined, code: "export const b = (x: number) => x;\n", meta: '{"description":"without declarations"}' },
      undefined,
      { declarations: undefined, code: "export const c = 3;\n", meta: undefined },
      undefined,
      { declarations: undefined, code: "export const e = 5;\n", meta: undefined },
    ]);
    // One thread per name's share: read by as many threads as there are CPUs (at most 4), in order.
    expect(await readWorkingFilesOf(root, names, 1)).toEqual(inPlace);
    expect(await readWorkingFilesOf(root, names, names.length)).toEqual(inPlace);
  });

  it("are read alike from the commit (links by their mode), packed or loose", async () => {
    const git = (...args: string[]) => execFileSync("git", ["-C", root, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "gc.auto=0", ...args], { encoding: "utf8" });
    git("init", "-q");
    git("add", "elsewhere.d.ts");
    git("commit", "-qm", "before the pull");
    const base = git("rev-parse", "HEAD").trim();
    git("add", "-A");
    git("commit", "-qm", "pulled");
    const head = git("rev-parse", "HEAD").trim();
    const inPlace = await readWorkingFilesOf(root, names, Number.POSITIVE_INFINITY);
    expect(await readCommittedFiles(root, head, names)).toEqual(inPlace);
    // Loose objects: read from the working tree; packed: from the commit. Alike either way.
    expect(await feedPulledFiles(root, head, names, { threadMin: 1 }).all()).toEqual(inPlace);
    git("gc", "-q");
    expect(await feedPulledFiles(root, head, names, { threadMin: 1 }).all()).toEqual(inPlace);
    // With the files as the commits' log records them (no listing of the tree): alike.
    const blobs = new Map();
    const touched = await touchedBetween(new GitRepo(root), base, head, blobs);
    expect([...touched!.keys()]).toEqual(expect.arrayContaining(names));
    expect(blobs.get("a/linked-code.ts")?.mode).toBe("120000");
    expect(await readCommittedFiles(root, head, names, blobs)).toEqual(inPlace);
  });
});

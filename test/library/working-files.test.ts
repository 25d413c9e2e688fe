import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWorkingFilesOf } from "../../dist/search/working-files.js";

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
    const threaded = await readWorkingFilesOf(root, names, 1);
    expect(threaded).toEqual(inPlace);
  });
});

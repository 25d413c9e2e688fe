import { readFile } from "node:fs/promises";
import { emitDeclarations } from "./declarations.js";
import type { IntegrationFiles } from "./commit-plan.js";
import { listIntegrationNames } from "./list-names.js";
import { absoluteFiles } from "./names.js";
import { parseMeta } from "./metadata.js";

/**
 * The starter integrations of a folder (this package's `library/`), with the declarations
 * shipped beside them (`<name>.d.ts`). Seeding a library commits them as they are, so a
 * first start never loads the compiler.
 */
export async function readStarters(dir: string): Promise<IntegrationFiles[]> {
  const starters: IntegrationFiles[] = [];
  for (const name of await listIntegrationNames(dir)) {
    const files = absoluteFiles(dir, name);
    starters.push({
      name,
      code: await readFile(files.code, "utf8"),
      test: await readFile(files.test, "utf8").catch(() => undefined),
      meta: parseMeta(await readFile(files.meta, "utf8").catch(() => undefined)),
      declarations: await readFile(files.declarations, "utf8").catch(() => undefined),
    });
  }
  return starters;
}

/**
 * What the compiler emits for each starter, the others importable as `library/<name>`.
 * `scripts/starter-declarations.js` writes these files; a test checks the shipped ones are current.
 */
export function emitStarterDeclarations(starters: readonly IntegrationFiles[]): Map<string, string> {
  const byName = new Map(starters.map((s) => [s.name, s]));
  const emitted = new Map<string, string>();
  const declarationsOf = (name: string, seen: ReadonlySet<string>): string | undefined => {
    const starter = byName.get(name);
    if (!starter || seen.has(name)) return undefined;
    let dts = emitted.get(name);
    if (dts === undefined) {
      dts = emitDeclarations({ name, code: starter.code, importable: { library: (other) => declarationsOf(other, new Set([...seen, name])) } }).dts;
      emitted.set(name, dts);
    }
    return dts;
  };
  for (const starter of starters) declarationsOf(starter.name, new Set());
  return emitted;
}

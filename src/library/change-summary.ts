import { declarationsOf, outlineFromDeclarations } from "./declaration-outline.js";

/** What a save changed, in a few numbers and names. */
export interface ChangeSummary {
  /** Lines of code added and removed (a changed line counts once in each). */
  linesAdded: number;
  linesRemoved: number;
  exportsAdded: string[];
  exportsRemoved: string[];
  /** Exports whose declaration (or a type it uses) changed; a changed doc comment alone does not count. */
  exportsChanged: string[];
}

/** Past this many line pairs the line count is estimated from line multisets instead of an exact diff. */
const MAX_DIFF_CELLS = 4_000_000;

/** Compares the previous version (undefined: none) with the new one, by their code and declarations. */
export function summarizeChanges(before: { code: string; declarations: string } | undefined, after: { code: string; declarations: string }): ChangeSummary {
  const { added, removed } = lineChanges(before ? lines(before.code) : [], lines(after.code));
  const oldNames = new Set(before ? outlineFromDeclarations(before.declarations).map((e) => e.name) : []);
  const newNames = outlineFromDeclarations(after.declarations).map((e) => e.name);
  const kept = newNames.filter((n) => oldNames.has(n));
  return {
    linesAdded: added,
    linesRemoved: removed,
    exportsAdded: newNames.filter((n) => !oldNames.has(n)),
    exportsRemoved: [...oldNames].filter((n) => !newNames.includes(n)),
    exportsChanged: before ? kept.filter((n) => shape(before.declarations, n) !== shape(after.declarations, n)) : [],
  };
}

function lines(text: string): string[] {
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  return all;
}

/** An export's declarations with comments and spacing taken out. */
function shape(dts: string, name: string): string {
  return declarationsOf(dts, [name])
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Lines added and removed: from the longest common subsequence (after trimming the common head and tail). */
function lineChanges(a: string[], b: string[]): { added: number; removed: number } {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) [endA, endB] = [endA - 1, endB - 1];
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  if (x.length * y.length > MAX_DIFF_CELLS) return multisetChanges(x, y);
  let previous = new Array<number>(y.length + 1).fill(0);
  for (const line of x) {
    const current = [0];
    for (let j = 1; j <= y.length; j++) current[j] = line === y[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    previous = current;
  }
  const common = previous[y.length]!;
  return { added: y.length - common, removed: x.length - common };
}

function multisetChanges(x: string[], y: string[]): { added: number; removed: number } {
  const counts = new Map<string, number>();
  for (const line of x) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of y) {
    const n = counts.get(line) ?? 0;
    if (n > 0) [common] = [common + 1, counts.set(line, n - 1)];
  }
  return { added: y.length - common, removed: x.length - common };
}

/**
 * One short usage example for a search result: the `@example` of a doc comment in the
 * declarations (of the best-matching export first), else the first line of the saved
 * test that calls an export. Whole lines only; a longer one is skipped, never cut.
 */

/** Longest example shown, in characters. */
export const EXAMPLE_MAX_CHARS = 300;

export function usageExample(dts: string, test: string | undefined, exportNames: readonly string[]): string | undefined {
  return fromDocComments(dts, exportNames) ?? (test ? fromTest(test, exportNames) : undefined);
}

/** `@example` blocks in order of the exports named (then any), code fences removed. */
function fromDocComments(dts: string, exportNames: readonly string[]): string | undefined {
  const examples: Array<{ at: number; text: string }> = [];
  for (const m of dts.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, ""));
    const start = body.findIndex((l) => /^\s*@example\b/.test(l));
    if (start < 0) continue;
    const lines: string[] = [];
    const first = body[start]!.replace(/^\s*@example\b\s*/, "");
    if (first) lines.push(first);
    for (const line of body.slice(start + 1)) {
      if (/^\s*@\w/.test(line)) break;
      lines.push(line);
    }
    const text = lines.filter((l) => !/^\s*```/.test(l)).join("\n").trim();
    if (text && text.length <= EXAMPLE_MAX_CHARS) examples.push({ at: (m.index ?? 0) + m[0].length, text });
  }
  if (!examples.length) return undefined;
  // The comment documents the declaration right after it: prefer the best-matching export's.
  for (const name of exportNames) {
    const declared = new RegExp(`\\b(?:function|const|class|interface|type|enum)\\s+${name.replace(/\$/g, "\\$")}\\b`);
    const hit = examples.find((e) => declared.test(dts.slice(e.at, e.at + 200).split("\n").slice(0, 2).join("\n")));
    if (hit) return hit.text;
  }
  return examples[0]!.text;
}

/** The first test line (not an import or a comment) that calls an export, trying the best-matching export first. */
function fromTest(test: string, exportNames: readonly string[]): string | undefined {
  const lines = test
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && l.length <= EXAMPLE_MAX_CHARS && !l.startsWith("import ") && !l.startsWith("//"));
  for (const name of exportNames) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name) || name === "default") continue;
    const call = new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}\\s*\\(`);
    const line = lines.find((l) => call.test(l));
    if (line) return line;
  }
  return undefined;
}

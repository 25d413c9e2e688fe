import { tokenize } from "./search-index.js";

/** Declarations shown per integration in a summary search result. */
export const SUMMARY_DECLARATIONS = 6;

/**
 * A short form of a module's signature for summary results: the declarations that
 * best match the query (all of them, up to the cap, when there is none), then one
 * line naming the ones left out. `detail: "full"` shows everything.
 */
export function summarizeSignature(signature: string, query: string | undefined, max = SUMMARY_DECLARATIONS): string {
  const declarations = splitDeclarations(signature);
  if (declarations.length <= max) return signature;
  const terms = new Set(tokenize(query ?? ""));
  const scored = declarations.map((text, index) => {
    const words = tokenize(text);
    const head = tokenize(declarationName(text) ?? "");
    const score = [...terms].reduce((sum, t) => sum + (head.includes(t) ? 3 : 0) + (words.includes(t) ? 1 : 0), 0);
    return { text, index, score };
  });
  const kept = [...scored].sort((a, b) => b.score - a.score || a.index - b.index).slice(0, max).sort((a, b) => a.index - b.index);
  const keptSet = new Set(kept.map((k) => k.index));
  const omitted = scored.filter((s) => !keptSet.has(s.index)).map((s) => declarationName(s.text) ?? "?");
  return `${kept.map((k) => k.text).join("\n")}\n// … ${omitted.length} more: ${omitted.join(", ")} (detail "full" shows all)`;
}

/** Each top-level declaration with its doc comment (declarations start at column 0). */
function splitDeclarations(signature: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const docOnly = () => current.every((l) => /^\/\*\*.*\*\/\s*$/.test(l));
  for (const line of signature.split("\n")) {
    if (/^(\/\*\*|export\s)/.test(line) && current.length && !docOnly()) {
      out.push(current.join("\n"));
      current = [];
    }
    current.push(line);
  }
  if (current.length) out.push(current.join("\n"));
  return out;
}

function declarationName(text: string): string | undefined {
  return /export\s+(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:function|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/.exec(text)?.[1];
}

import { declarationsOf, outlineFromDeclarations, type ExportOutline } from "./declaration-outline.js";
import { tokenize } from "./search-index.js";

/**
 * What a search result shows of an integration's API, read from its declarations only:
 * an outline (one line per export) and the full declarations of the exports that best
 * match the query, whole (never cut inside a declaration, a type or a token), within a
 * budget of characters.
 */

/** Characters of full declarations a summary shows at most (the best match is always shown, whole). */
export const SUMMARY_SIGNATURE_CHARS = 1_600;
/**
 * Characters of outline and declarations together in a summary: a long outline leaves
 * less room for declarations, so a 30-export integration stays near 1,200 tokens.
 */
export const SUMMARY_API_CHARS = 4_400;

export interface ApiView {
  outline: string[];
  signature: string;
  /** The exports whose declarations `signature` holds, best match first. */
  shown: string[];
  /** Every export, best match for the query first. */
  ranked: string[];
  /** The exports that are values (what an import line names), in file order. */
  values: string[];
}

/** Functions and classes are what a caller uses; the types they need come with them. */
const KIND_RANK: Record<ExportOutline["kind"], number> = { function: 0, class: 1, const: 2, enum: 3, interface: 4, type: 5 };

/** The outline lines of a declaration file. */
export function outlineOf(exports: readonly ExportOutline[]): string[] {
  return exports.map((e) => (e.kind === "function" ? `function ${e.line}` : e.kind === "const" ? `const ${e.line}` : e.line));
}

/**
 * `all`: every declaration ("api" and "full"); otherwise the best matches for `query`
 * (for an empty query, functions and classes in file order) while they fit the budget.
 */
export function apiView(dts: string, query: string | undefined, all: boolean): ApiView {
  const exports = outlineFromDeclarations(dts);
  const outline = outlineOf(exports);
  const values = exports.filter((e) => e.kind !== "interface" && e.kind !== "type").map((e) => e.name);
  const outlineChars = outline.reduce((sum, line) => sum + line.length + 3, 0);
  const budget = Math.min(SUMMARY_SIGNATURE_CHARS, Math.max(0, SUMMARY_API_CHARS - outlineChars));
  const ranked = rankExports(exports, query);
  if (all) return { outline, signature: dts.trim(), shown: exports.map((e) => e.name), ranked, values };
  const shown: string[] = [];
  let signature = "";
  for (const name of ranked) {
    const next = declarationsOf(dts, [...shown, name]);
    if (shown.length > 0 && next.length > budget) continue;
    shown.push(name);
    signature = next;
    if (signature.length >= budget) break;
  }
  return { outline, signature, shown, ranked, values };
}

/**
 * Export names, best match for the query first: by query words in the export's name,
 * then callables before types, then by query words in its line and doc comment, then
 * in file order.
 */
export function rankExports(exports: readonly ExportOutline[], query: string | undefined): string[] {
  const terms = [...new Set(tokenize(query ?? ""))];
  const scored = exports.map((e, index) => {
    const nameWords = tokenize(e.name);
    const words = new Set([...tokenize(e.line), ...tokenize(e.doc ?? "")]);
    let named = 0;
    let mentioned = 0;
    for (const t of terms) {
      if (nameWords.includes(t)) named += 2;
      else if (nameWords.some((w) => w.startsWith(t) || t.startsWith(w))) named += 1;
      if (words.has(t)) mentioned += 1;
    }
    return { name: e.name, index, named, mentioned, rank: KIND_RANK[e.kind] };
  });
  return scored.sort((a, b) => b.named - a.named || a.rank - b.rank || b.mentioned - a.mentioned || a.index - b.index).map((s) => s.name);
}

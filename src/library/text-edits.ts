/** One exact find/replace pair of a save's `edits`. */
export interface TextEdit {
  find: string;
  replace: string;
  /** Which text of the current version it edits (default "code"). */
  target?: "code" | "test";
}

export type EditResult = { ok: true; text: string } | { ok: false; message: string };

/** Lines shown around a near-match in a refusal, before and after. */
const EXCERPT_CONTEXT_LINES = 1;
/** Past this many characters an excerpt line ends with "…" (cut at a space, never inside a word). */
const EXCERPT_LINE_CHARS = 120;
/** Where a `find` occurs more than once: the first this many lines are named. */
const LISTED_MATCHES = 5;

/**
 * Applies `edits` (already chosen for one text) in order: each `find` must occur exactly
 * once in the text as the earlier edits left it. Each edit keeps its `index` in the
 * request for messages ("edits[2]"); `what` names the text ("the code of 'tracker' at version abc123").
 */
export function applyEdits(text: string, edits: ReadonlyArray<{ edit: TextEdit; index: number }>, what: string): EditResult {
  let current = text;
  for (const { edit, index } of edits) {
    const label = `edits[${index}]`;
    if (typeof edit.find !== "string" || edit.find === "") return { ok: false, message: `${label}: find is empty; give the exact text to replace, copied from ${what}.` };
    if (typeof edit.replace !== "string") return { ok: false, message: `${label}: replace must be a string (use "" to delete the found text).` };
    const at = occurrences(current, edit.find);
    if (at.length === 1) {
      current = current.slice(0, at[0]) + edit.replace + current.slice(at[0]! + edit.find.length);
      continue;
    }
    if (at.length === 0) return { ok: false, message: `${label}: find matches 0 times in ${what}.${nearMatch(current, edit.find)} Copy the text exactly (whitespace included) from search_library with detail "full". Nothing was saved.` };
    const lines = at.slice(0, LISTED_MATCHES).map((offset) => lineOf(current, offset));
    return {
      ok: false,
      message: `${label}: find matches ${at.length} times in ${what} (at lines ${lines.join(", ")}${at.length > LISTED_MATCHES ? ", …" : ""}); it must match exactly once. Include more of the surrounding text so it is unique. Nothing was saved.`,
    };
  }
  return { ok: true, text: current };
}

/** Start offsets of every (non-overlapping) occurrence of `find`. */
function occurrences(text: string, find: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(find); i !== -1; i = text.indexOf(find, i + find.length)) found.push(i);
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * " The closest text is at line 12: …" with a short excerpt: the line most like the
 * first non-blank line of `find` (ignoring whitespace differences first, the usual cause).
 */
function nearMatch(text: string, find: string): string {
  const wanted = find.split("\n").map((l) => l.trim()).find((l) => l !== "");
  if (!wanted) return "";
  const lines = text.split("\n");
  let best = -1;
  let bestScore = 0;
  const squeeze = (s: string) => s.replace(/\s+/g, "");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const score = squeeze(line) === squeeze(wanted) ? 2 : similarity(line, wanted);
    if (score > bestScore) [best, bestScore] = [i, score];
  }
  if (best === -1 || bestScore < 0.5) return " No line resembles its first line.";
  const from = Math.max(0, best - EXCERPT_CONTEXT_LINES);
  const to = Math.min(lines.length, best + EXCERPT_CONTEXT_LINES + 1);
  const excerpt = lines.slice(from, to).map((l, k) => `${from + k + 1}| ${shorten(l)}`).join("\n");
  return ` The closest text is at line ${best + 1}:\n${excerpt}\n`;
}

/** Shared words (identifiers, numbers, punctuation runs) over all words: 0..1. */
function similarity(a: string, b: string): number {
  const words = (s: string) => s.match(/[A-Za-z_$][\w$]*|\d+|[^\s\w]+/g) ?? [];
  const wa = words(a);
  const wb = new Set(words(b));
  if (wa.length === 0 || wb.size === 0) return 0;
  const shared = new Set(wa.filter((w) => wb.has(w))).size;
  return shared / Math.max(new Set(wa).size, wb.size);
}

/** A long line cut at a space (else after punctuation), never inside a word. */
function shorten(line: string): string {
  if (line.length <= EXCERPT_LINE_CHARS) return line;
  const head = line.slice(0, EXCERPT_LINE_CHARS);
  const space = head.lastIndexOf(" ");
  const boundary = space > EXCERPT_LINE_CHARS / 2 ? space : Math.max(...[...head.matchAll(/[^\w$]/g)].map((m) => m.index + 1), 0);
  return `${boundary > 0 ? line.slice(0, boundary).trimEnd() : head} …`;
}

import { setOwn } from "../util/set-own.js";

/** Starting caps for the shrinking walk; each pass halves them until the JSON fits. */
const START_ITEMS = 1_000;
const START_KEYS = 200;
const START_DEPTH = 24;
/**
 * Deepest nesting (arrays and objects) a result keeps. Every later step walks the value
 * recursively (V8's JSON.stringify overflows its stack near 4,000 levels; Python's json
 * module near 1,000), so deeper levels are cut here, once, to a marker.
 */
export const MAX_JSON_DEPTH = 256;

interface Caps {
  stringChars: number;
  items: number;
  keys: number;
  depth: number;
}

/**
 * Shrinks a JSON value until its serialization fits in `maxChars` and nests at most
 * `MAX_JSON_DEPTH` levels, keeping it valid JSON. Cut strings end with `…[+N chars]`,
 * cut arrays with a `"…[+N items]"` element, cut objects with a `"…": "+N keys"` entry,
 * levels past the depth with `"[…N items]"` / `"{…N keys}"`, so a reader sees what was dropped.
 */
export function truncateJson(json: string, maxChars: number): { json: string; truncated: boolean } {
  const tooDeep = nestsDeeperThan(json, MAX_JSON_DEPTH);
  if (json.length <= maxChars && !tooDeep) return { json, truncated: false };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { json: JSON.stringify(`${json.slice(0, Math.max(0, maxChars - 40))}…[truncated]`), truncated: true };
  }
  if (tooDeep) {
    // Only the depth may be the problem: keep everything else on the first try.
    const text = JSON.stringify(shrink(value, { stringChars: Infinity, items: Infinity, keys: Infinity, depth: MAX_JSON_DEPTH }, 0));
    if (text.length <= maxChars) return { json: text, truncated: true };
  }
  const caps: Caps = { stringChars: Math.max(16, maxChars), items: START_ITEMS, keys: START_KEYS, depth: START_DEPTH };
  for (let pass = 0; pass < 40; pass++) {
    const text = JSON.stringify(shrink(value, caps, 0));
    if (text.length <= maxChars) return { json: text, truncated: true };
    caps.stringChars = Math.max(16, Math.floor(caps.stringChars / 2));
    caps.items = Math.max(1, Math.floor(caps.items / 2));
    caps.keys = Math.max(1, Math.floor(caps.keys / 2));
    if (pass % 3 === 2) caps.depth = Math.max(1, caps.depth - 4);
  }
  for (let keep = Math.floor(maxChars / 2); ; keep = Math.floor(keep / 2)) {
    const text = JSON.stringify({ "…": "result too large to show in full", preview: json.slice(0, keep) });
    if (text.length <= maxChars || keep === 0) return { json: text, truncated: true };
  }
}

/**
 * `text` cut to at most `maxChars` characters, the cut marked `…[+N chars cut]` (the
 * marker counted in the limit), for text that is not JSON (error messages, stacks).
 */
export function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let keep = maxChars;
  // The marker's length depends on the count it shows; two rounds settle it.
  for (let round = 0; round < 2; round++) keep = Math.max(0, maxChars - cutMarker(text.length - keep).length);
  return `${text.slice(0, keep)}${cutMarker(text.length - keep)}`;
}

function cutMarker(cutChars: number): string {
  return `…[+${cutChars} chars cut]`;
}

/** Whether JSON text nests arrays/objects more than `maxDepth` levels; a scan, no parse, no recursion. */
function nestsDeeperThan(json: string, maxDepth: number): boolean {
  // Each level takes at least two characters.
  if (json.length <= 2 * maxDepth) return false;
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < json.length; i++) {
        const d = json.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The marker a cut array ends with (here or in the guest's own cut): `…[+N items]`. */
const ITEMS_MARKER = /^…\[\+(\d+) items\]$/;
/** The value of the `…` key a cut object ends with: `+N keys`. */
const KEYS_MARKER = /^\+(\d+) keys$/;

/**
 * How many items an array stood for before any cut: its items, less a trailing
 * `…[+N items]` marker, plus N. `intact` is how many leading items are whole: the guest's
 * own cut turns the items past its budget into a bare "…" each, which are kept no further.
 */
function arrayCounts(value: unknown[]): { intact: number; total: number } {
  let length = value.length;
  let dropped = 0;
  const last = value[length - 1];
  const marker = typeof last === "string" ? ITEMS_MARKER.exec(last) : null;
  if (marker) {
    length -= 1;
    dropped = Number(marker[1]);
  }
  let intact = value.indexOf("…");
  if (intact < 0 || intact > length) intact = length;
  return { intact, total: length + dropped };
}

/** An object's entries less a `…: "+N keys"` marker, and how many keys it stood for. */
function objectCounts(value: Record<string, unknown>): { entries: Array<[string, unknown]>; total: number } {
  const entries = Object.entries(value);
  const markerAt = entries.findIndex(([key, item]) => key === "…" && typeof item === "string" && KEYS_MARKER.test(item));
  if (markerAt < 0) return { entries, total: entries.length };
  const dropped = Number(KEYS_MARKER.exec(entries[markerAt]![1] as string)![1]);
  entries.splice(markerAt, 1);
  return { entries, total: entries.length + dropped };
}

/** Recursion is bounded by `caps.depth` (at most MAX_JSON_DEPTH). */
function shrink(value: unknown, caps: Caps, depth: number): unknown {
  if (typeof value === "string") {
    return value.length > caps.stringChars ? `${value.slice(0, caps.stringChars)}…[+${value.length - caps.stringChars} chars]` : value;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= caps.depth) return Array.isArray(value) ? `[…${value.length} items]` : `{…${Object.keys(value).length} keys}`;
  if (Array.isArray(value)) {
    const { intact, total } = arrayCounts(value);
    const keep = Math.min(caps.items, intact);
    const kept = value.slice(0, keep).map((item) => shrink(item, caps, depth + 1));
    if (total > keep) kept.push(`…[+${total - keep} items]`);
    return kept;
  }
  const { entries, total } = objectCounts(value as Record<string, unknown>);
  const keep = Math.min(caps.keys, entries.length);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, keep)) setOwn(out, key, shrink(item, caps, depth + 1));
  if (total > keep) setOwn(out, "…", `+${total - keep} keys`);
  return out;
}

// Array/object helpers for shaping data (grouping, sorting, stats) and shrinking it
// before returning it to a model. Pure TypeScript: no Node APIs, no Intl.

/** How to read a value from an item: a property path like "user.address.city" / "tags[0]", or a function. */
export type Accessor<T> = string | ((item: T, index: number) => unknown);

/** One sort key: an accessor (a string starting with "-" sorts descending), or { key, order }. */
export type SortKey<T> = Accessor<T> | { key: Accessor<T>; order?: "asc" | "desc" };

/** Statistics of numeric values. */
export interface NumericStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  stdev: number;
  p25: number;
  p75: number;
  p90: number;
}

/** Per-field statistics produced by summarize. */
export interface FieldSummary {
  /** Values that are present and not null. */
  count: number;
  /** Records where the field is absent, null or undefined. */
  missing: number;
  /** Number of distinct present values. */
  distinct: number;
  /** typeof of the present values ("array" and "date" are reported separately). */
  types: string[];
  /** Smallest value: numeric if the field has numbers, else lexicographic over strings (works for ISO dates). */
  min?: number | string;
  /** Largest value, same rules as min. */
  max?: number | string;
  /** Mean of the numeric values. */
  mean?: number;
  /** Most frequent values with counts (only when some value repeats); long strings are shortened. */
  top?: { value: unknown; count: number }[];
}

/** Result of summarize: the record count and a FieldSummary per field (fields in first-seen order). */
export interface DataSummary {
  rows: number;
  fields: Record<string, FieldSummary>;
}

const hasOwn = (obj: object, key: PropertyKey): boolean => Object.prototype.hasOwnProperty.call(obj, key);

function setKey<V>(obj: Record<string, V>, key: string, value: V): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Splits a path like `a.b[0].c`, `a["x.y"]` or `items[-1]` into segments (numbers for [n] indexes). */
export function toPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  const n = path.length;
  let current = "";
  let pending = false;
  const flush = (): void => {
    if (pending) out.push(current);
    current = "";
    pending = false;
  };
  while (i < n) {
    const c = path[i]!;
    if (c === ".") {
      flush();
      i++;
      pending = true;
      continue;
    }
    if (c === "[") {
      flush();
      const q = path[i + 1];
      if (q === '"' || q === "'") {
        let j = i + 2;
        let s = "";
        while (j < n && path[j] !== q) {
          if (path[j] === "\\" && j + 1 < n) j++;
          s += path[j];
          j++;
        }
        if (path[j + 1] !== "]") throw new Error(`Bad path ${JSON.stringify(path)}: unclosed [${q}...${q}]`);
        out.push(s);
        i = j + 2;
      } else {
        const close = path.indexOf("]", i);
        if (close === -1) throw new Error(`Bad path ${JSON.stringify(path)}: missing ]`);
        const inner = path.slice(i + 1, close).trim();
        out.push(/^-?\d+$/.test(inner) ? Number(inner) : inner);
        i = close + 1;
      }
      continue;
    }
    current += c;
    pending = true;
    i++;
  }
  flush();
  return out;
}

/** Reads a nested value by path ("a.b[0].c" or ["a", "b", 0, "c"]); negative indexes count from the end; returns defaultValue if missing. */
export function get(obj: unknown, path: string | ReadonlyArray<string | number>, defaultValue?: unknown): unknown {
  if (typeof path === "string" && obj !== null && typeof obj === "object" && hasOwn(obj, path)) {
    return (obj as Record<string, unknown>)[path]; // literal key that happens to contain "." or "["
  }
  const segments = typeof path === "string" ? toPath(path) : path;
  let cur: unknown = obj;
  for (const seg of segments) {
    if (cur === null || cur === undefined) return defaultValue;
    if (Array.isArray(cur) && typeof seg === "number" && seg < 0) cur = cur[cur.length + seg];
    else if (typeof cur === "object" || typeof cur === "string") cur = (cur as Record<string | number, unknown>)[seg];
    else return defaultValue;
  }
  return cur === undefined ? defaultValue : cur;
}

function accessor<T>(key: Accessor<T> | undefined): (item: T, index: number) => unknown {
  if (key === undefined) return (item) => item;
  if (typeof key === "function") return key;
  if (typeof key === "string") {
    if (!/[.[\]]/.test(key)) {
      return (item) => (item !== null && (typeof item === "object" || typeof item === "string") ? (item as Record<string, unknown>)[key] : undefined);
    }
    const segments = toPath(key); // parse once, not per item
    return (item) => (item !== null && typeof item === "object" && hasOwn(item, key) ? (item as Record<string, unknown>)[key] : get(item, segments));
  }
  throw new Error("Expected a property path string or a function as key");
}

function keyString(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Groups items into { [key]: items[] } by a path or function; keys are stringified (Dates as ISO, objects as JSON). */
export function groupBy<T>(items: readonly T[], key: Accessor<T>): Record<string, T[]> {
  const read = accessor(key);
  const out: Record<string, T[]> = {};
  items.forEach((item, i) => {
    const k = keyString(read(item, i));
    if (hasOwn(out, k)) out[k]!.push(item);
    else setKey(out, k, [item]);
  });
  return out;
}

/** Counts items per key: { [key]: count }; without a key counts the items themselves. */
export function countBy<T>(items: readonly T[], key?: Accessor<T>): Record<string, number> {
  const read = accessor(key);
  const out: Record<string, number> = {};
  items.forEach((item, i) => {
    const k = keyString(read(item, i));
    setKey(out, k, (hasOwn(out, k) ? out[k]! : 0) + 1);
  });
  return out;
}

/** Maps each value of an object, keeping keys: mapValues(groupBy(xs, "team"), g => g.length). */
export function mapValues<V, R>(obj: Record<string, V>, fn: (value: V, key: string) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const k of Object.keys(obj)) setKey(out, k, fn(obj[k]!, k));
  return out;
}

function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)) || (v instanceof Date && Number.isNaN(v.getTime()));
}

function typeRank(v: unknown): number {
  if (typeof v === "boolean") return 0;
  if (typeof v === "number" || typeof v === "bigint" || v instanceof Date) return 1;
  if (typeof v === "string") return 2;
  return 3;
}

/** Compares two values for sorting: numbers numerically, strings by code point, dates by time; null/undefined/NaN sort last. */
export function compareValues(a: unknown, b: unknown): number {
  const ma = isMissing(a);
  const mb = isMissing(b);
  if (ma || mb) return ma && mb ? 0 : ma ? 1 : -1;
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  let x: unknown = a instanceof Date ? a.getTime() : a;
  let y: unknown = b instanceof Date ? b.getTime() : b;
  if (ra === 3) {
    x = keyString(x);
    y = keyString(y);
  }
  if (typeof x === "bigint" || typeof y === "bigint") {
    x = typeof x === "bigint" ? x : BigInt(Math.trunc(x as number));
    y = typeof y === "bigint" ? y : BigInt(Math.trunc(y as number));
  }
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

function normalizeSortKeys<T>(keys: SortKey<T> | ReadonlyArray<SortKey<T>>): { get: (item: T, index: number) => unknown; dir: number }[] {
  const list = Array.isArray(keys) ? (keys as ReadonlyArray<SortKey<T>>) : [keys as SortKey<T>];
  return list.map((k) => {
    if (typeof k === "string") {
      const desc = k.startsWith("-");
      return { get: accessor<T>(desc ? k.slice(1) : k), dir: desc ? -1 : 1 };
    }
    if (typeof k === "function") return { get: k, dir: 1 };
    if (k && typeof k === "object" && "key" in k) {
      if (k.order !== undefined && k.order !== "asc" && k.order !== "desc") throw new Error(`sort order must be "asc" or "desc", got ${JSON.stringify(k.order)}`);
      return { get: accessor(k.key), dir: k.order === "desc" ? -1 : 1 };
    }
    throw new Error("Bad sort key: use a path string (\"-price\" for descending), a function, or { key, order }");
  });
}

/** Stable multi-key sort returning a new array: sortBy(rows, ["-score", "name"]) or [{ key: "date", order: "desc" }]; missing values last. */
export function sortBy<T>(items: readonly T[], keys: SortKey<T> | ReadonlyArray<SortKey<T>>): T[] {
  const specs = normalizeSortKeys(keys);
  const decorated = items.map((item, index) => ({ item, index, values: specs.map((s) => s.get(item, index)) }));
  decorated.sort((a, b) => {
    for (let k = 0; k < specs.length; k++) {
      const va = a.values[k];
      const vb = b.values[k];
      const ma = isMissing(va);
      const mb = isMissing(vb);
      if (ma || mb) {
        if (ma && mb) continue;
        return ma ? 1 : -1; // missing last in both directions
      }
      const c = compareValues(va, vb) * specs[k]!.dir;
      if (c !== 0) return c;
    }
    return a.index - b.index;
  });
  return decorated.map((d) => d.item);
}

/** Keeps the first item for each distinct key (objects/arrays as keys compare by JSON); no key = the item itself. */
export function uniqBy<T>(items: readonly T[], key?: Accessor<T>): T[] {
  const read = accessor(key);
  const seen = new Set<unknown>();
  const seenObjects = new Set<string>();
  const out: T[] = [];
  items.forEach((item, i) => {
    const k = read(item, i);
    if (k !== null && typeof k === "object") {
      const s = keyString(k);
      if (seenObjects.has(s)) return;
      seenObjects.add(s);
    } else {
      if (seen.has(k)) return;
      seen.add(k);
    }
    out.push(item);
  });
  return out;
}

/** Removes duplicate values (same as uniqBy without a key). */
export function uniq<T>(items: readonly T[]): T[] {
  return uniqBy(items);
}

/** Splits items into arrays of at most `size` items. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Splits items into [matching, notMatching] by a predicate (or a path whose value is truthy). */
export function partition<T>(items: readonly T[], predicate: Accessor<T>): [T[], T[]] {
  const read = accessor(predicate);
  const yes: T[] = [];
  const no: T[] = [];
  items.forEach((item, i) => (read(item, i) ? yes : no).push(item));
  return [yes, no];
}

/** Builds { [key]: item } for lookups by id; later items win on duplicate keys. */
export function indexBy<T>(items: readonly T[], key: Accessor<T>): Record<string, T> {
  const read = accessor(key);
  const out: Record<string, T> = {};
  items.forEach((item, i) => setKey(out, keyString(read(item, i)), item));
  return out;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The finite numbers among items (or their key values); numeric strings count, everything else is skipped. */
export function numbers<T>(items: readonly T[], key?: Accessor<T>): number[] {
  const read = accessor(key);
  const out: number[] = [];
  items.forEach((item, i) => {
    const n = toNumber(read(item, i));
    if (n !== undefined) out.push(n);
  });
  return out;
}

/** Sum of numeric values (0 when none); non-numeric values are ignored. */
export function sum<T>(items: readonly T[], key?: Accessor<T>): number {
  let total = 0;
  for (const n of numbers(items, key)) total += n;
  return total;
}

/** Arithmetic mean of numeric values, or null when there are none. */
export function mean<T>(items: readonly T[], key?: Accessor<T>): number | null {
  const xs = numbers(items, key);
  if (xs.length === 0) return null;
  let total = 0;
  for (const n of xs) total += n;
  return total / xs.length;
}

function percentileSorted(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * (p / 100);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** p-th percentile (0..100) with linear interpolation (like Excel PERCENTILE.INC / numpy default), or null when no numbers. */
export function percentile<T>(items: readonly T[], p: number, key?: Accessor<T>): number | null {
  if (typeof p !== "number" || !(p >= 0 && p <= 100)) throw new Error(`percentile p must be between 0 and 100, got ${p}`);
  const xs = numbers(items, key).sort((a, b) => a - b);
  return xs.length === 0 ? null : percentileSorted(xs, p);
}

/** Median of numeric values (average of the middle two for even counts), or null when there are none. */
export function median<T>(items: readonly T[], key?: Accessor<T>): number | null {
  return percentile(items, 50, key);
}

/** count/sum/min/max/mean/median/stdev/p25/p75/p90 of numeric values in one pass over a sorted copy, or null when there are none. */
export function stats<T>(items: readonly T[], key?: Accessor<T>): NumericStats | null {
  const xs = numbers(items, key).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  let total = 0;
  for (const n of xs) total += n;
  const avg = total / xs.length;
  let sq = 0;
  for (const n of xs) sq += (n - avg) * (n - avg);
  return {
    count: xs.length,
    sum: total,
    min: xs[0]!,
    max: xs[xs.length - 1]!,
    mean: avg,
    median: percentileSorted(xs, 50),
    stdev: xs.length > 1 ? Math.sqrt(sq / (xs.length - 1)) : 0,
    p25: percentileSorted(xs, 25),
    p75: percentileSorted(xs, 75),
    p90: percentileSorted(xs, 90),
  };
}

function extreme<T>(items: readonly T[], key: Accessor<T>, dir: number): T | undefined {
  const read = accessor(key);
  let best: T | undefined;
  let bestValue: unknown;
  let found = false;
  items.forEach((item, i) => {
    const v = read(item, i);
    if (isMissing(v)) return;
    if (!found || compareValues(v, bestValue) * dir > 0) {
      best = item;
      bestValue = v;
      found = true;
    }
  });
  return best;
}

/** Item with the smallest key value (first one on ties; missing values ignored), or undefined if none. */
export function minBy<T>(items: readonly T[], key: Accessor<T>): T | undefined {
  return extreme(items, key, -1);
}

/** Item with the largest key value (first one on ties; missing values ignored), or undefined if none. */
export function maxBy<T>(items: readonly T[], key: Accessor<T>): T | undefined {
  return extreme(items, key, 1);
}

/** The n items with the largest key values (order "asc" for smallest), stable, missing values last. */
export function topN<T>(items: readonly T[], n: number, key: Accessor<T>, order: "asc" | "desc" = "desc"): T[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`topN n must be a non-negative integer, got ${n}`);
  return sortBy(items, [{ key, order }]).slice(0, n);
}

function copyContainer(v: unknown): Record<string | number, unknown> {
  return (Array.isArray(v) ? v.slice() : { ...(v as object) }) as Record<string | number, unknown>;
}

/** New object with only the given keys; keys may be paths ("owner.login", "items[0].id") and keep their nesting. */
export function pick<T extends object>(obj: T, keys: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (hasOwn(obj, key)) {
      setKey(out, key, (obj as Record<string, unknown>)[key]);
      continue;
    }
    const path = toPath(key);
    const value = get(obj, path);
    if (value === undefined || path.length === 0) continue;
    let target: Record<string | number, unknown> = out;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      let next = target[seg];
      if (next === null || typeof next !== "object") {
        next = typeof path[i + 1] === "number" ? [] : {};
        if (seg === "__proto__") Object.defineProperty(target, seg, { value: next, enumerable: true, writable: true, configurable: true });
        else target[seg] = next;
      }
      target = next as Record<string | number, unknown>;
    }
    const last = path[path.length - 1]!;
    if (last === "__proto__") Object.defineProperty(target, last, { value, enumerable: true, writable: true, configurable: true });
    else target[last] = value;
  }
  return out as Partial<T>;
}

/** Copy of obj without the given keys; keys may be paths ("meta.internal") — only the containers on the path are copied. */
export function omit<T extends object>(obj: T, keys: readonly string[]): Partial<T> {
  let out = copyContainer(obj);
  for (const key of keys) {
    if (hasOwn(out, key)) {
      delete out[key];
      continue;
    }
    const path = toPath(key);
    if (path.length < 2) continue;
    const rec = (node: unknown, depth: number): unknown => {
      if (node === null || typeof node !== "object") return node;
      const seg = path[depth]!;
      if (!hasOwn(node, seg)) return node;
      const copy = copyContainer(node);
      if (depth === path.length - 1) {
        if (Array.isArray(copy) && typeof seg === "number") copy.splice(seg, 1);
        else delete copy[seg];
      } else copy[seg] = rec(copy[seg], depth + 1);
      return copy;
    };
    out = rec(out, 0) as Record<string | number, unknown>;
  }
  return out as Partial<T>;
}

/** Flattens nested objects to one level: { a: { b: 1 }, c: [2] } -> { "a.b": 1, "c[0]": 2 } (good before toCsv); maxDepth limits how many levels are flattened. */
export function flattenObject(obj: object, options: { separator?: string; maxDepth?: number; flattenArrays?: boolean } = {}): Record<string, unknown> {
  const sep = options.separator ?? ".";
  const maxDepth = options.maxDepth ?? Infinity;
  const arrays = options.flattenArrays !== false;
  const out: Record<string, unknown> = {};
  const walk = (value: unknown, prefix: string, depth: number): void => {
    const isArr = Array.isArray(value);
    const descend =
      value !== null && typeof value === "object" && !(value instanceof Date) && depth <= maxDepth && (!isArr || arrays) && Object.keys(value).length > 0;
    if (!descend) {
      if (prefix !== "") setKey(out, prefix, value);
      return;
    }
    for (const k of Object.keys(value as object)) {
      const child = (value as Record<string, unknown>)[k];
      const name = isArr ? `${prefix}[${k}]` : prefix === "" ? k : `${prefix}${sep}${k}`;
      walk(child, name, depth + 1);
    }
  };
  walk(obj, "", 0);
  return out;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  return typeof v;
}

function shorten(v: unknown, max: number): unknown {
  if (typeof v === "string") return v.length > max ? `${v.slice(0, max)}…` : v;
  if (v !== null && typeof v === "object") {
    const s = keyString(v);
    return s.length > max ? `${s.slice(0, max)}…` : v;
  }
  return v;
}

/** Per-field stats of records (count, missing, distinct, types, min, max, mean, top values): a compact picture of a big dataset to return instead of the rows. */
export function summarize(records: readonly unknown[], options: { topValues?: number; maxStringLength?: number } = {}): DataSummary {
  const topK = options.topValues ?? 5;
  const maxLen = options.maxStringLength ?? 60;
  interface Acc {
    count: number;
    types: Set<string>;
    counts: Map<unknown, { value: unknown; count: number }>;
    numMin: number;
    numMax: number;
    numSum: number;
    numCount: number;
    strMin?: string;
    strMax?: string;
  }
  const accs = new Map<string, Acc>();
  const order: string[] = [];
  const accFor = (field: string): Acc => {
    let a = accs.get(field);
    if (!a) {
      a = { count: 0, types: new Set(), counts: new Map(), numMin: Infinity, numMax: -Infinity, numSum: 0, numCount: 0 };
      accs.set(field, a);
      order.push(field);
    }
    return a;
  };
  const add = (field: string, v: unknown): void => {
    const a = accFor(field);
    if (v === null || v === undefined) return;
    a.count++;
    a.types.add(typeName(v));
    const k = v !== null && typeof v === "object" ? `\u0000${keyString(v)}` : v;
    const entry = a.counts.get(k);
    if (entry) entry.count++;
    else a.counts.set(k, { value: v, count: 1 });
    if (typeof v === "number" && Number.isFinite(v)) {
      if (v < a.numMin) a.numMin = v;
      if (v > a.numMax) a.numMax = v;
      a.numSum += v;
      a.numCount++;
    } else if (typeof v === "string") {
      if (a.strMin === undefined || v < a.strMin) a.strMin = v;
      if (a.strMax === undefined || v > a.strMax) a.strMax = v;
    }
  };
  for (const record of records) {
    if (record !== null && typeof record === "object" && !Array.isArray(record) && !(record instanceof Date)) {
      for (const field of Object.keys(record)) add(field, (record as Record<string, unknown>)[field]);
    } else add("(value)", record);
  }
  const fields: Record<string, FieldSummary> = {};
  for (const field of order) {
    const a = accs.get(field)!;
    const s: FieldSummary = { count: a.count, missing: records.length - a.count, distinct: a.counts.size, types: [...a.types] };
    if (a.numCount > 0) {
      s.min = a.numMin;
      s.max = a.numMax;
      s.mean = a.numSum / a.numCount;
    } else if (a.strMin !== undefined) {
      s.min = shorten(a.strMin, maxLen) as string;
      s.max = shorten(a.strMax, maxLen) as string;
    }
    if (topK > 0 && a.counts.size < a.count) {
      s.top = sortBy([...a.counts.values()], ["-count"])
        .slice(0, topK)
        .map((e) => ({ value: shorten(e.value, maxLen), count: e.count }));
    }
    setKey(fields, field, s);
  }
  return { rows: records.length, fields };
}

import {
  chunk,
  compareValues,
  countBy,
  flattenObject,
  get,
  groupBy,
  indexBy,
  mapValues,
  maxBy,
  mean,
  median,
  minBy,
  numbers,
  omit,
  partition,
  percentile,
  pick,
  sortBy,
  stats,
  sum,
  summarize,
  toPath,
  topN,
  uniq,
  uniqBy,
} from "library/collections";
import { assert, assertEqual, assertThrows, checkCount } from "library/testing/assert";


interface Row {
  id: number;
  team: string;
  score: number | null;
  tags: string[];
  owner: { name: string; age?: number };
}
const rows: Row[] = [
  { id: 1, team: "red", score: 10, tags: ["a", "b"], owner: { name: "Ann", age: 30 } },
  { id: 2, team: "blue", score: 7, tags: ["b"], owner: { name: "Bob" } },
  { id: 3, team: "red", score: null, tags: [], owner: { name: "Cid", age: 25 } },
  { id: 4, team: "green", score: 10, tags: ["c"], owner: { name: "Dee", age: 41 } },
  { id: 5, team: "blue", score: 3, tags: ["a"], owner: { name: "Eve", age: 30 } },
];

// --- paths ---
assertEqual(toPath("a.b[0].c"), ["a", "b", 0, "c"], "toPath basic");
assertEqual(toPath('a["x.y"][\'z\'].w[-1]'), ["a", "x.y", "z", "w", -1], "toPath quoted and negative");
assertEqual(toPath(""), [], "toPath empty");
const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, "dotted.key": "lit", list: [10, 20, 30], zero: 0, nil: null };
assertEqual(get(doc, "a.b[0].c"), 1, "get nested");
assertEqual(get(doc, "a.b[1].c"), 2, "get second element");
assertEqual(get(doc, ["a", "b", 1, "c"]), 2, "get by array path");
assertEqual(get(doc, "list[-1]"), 30, "get negative index");
assertEqual(get(doc, "list.length"), 3, "get array length");
assertEqual(get(doc, "dotted.key"), "lit", "get literal dotted key");
assertEqual(get(doc, "a.x.y.z", "dflt"), "dflt", "get default for missing");
assertEqual(get(doc, "zero", 5), 0, "falsy value is not replaced by default");
assertEqual(get(doc, "nil", 5), null, "null is returned as null");
assertEqual(get(doc, "nil.deeper", 5), 5, "through null -> default");
assertEqual(get(null, "a", "d"), "d", "get on null");
assertThrows(() => toPath("a[0"), /missing \]/, "bad path");

// --- grouping ---
const byTeam = groupBy(rows, "team");
assertEqual(Object.keys(byTeam), ["red", "blue", "green"], "groupBy key order");
assertEqual(byTeam.red!.map((r) => r.id), [1, 3], "groupBy members");
assertEqual(Object.keys(groupBy(rows, (r) => (r.score ?? 0) >= 7)), ["true", "false"], "groupBy function key");
assertEqual(Object.keys(groupBy(rows, "owner.age")), ["25", "30", "41", "undefined"], "groupBy nested path (integer-like keys sort first, as in any JS object)");
assertEqual(countBy([{ "a.b": 1 }, { a: { b: 1 } }, { a: { b: 2 } }], "a.b"), { "1": 2, "2": 1 }, "accessor: literal dotted key or path");
assertEqual(countBy(["ab", "c", "de"], "length"), { "1": 1, "2": 2 }, "accessor: plain key on strings");
assertEqual(countBy(rows, "team"), { red: 2, blue: 2, green: 1 }, "countBy");
assertEqual(countBy(["x", "y", "x"]), { x: 2, y: 1 }, "countBy identity");
assertEqual(mapValues(groupBy(rows, "team"), (g) => sum(g, "score")), { red: 10, blue: 10, green: 10 }, "mapValues + sum per group");
const protoGroups = groupBy([{ k: "__proto__" }, { k: "x" }], "k");
assertEqual(Object.keys(protoGroups), ["__proto__", "x"], "__proto__ as group key");
assert(Object.getPrototypeOf(protoGroups) === Object.prototype, "prototype untouched");
const byId = indexBy(rows, "id");
assertEqual(byId["4"]!.owner.name, "Dee", "indexBy");
assertEqual(indexBy([{ k: 1, v: "a" }, { k: 1, v: "b" }], "k"), { "1": { k: 1, v: "b" } }, "indexBy last wins");
const day = new Date(Date.UTC(2024, 0, 1));
assertEqual(groupBy([{ d: day }], "d"), { "2024-01-01T00:00:00.000Z": [{ d: day }] }, "Date keys as ISO");

// --- sorting ---
assertEqual(sortBy(rows, "score").map((r) => r.id), [5, 2, 1, 4, 3], "sort asc, null last, stable ties");
assertEqual(sortBy(rows, "-score").map((r) => r.id), [1, 4, 2, 5, 3], "sort desc via '-', null still last, stable");
assertEqual(sortBy(rows, [{ key: "score", order: "desc" }, { key: "owner.name", order: "desc" }]).map((r) => r.id), [4, 1, 2, 5, 3], "multi-key with desc tie-break");
assertEqual(sortBy(rows, ["team", "-id"]).map((r) => r.id), [5, 2, 4, 3, 1], "multi-key strings");
assertEqual(sortBy(rows, (r) => r.tags.length).map((r) => r.id), [3, 2, 4, 5, 1], "function key");
assertEqual(sortBy([10, 9, 100, -1, NaN, 2], (x) => x), [-1, 2, 9, 10, 100, NaN], "numbers numerically, NaN last");
assertEqual(sortBy(["b", "B", "a", "10", "9"], (x) => x), ["10", "9", "B", "a", "b"], "strings by code point");
assertEqual(sortBy([{ d: "2024-03-01" }, { d: "2023-12-31" }], "d").map((x) => x.d), ["2023-12-31", "2024-03-01"], "ISO strings sort chronologically");
assertEqual(
  sortBy([new Date(Date.UTC(2024, 1, 1)), new Date(Date.UTC(2023, 1, 1))], (d) => d).map((d) => d.getUTCFullYear()),
  [2023, 2024],
  "dates by time",
);
const stable = Array.from({ length: 200 }, (_, i) => ({ k: i % 3, i }));
const sortedStable = sortBy(stable, "k");
assert(sortedStable.every((x, j) => j === 0 || sortedStable[j - 1]!.k < x.k || sortedStable[j - 1]!.i < x.i), "stable on 200 items");
assertEqual(rows.map((r) => r.id), [1, 2, 3, 4, 5], "sortBy does not mutate input");
assert(compareValues(1, 2) < 0 && compareValues("b", "a") > 0 && compareValues(null, 1) > 0 && compareValues(undefined, null) === 0, "compareValues");
assertThrows(() => sortBy(rows, [{ key: "id", order: "up" as "asc" }]), /asc" or "desc/, "bad order");

// --- uniq / chunk / partition ---
assertEqual(uniq([1, 2, 1, "1", 3, 2]), [1, 2, "1", 3], "uniq keeps types distinct");
assertEqual(uniqBy(rows, "team").map((r) => r.id), [1, 2, 4], "uniqBy first wins");
assertEqual(uniqBy([{ a: [1, 2] }, { a: [1, 2] }, { a: [2, 1] }], "a").length, 2, "uniqBy object keys by JSON");
assertEqual(uniq([NaN, NaN]).length, 1, "uniq NaN");
assertEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]], "chunk");
assertEqual(chunk([], 3), [], "chunk empty");
assertThrows(() => chunk([1], 0), /positive integer/, "chunk size 0");
const [highs, lows] = partition(rows, (r) => (r.score ?? 0) > 5);
assertEqual([highs.map((r) => r.id), lows.map((r) => r.id)], [[1, 2, 4], [3, 5]], "partition");
assertEqual(partition(rows, "owner.age").map((p) => p.length), [4, 1], "partition by truthy path");

// --- numbers ---
assertEqual(sum(rows, "score"), 30, "sum skips null");
assertEqual(sum([1, "2", " 3 ", "x", null, true, NaN, Infinity]), 6, "sum coerces numeric strings only");
assertEqual(sum([]), 0, "sum empty");
assertEqual(numbers([1, "2.5", "", "abc", 3]), [1, 2.5, 3], "numbers");
assertEqual(mean(rows, "score"), 7.5, "mean");
assertEqual(mean([]), null, "mean empty");
assertEqual(median([5, 1, 3]), 3, "median odd");
assertEqual(median([4, 1, 3, 2]), 2.5, "median even");
assertEqual(median(rows, (r) => r.owner.age), 30, "median by function");
assertEqual(median(["x"]), null, "median no numbers");
assertEqual(percentile([1, 2, 3, 4, 5], 0), 1, "p0");
assertEqual(percentile([1, 2, 3, 4, 5], 100), 5, "p100");
assertEqual(percentile([1, 2, 3, 4], 25), 1.75, "p25 interpolated");
assertEqual(percentile([15, 20, 35, 40, 50], 40), 29, "p40 linear (numpy)");
assertEqual(percentile([7], 90), 7, "single value");
assertThrows(() => percentile([1], 101), /between 0 and 100/, "percentile range");
assertEqual(stats([2, 4, 4, 4, 5, 5, 7, 9]), { count: 8, sum: 40, min: 2, max: 9, mean: 5, median: 4.5, stdev: Math.sqrt(32 / 7), p25: 4, p75: 5.5, p90: 7.6 }, "stats");
assertEqual(stats([]), null, "stats empty");
assertEqual(minBy(rows, "score")!.id, 5, "minBy");
assertEqual(maxBy(rows, "score")!.id, 1, "maxBy first on ties");
assertEqual(maxBy(rows, "owner.age")!.id, 4, "maxBy nested");
assertEqual(minBy([{ v: null }], "v"), undefined, "minBy all missing");
assertEqual(maxBy([], "v"), undefined, "maxBy empty");
assertEqual(topN(rows, 2, "score").map((r) => r.id), [1, 4], "topN desc");
assertEqual(topN(rows, 2, "score", "asc").map((r) => r.id), [5, 2], "topN asc");
assertEqual(topN(rows, 10, "score").map((r) => r.id), [1, 4, 2, 5, 3], "topN more than length");
assertEqual(topN(rows, 0, "score"), [], "topN zero");

// --- pick / omit / flatten ---
const user = { id: 7, name: "Ann", secret: "x", owner: { login: "ann", id: 9, nested: { deep: true } }, items: [{ id: 1, extra: 1 }, { id: 2 }] };
assertEqual(pick(user, ["id", "name", "missing"]), { id: 7, name: "Ann" }, "pick top-level");
assertEqual(pick(user, ["id", "owner.login", "owner.nested.deep"]), { id: 7, owner: { login: "ann", nested: { deep: true } } }, "pick nested paths");
assertEqual(pick(user, ["items[0].id"]), { items: [{ id: 1 }] }, "pick through array index");
assertEqual(pick({ "a.b": 1, a: { b: 2 } }, ["a.b"]), { "a.b": 1 }, "pick literal dotted key first");
assertEqual(omit(user, ["secret", "items"]), { id: 7, name: "Ann", owner: { login: "ann", id: 9, nested: { deep: true } } }, "omit top-level");
assertEqual(omit(user, ["owner.id", "owner.nested", "items[0].extra"]), { id: 7, name: "Ann", secret: "x", owner: { login: "ann" }, items: [{ id: 1 }, { id: 2 }] }, "omit nested paths");
assertEqual(user.owner.id, 9, "omit does not mutate input");
assertEqual((user.items[0] as { extra?: number }).extra, 1, "omit does not mutate nested input");
assertEqual(omit({ a: 1 }, ["x.y"]), { a: 1 }, "omit missing path");
assertEqual(flattenObject({ a: { b: 1, c: { d: null } }, e: [1, { f: 2 }], g: {}, h: [] }), { "a.b": 1, "a.c.d": null, "e[0]": 1, "e[1].f": 2, g: {}, h: [] }, "flattenObject");
assertEqual(flattenObject({ a: { b: { c: 1 } }, t: [1, 2] }, { separator: "_", maxDepth: 1, flattenArrays: false }), { a_b: { c: 1 }, t: [1, 2] }, "flattenObject options");

// --- summarize ---
const summary = summarize(rows);
assertEqual(summary.rows, 5, "summarize rows");
assertEqual(Object.keys(summary.fields), ["id", "team", "score", "tags", "owner"], "summarize field order");
assertEqual(summary.fields.id, { count: 5, missing: 0, distinct: 5, types: ["number"], min: 1, max: 5, mean: 3 }, "numeric field (all distinct -> no top)");
assertEqual(
  summary.fields.team,
  { count: 5, missing: 0, distinct: 3, types: ["string"], min: "blue", max: "red", top: [{ value: "red", count: 2 }, { value: "blue", count: 2 }, { value: "green", count: 1 }] },
  "string field with top values",
);
assertEqual(summary.fields.score, { count: 4, missing: 1, distinct: 3, types: ["number"], min: 3, max: 10, mean: 7.5, top: [{ value: 10, count: 2 }, { value: 7, count: 1 }, { value: 3, count: 1 }] }, "numeric field with nulls");
assertEqual(summary.fields.tags!.types, ["array"], "array field type");
assertEqual(summary.fields.tags!.distinct, 5, "arrays distinct by content");
const sparse = summarize([{ a: 1 }, { b: "x" }, { a: "2", b: "y" }, { a: true }], { topValues: 1 });
assertEqual(sparse.fields.a, { count: 3, missing: 1, distinct: 3, types: ["number", "string", "boolean"], min: 1, max: 1, mean: 1 }, "mixed types, absent fields counted as missing");
assertEqual(sparse.fields.b, { count: 2, missing: 2, distinct: 2, types: ["string"], min: "x", max: "y" }, "string min/max");
const long = "x".repeat(100);
const longSummary = summarize([{ s: long }, { s: long }], { maxStringLength: 10 });
assertEqual(longSummary.fields.s!.top, [{ value: "xxxxxxxxxx…", count: 2 }], "long strings shortened in top");
assertEqual(longSummary.fields.s!.min, "xxxxxxxxxx…", "long strings shortened in min");
assertEqual(summarize([3, 1, 3]).fields["(value)"], { count: 3, missing: 0, distinct: 2, types: ["number"], min: 1, max: 3, mean: 7 / 3, top: [{ value: 3, count: 2 }, { value: 1, count: 1 }] }, "summarize primitives");
assertEqual(summarize([]), { rows: 0, fields: {} }, "summarize empty");
const many = Array.from({ length: 5000 }, (_, i) => ({ i, bucket: `b${i % 4}`, when: `2024-01-${String((i % 28) + 1).padStart(2, "0")}` }));
const manySummary = summarize(many, { topValues: 2 });
assertEqual(manySummary.fields.bucket!.top, [{ value: "b0", count: 1250 }, { value: "b1", count: 1250 }], "summarize large top");
assertEqual([manySummary.fields.when!.min, manySummary.fields.when!.max], ["2024-01-01", "2024-01-28"], "date strings min/max");
assert(JSON.stringify(manySummary).length < 1000, "summary is small");

export default `ok: ${checkCount()} checks`;

import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import MiniSearch from "minisearch";
import { SearchIndex, tokenize, type Searchable } from "../../dist/library/search-index.js";

/**
 * SearchIndex scores as MiniSearch does but into its own flat arrays, keeps removed
 * entries' postings until it compacts them, and renumbers slots when it does. The
 * reference here is MiniSearch itself, configured as the index used to configure it,
 * built fresh from the entries that survive: same hits, same order, same scores
 * (within float rounding: the index keeps running field-length averages through
 * removals, a fresh build sums them anew).
 */

// Words that share prefixes ("parse", "parser", "parsing") and sit within an edit or
// two of each other ("issue"/"issues", "commit"/"comment"), so prefix and fuzzy
// matching both find several dictionary words per query word.
const VOCABULARY = [
  "parse", "parser", "parsing", "csv", "json", "jsonl", "issue", "issues", "github", "list", "listing",
  "widget", "widgets", "item", "items", "fetch", "fetcher", "token", "tokens", "user", "users", "create",
  "update", "delete", "search", "query", "queries", "weather", "forecast", "forecasts", "id", "ids", "42",
  "420", "stream", "streaming", "repository", "repo", "commit", "commits", "comment", "comments", "message",
  "messages", "send", "sender", "calendar", "event", "events", "invoice", "invoices",
];

interface Entry extends Searchable {}

const word = fc.constantFrom(...VOCABULARY);
const words = (min: number, max: number) => fc.array(word, { minLength: min, maxLength: max });
const camel = (ws: string[]) => ws.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join("");

/** An entry's text without its id: names like `github/listIssues`, repeated words in descriptions. */
const contentFields = {
  name: fc.tuple(words(1, 2), words(1, 3)).map(([area, verb]) => `${area.join("-")}/${camel(verb)}`),
  description: words(0, 14).map((ws) => ws.join(" ")),
  tags: words(0, 4),
  signature: fc.tuple(words(1, 3), words(0, 3)).map(([fn, args]) => `function ${camel(fn)}(${args.map((a) => `${a}: string`).join(", ")}): Result`),
};
const content = fc.record(contentFields);
type Content = Omit<Entry, "id">;

/** Query words: dictionary words, their prefixes, typos of them, unknown words, camelCase runs. */
const queryWord = fc.oneof(
  word,
  word.filter((w) => w.length > 3).chain((w) => fc.integer({ min: 3, max: w.length - 1 }).map((n) => w.slice(0, n))),
  fc.tuple(word.filter((w) => w.length >= 5), fc.nat(), fc.constantFrom("x", "e", "s", "")).map(([w, at, c]) => {
    const i = at % w.length;
    return w.slice(0, i) + c + w.slice(i + 1);
  }),
  fc.constantFrom("zzz", "unknownword", "q"),
  words(2, 2).map(camel),
);
const query = fc.array(queryWord, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(" "));
const queries = fc.array(fc.tuple(query, fc.constantFrom(1, 3, 10, 10_000)), { minLength: 4, maxLength: 10 });

type Op = { kind: "add"; content: Content } | { kind: "replace"; pick: number; content: Content } | { kind: "remove"; pick: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: content.map((c) => ({ kind: "add" as const, content: c })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), content).map(([pick, c]) => ({ kind: "replace" as const, pick, content: c })) },
  { weight: 3, arbitrary: fc.nat().map((pick) => ({ kind: "remove" as const, pick })) },
);

/** The index as MiniSearch would have been configured for it (see SearchIndex's scoring constants). */
function reference(entries: Iterable<Entry>): MiniSearch {
  const mini = new MiniSearch({
    fields: ["name", "description", "tags", "signature"],
    storeFields: [],
    tokenize,
    searchOptions: {
      boost: { name: 4, tags: 2, description: 2, signature: 1 },
      prefix: (term: string) => term.length >= 3,
      fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
      combineWith: "OR",
    },
  });
  mini.addAll([...entries].map((e) => ({ id: e.id, name: e.name, description: e.description, tags: e.tags.join(" "), signature: e.signature })));
  return mini;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * Our top `limit` equal MiniSearch's: same total, same scores position by position, and
 * the same ids in the same order, except that entries whose reference scores differ only
 * by rounding may trade places (as long as each such run of near-equal scores holds the
 * same entries, or, where `limit` cuts a run, entries from it).
 */
function expectSameResults(index: SearchIndex<Entry>, mini: MiniSearch, q: string, limit: number): void {
  const ours = index.search(q, limit);
  const ref = mini.search(q);
  const context = `query ${JSON.stringify(q)}, limit ${limit}`;
  expect(ours.total, context).toBe(ref.length);
  const expected = ref.slice(0, limit);
  expect(ours.hits.length, context).toBe(expected.length);
  expect(ours.scores.length, context).toBe(expected.length);
  let start = 0;
  while (start < expected.length) {
    let end = start + 1;
    while (end < ref.length && close(ref[end]!.score, ref[start]!.score)) end++;
    const tied = new Set(ref.slice(start, end).map((r) => r.id));
    for (let i = start; i < Math.min(end, expected.length); i++) {
      expect(close(ours.scores[i]!, expected[i]!.score), `${context}: score at ${i} is ${ours.scores[i]}, MiniSearch's ${expected[i]!.score}`).toBe(true);
      expect(tied.has(ours.hits[i]!.id), `${context}: ${ours.hits[i]!.id} at ${i}, MiniSearch has ${expected[i]!.id}`).toBe(true);
    }
    if (end <= expected.length) expect(new Set(ours.hits.slice(start, end).map((h) => h.id)), context).toEqual(tied);
    start = end;
  }
}

/**
 * Entries in the order the index holds them (an update moves an entry to the end), as
 * the reference must add them: ties rank in that order in both.
 */
class Model {
  readonly live = new Map<string, Entry>();
  private next = 0;

  add(index: SearchIndex<Entry>, c: Content): void {
    const entry = { id: `e${this.next++}`, ...c };
    index.upsert(entry);
    this.live.set(entry.id, entry);
  }

  pick(n: number): string | undefined {
    if (this.live.size === 0) return undefined;
    return [...this.live.keys()][n % this.live.size];
  }

  removeId(index: SearchIndex<Entry>, id: string): void {
    this.live.delete(id);
    index.remove(id);
  }

  apply(index: SearchIndex<Entry>, o: Op): void {
    if (o.kind === "add") return this.add(index, o.content);
    const id = this.pick(o.pick);
    if (id === undefined) return;
    this.live.delete(id);
    if (o.kind === "remove") return index.remove(id);
    const entry = { id, ...o.content };
    index.upsert(entry);
    this.live.set(id, entry);
  }
}

function check(index: SearchIndex<Entry>, model: Model, qs: Array<[string, number]>): void {
  expect(index.size).toBe(model.live.size);
  const mini = reference(model.live.values());
  for (const [q, limit] of qs) expectSameResults(index, mini, q, limit);
}

describe("SearchIndex against MiniSearch's own ranking", () => {
  // Observing the compaction path only (the assertions are about results).
  const compact = vi.spyOn(SearchIndex.prototype as any, "compact");
  afterEach(() => compact.mockClear());

  /** Adds `copies` of each content, applies `ops`, removes `removePercent`% of what is left, applies `laterOps`; checks after each step and after a save and restore. */
  function scenario(initial: Content[], copies: number, ops: Op[], removePercent: number, laterOps: Op[], qs: Array<[string, number]>): void {
    const index = new SearchIndex<Entry>();
    const model = new Model();
    for (let c = 0; c < copies; c++) for (const entry of initial) model.add(index, entry);
    check(index, model, qs);
    for (const o of ops) model.apply(index, o);
    check(index, model, qs);
    // 37 is prime to 100: every run of 100 entries loses removePercent of them.
    for (const [n, id] of [...model.live.keys()].entries()) if ((n * 37) % 100 < removePercent) model.removeId(index, id);
    check(index, model, qs);
    for (const o of laterOps) model.apply(index, o);
    check(index, model, qs);
    // A saved and restored index ranks as the live one did.
    const restored = new SearchIndex<Entry>();
    expect(restored.restore(JSON.parse(JSON.stringify(index.toJSON(() => true))), (id) => model.live.get(id))).toBe(true);
    check(restored, model, qs);
    // And keeps doing so through adds, replacements and removals made after the restore.
    for (const o of ops) model.apply(restored, o);
    for (const [n, id] of [...model.live.keys()].entries()) if ((n * 41) % 100 < removePercent) model.removeId(restored, id);
    check(restored, model, qs);
  }

  it("a restored index of one entry, replaced and removed, scores as a fresh one (the property test's counterexample, seed 588410338)", () => {
    const c = { name: "parse/parse", description: "", tags: [] as string[], signature: "function parse(): Result" };
    const model = new Model();
    const index = new SearchIndex<Entry>();
    model.add(index, c);
    const restored = new SearchIndex<Entry>();
    expect(restored.restore(JSON.parse(JSON.stringify(index.toJSON(() => true))), (id) => model.live.get(id))).toBe(true);
    model.apply(restored, { kind: "replace", pick: 0, content: c } as Op);
    model.add(restored, c);
    model.add(restored, c);
    model.removeId(restored, [...model.live.keys()][0]!);
    check(restored, model, [["parse", 1], ["parse", 3]]);
  });

  it("ranks as a fresh MiniSearch over the surviving entries, through random adds, replacements and removals", () => {
    fc.assert(
      fc.property(
        fc.array(content, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 40 }),
        fc.integer({ min: 0, max: 95 }),
        fc.array(op, { maxLength: 40 }),
        queries,
        scenario,
      ),
      { numRuns: 60 },
    );
  });

  it("still does after removals that make the index compact (drop removed postings and renumber)", () => {
    // Entries with many words, copied until removing most of them leaves far more than
    // the 4,096 dead postings (and a third of all) at which the index compacts.
    const wordy = fc.record({ ...contentFields, description: words(8, 14).map((ws) => ws.join(" ")), tags: words(2, 4) });
    fc.assert(
      fc.property(
        fc.array(wordy, { minLength: 20, maxLength: 30 }),
        fc.integer({ min: 30, max: 36 }),
        fc.array(op, { maxLength: 30 }),
        fc.integer({ min: 75, max: 95 }),
        fc.array(op, { maxLength: 30 }),
        queries,
        (initial, copies, ops, removePercent, laterOps, qs) => {
          const before = compact.mock.calls.length;
          scenario(initial, copies, ops, removePercent, laterOps, qs);
          // The property is only worth as much as the path it went through.
          expect(compact.mock.calls.length, "the index compacted").toBeGreaterThan(before);
        },
      ),
      { numRuns: 6 },
    );
  });

  it("after a compaction, scores and order still match, and later updates land after the survivors", () => {
    const index = new SearchIndex<Entry>();
    const model = new Model();
    const topics = ["github issues", "weather forecast", "csv parser", "calendar events", "invoice sender"];
    for (let i = 0; i < 1_200; i++) {
      const topic = topics[i % topics.length]!;
      model.add(index, {
        name: `${topic.split(" ")[0]}/${camel(topic.split(" "))}${i}`,
        description: `${topic} ${VOCABULARY[i % VOCABULARY.length]} ${VOCABULARY[(i * 7) % VOCABULARY.length]} item ${i}`,
        tags: [topic.split(" ")[1]!, VOCABULARY[(i * 3) % VOCABULARY.length]!],
        signature: `function ${camel(topic.split(" "))}(${VOCABULARY[(i * 11) % VOCABULARY.length]}: string): result`,
      });
    }
    // Remove four of every five: well past the 4,096 dead postings and a third of all.
    for (const [n, id] of [...model.live.keys()].entries()) if (n % 5 !== 0) model.removeId(index, id);
    expect(compact).toHaveBeenCalled();
    const qs: Array<[string, number]> = [["github", 10], ["issue", 5], ["forcast", 10], ["pars", 10_000], ["item 42 widget", 10], ["calendar events invoice", 3], ["weather weather", 10]];
    check(index, model, qs);
    // Replacing an early survivor moves it behind the others (ties then rank it last).
    const first = model.pick(0)!;
    model.apply(index, { kind: "replace", pick: 0, content: { ...model.live.get(first)!, description: "github issues" } });
    check(index, model, qs);
  });
});

describe("tokenize", () => {
  /** The tokenizer's definition, as regular expressions (what it computes in one pass). */
  const byRegex = (text: string) =>
    text
      .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
      .split(/[^A-Za-z0-9]+/)
      .filter((t) => t.length > 0)
      .map((t) => t.toLowerCase());

  it("splits identifiers, paths and acronyms into lower-case words", () => {
    expect(tokenize("parseCsv github/list-issues snake_case HTMLParser getHTTPResponse2Code é-x42Y")).toEqual([
      "parse", "csv", "github", "list", "issues", "snake", "case", "html", "parser", "get", "http", "response2", "code", "x42", "y",
    ]);
    expect(tokenize("")).toEqual([]);
    expect(tokenize(" -_ ")).toEqual([]);
  });

  it("gives what its regular-expression definition gives, for any text", () => {
    // Letters of both cases, digits, separators and non-ASCII (a separator too), in short runs.
    const char = fc.constantFrom(..."aBcDzZ09 _-/.éÄ😀\n");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        expect(tokenize(text)).toEqual(byRegex(text));
      }),
      { numRuns: 2_000 },
    );
  });
});

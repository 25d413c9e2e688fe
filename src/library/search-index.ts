import SearchableMap from "minisearch/SearchableMap";

/** What the index needs of any searchable entry (an integration, an upstream tool). */
export interface Searchable {
  id: string;
  name: string;
  description: string;
  tags: string[];
  signature: string;
  updatedAt?: string;
}

const FIELDS = ["name", "description", "tags", "signature"] as const;
const FIELD_COUNT = FIELDS.length;
const BOOST: Record<(typeof FIELDS)[number], number> = { name: 4, tags: 2, description: 2, signature: 1 };
const FIELD_BOOST = FIELDS.map((f) => BOOST[f]);
/** BM25+ parameters and prefix/fuzzy weights (MiniSearch's defaults, which this index used to run on). */
const BM25_K = 1.2;
const BM25_B = 0.7;
const BM25_D = 0.5;
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;
const MAX_FUZZY = 6;
// Prefix and fuzzy matching only for longer words: "42" expanding to 420-4299 or
// "id" to every identifier would score most of a large library for nothing.
const PREFIX_MIN_LENGTH = 3;
const FUZZY_MIN_LENGTH = 5;
const FUZZY_FRACTION = 0.2;
/** Postings of removed entries are dropped once there are this many and they are a third of all postings. */
const COMPACT_MIN_DEAD = 4_096;

/** Character classes the tokenizer tells apart (anything else separates words). */
const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function charClass(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return OTHER;
}

/**
 * Splits `parseCsv`, `github/list-issues`, `snake_case` and `HTMLParser` into lower-case
 * words: runs of ASCII letters and digits, split before an upper-case letter that follows
 * a lower-case letter or digit, and before the last upper-case letter of a run that a
 * lower-case letter follows. In one pass over the text: a start after a pull tokenizes
 * tens of thousands of fields before its first search.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  const length = text.length;
  let start = -1;
  let previous = OTHER;
  let current = length > 0 ? charClass(text.charCodeAt(0)) : OTHER;
  for (let i = 0; i < length; i++) {
    const next = i + 1 < length ? charClass(text.charCodeAt(i + 1)) : OTHER;
    if (current === OTHER) {
      if (start >= 0) words.push(text.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (current === UPPER && (previous === LOWER || previous === DIGIT || (previous === UPPER && next === LOWER))) {
      words.push(text.slice(start, i).toLowerCase());
      start = i;
    }
    previous = current;
    current = next;
  }
  if (start >= 0) words.push(text.slice(start).toLowerCase());
  return words;
}

/** The entries (by slot) that contain one term in one field, with the term's count in each. */
interface Posting {
  slots: number[];
  freqs: number[];
  /** Entries in `slots` that are still in the index (removed ones stay until compaction). */
  live: number;
}

/** Per field (FIELDS order). */
type TermPostings = Array<Posting | undefined>;

const collator = new Intl.Collator();

/**
 * A saved index (see `SearchIndex.toJSON`): entries by id in slot order, their field
 * lengths, and per word the postings of each field as `[slots, freqs]` (0 for none).
 */
export interface SavedIndex {
  format: typeof SAVED_INDEX_FORMAT;
  ids: string[];
  fieldLength: number[];
  terms: Array<[string, Array<[number[], number[]] | 0>]>;
}
const SAVED_INDEX_FORMAT = 1;

/**
 * Ranked full-text search over names, descriptions, tags and exported signatures:
 * BM25+ with prefix and fuzzy matching, scored exactly as MiniSearch scores it
 * (field boosts, prefix/fuzzy weights, score × number of query words matched), but
 * into flat arrays, keeping only the best `limit`: a word that matches most of a
 * large library costs a pass over its postings, not an object and a sort per match.
 * The term dictionary is MiniSearch's radix tree (prefix and fuzzy lookup).
 * Derived data: rebuilt from the entries at start and updated entry by entry.
 */
export class SearchIndex<T extends Searchable> {
  /** By id, in insertion order (an update keeps its place). */
  private readonly entries = new Map<string, T>();
  private terms = new SearchableMap<TermPostings>();
  private slotOf = new Map<string, number>();
  /** Entry per slot; undefined once removed. */
  private slotEntry: Array<T | undefined> = [];
  /** The postings each live slot appears in (to retire them on removal). */
  private slotPostings: Array<Posting[] | undefined> = [];
  /**
   * Until the first removal, slotPostings is not kept (a build or a restore, and the entries
   * added after it, fill it then from the term dictionary): a start indexes thousands of
   * entries and most never remove anything before the next save.
   */
  private slotPostingsPending = true;
  private nextSlot = 0;
  private capacity = 0;
  private alive = new Uint8Array(0);
  /** Unique words per slot and field (slot * FIELD_COUNT + field). */
  private fieldLength = new Int32Array(0);
  private readonly avgFieldLength = new Array<number>(FIELD_COUNT).fill(0);
  private documentCount = 0;
  private livePostings = 0;
  private deadPostings = 0;
  // Per-query scratch, by slot; zero between queries.
  private score = new Float64Array(0);
  private termScore = new Float64Array(0);
  private termStamp = new Int32Array(0);
  private matchedTerms = new Int32Array(0);
  /** Slots matched by the query so far, in first-match order; and by the current word. */
  private touched = new Int32Array(0);
  private touchedCount = 0;
  private termTouched = new Int32Array(0);
  private termTouchedCount = 0;
  /** Scratch for indexing one field: its words and their counts. */
  private readonly fieldFreqs = new Map<string, number>();

  replaceAll(items: T[]): void {
    this.entries.clear();
    this.terms = new SearchableMap<TermPostings>();
    this.slotOf = new Map();
    this.slotEntry = [];
    this.slotPostings = [];
    this.slotPostingsPending = true;
    this.nextSlot = 0;
    this.alive.fill(0);
    this.avgFieldLength.fill(0);
    this.documentCount = 0;
    this.livePostings = 0;
    this.deadPostings = 0;
    for (const item of items) this.upsert(item);
  }

  upsert(item: T): void {
    this.unindex(item.id);
    this.entries.set(item.id, item);
    this.indexItem(item);
  }

  remove(id: string): void {
    if (!this.entries.delete(id)) return;
    this.unindex(id);
  }

  removeWhere(predicate: (item: T) => boolean): void {
    for (const item of [...this.entries.values()]) if (predicate(item)) this.remove(item.id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry with this id, if indexed. */
  get(id: string): T | undefined {
    return this.entries.get(id);
  }

  /**
   * The index of the entries `include` accepts, to be restored with `restore` without
   * tokenizing them again (a restart of a large library). Scores after a restore are the
   * same as after indexing those entries anew in slot order.
   */
  toJSON(include: (item: T) => boolean): SavedIndex {
    const remap = new Int32Array(this.nextSlot).fill(-1);
    const ids: string[] = [];
    const fieldLength: number[] = [];
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const entry = this.slotEntry[slot];
      if (!this.alive[slot] || !entry || !include(entry)) continue;
      remap[slot] = ids.length;
      ids.push(entry.id);
      for (let f = 0; f < FIELD_COUNT; f++) fieldLength.push(this.fieldLength[slot * FIELD_COUNT + f]!);
    }
    const terms: SavedIndex["terms"] = [];
    for (const [term, postings] of this.terms) {
      let any = false;
      const fields = postings.map((posting): [number[], number[]] | 0 => {
        if (!posting) return 0;
        const slots: number[] = [];
        const freqs: number[] = [];
        for (let i = 0; i < posting.slots.length; i++) {
          const to = remap[posting.slots[i]!]!;
          if (to < 0) continue;
          slots.push(to);
          freqs.push(posting.freqs[i]!);
        }
        if (!slots.length) return 0;
        any = true;
        return [slots, freqs];
      });
      if (any) terms.push([term, fields]);
    }
    return { format: SAVED_INDEX_FORMAT, ids, fieldLength, terms };
  }

  /**
   * Replaces the index with a saved one; `entryOf` gives the entry for each saved id.
   * False (and the index left empty) when the data is not a saved index of this format
   * or an id has no entry: then index the entries anew.
   */
  restore(saved: SavedIndex, entryOf: (id: string) => T | undefined): boolean {
    this.replaceAll([]);
    if (saved?.format !== SAVED_INDEX_FORMAT || !Array.isArray(saved.ids) || saved.fieldLength?.length !== saved.ids.length * FIELD_COUNT) return false;
    const n = saved.ids.length;
    const items: T[] = [];
    for (const id of saved.ids) {
      const item = entryOf(id);
      if (!item || item.id !== id || this.entries.has(id)) {
        this.replaceAll([]);
        return false;
      }
      items.push(item);
      this.entries.set(id, item);
    }
    this.ensureCapacity(n);
    const sums = new Array<number>(FIELD_COUNT).fill(0);
    for (let slot = 0; slot < n; slot++) {
      const item = items[slot]!;
      this.slotOf.set(item.id, slot);
      this.slotEntry[slot] = item;
      this.alive[slot] = 1;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const length = saved.fieldLength[slot * FIELD_COUNT + f]!;
        this.fieldLength[slot * FIELD_COUNT + f] = length;
        sums[f] = sums[f]! + length;
      }
    }
    let live = 0;
    for (const [term, fields] of saved.terms) {
      const postings = new Array<Posting | undefined>(FIELD_COUNT);
      for (let f = 0; f < FIELD_COUNT; f++) {
        const field = fields[f];
        if (!field) continue;
        const [slots, freqs] = field;
        const posting: Posting = { slots, freqs, live: slots.length };
        postings[f] = posting;
        live += slots.length;
      }
      this.terms.set(term, postings);
    }
    this.slotPostings = [];
    this.slotPostingsPending = true;
    this.nextSlot = n;
    this.documentCount = n;
    for (let f = 0; f < FIELD_COUNT; f++) this.avgFieldLength[f] = n ? sums[f]! / n : 0;
    this.livePostings = live;
    this.deadPostings = 0;
    return true;
  }

  /**
   * Best matches first; an empty query lists everything, most recently updated first.
   * `scores` are the hits' scores, in the same order (none for an empty query): what a
   * comparison with MiniSearch's own ranking reads.
   */
  search(query: string | undefined, limit: number): { total: number; hits: T[]; scores: number[] } {
    const q = query?.trim() ?? "";
    // As `slice(0, limit)` would take it.
    const k = Number.isNaN(limit) ? 0 : Math.max(0, Math.trunc(limit));
    if (q === "") return { total: this.entries.size, hits: newestFirst(this.entries.values(), k), scores: [] };
    const { touched, termScore: final } = this;
    try {
      const total = this.scoreQuery(q);
      // The best k, by score then by the order they were first matched in (what a
      // stable sort of every match would give), without sorting every match.
      const top: number[] = [];
      const topScore: number[] = [];
      if (k > 0) {
        for (let t = 0; t < total; t++) {
          const slot = touched[t]!;
          const s = final[slot]!;
          if (top.length === k && !(s > topScore[k - 1]!)) continue;
          let i = Math.min(top.length, k - 1);
          while (i > 0 && topScore[i - 1]! < s) {
            if (i < k) {
              top[i] = top[i - 1]!;
              topScore[i] = topScore[i - 1]!;
            }
            i--;
          }
          top[i] = slot;
          topScore[i] = s;
        }
      }
      return { total, hits: top.map((slot) => this.slotEntry[slot]!), scores: topScore };
    } finally {
      for (let t = 0; t < this.touchedCount; t++) {
        const slot = touched[t]!;
        this.score[slot] = 0;
        this.matchedTerms[slot] = 0;
        this.termStamp[slot] = 0;
      }
      this.touchedCount = 0;
    }
  }

  /**
   * Scores every entry that matches any query word (OR): the sum over query words of
   * their BM25+ contributions, times the number of distinct query words matched, in
   * `termScore`. Returns how many entries matched; they are in `touched`, in the
   * order they were first matched. The caller resets the scratch arrays for them.
   */
  private scoreQuery(q: string): number {
    const seen = new Set<string>();
    const { score, termScore, termTouched, matchedTerms } = this;
    this.touchedCount = 0;
    let stamp = 0;
    // Word by word in query order, a repeated word again (the sums then round as MiniSearch's did).
    for (const term of tokenize(q)) {
      const repeated = seen.has(term);
      seen.add(term);
      stamp++;
      this.termTouchedCount = 0;
      // Exact, then longer words starting with it, then words within an edit distance
      // (a word both a prefix and a fuzzy match counts as a prefix match).
      const fuzzy = term.length >= FUZZY_MIN_LENGTH ? Math.min(MAX_FUZZY, Math.round(term.length * FUZZY_FRACTION)) : 0;
      const fuzzyMatches = fuzzy ? this.terms.fuzzyGet(term, fuzzy) : undefined;
      this.visit(this.terms.get(term), 1, stamp);
      if (term.length >= PREFIX_MIN_LENGTH) {
        for (const [word, postings] of this.terms.atPrefix(term)) {
          const distance = word.length - term.length;
          if (!distance) continue;
          fuzzyMatches?.delete(word);
          this.visit(postings, (PREFIX_WEIGHT * word.length) / (word.length + 0.3 * distance), stamp);
        }
      }
      if (fuzzyMatches) {
        for (const [word, [postings, distance]] of fuzzyMatches) {
          if (!distance) continue;
          this.visit(postings, (FUZZY_WEIGHT * word.length) / (word.length + distance), stamp);
        }
      }
      for (let t = 0; t < this.termTouchedCount; t++) {
        const slot = termTouched[t]!;
        score[slot] = score[slot]! + termScore[slot]!;
        if (!repeated) matchedTerms[slot] = matchedTerms[slot]! + 1;
      }
    }
    // termScore now holds the final score (each word overwrites it on its first match).
    const { touched, touchedCount } = this;
    for (let t = 0; t < touchedCount; t++) {
      const slot = touched[t]!;
      termScore[slot] = score[slot]! * matchedTerms[slot]!;
    }
    return touchedCount;
  }

  /** Adds one dictionary word's BM25+ contributions (times `weight`) to `termScore`. */
  private visit(postings: TermPostings | undefined, weight: number, stamp: number): void {
    if (!postings) return;
    const { termScore, termStamp, alive, fieldLength, touched, termTouched } = this;
    const n = this.documentCount;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const posting = postings[f];
      if (!posting || posting.live === 0) continue;
      const idf = Math.log(1 + (n - posting.live + 0.5) / (posting.live + 0.5));
      const boost = weight * FIELD_BOOST[f]!;
      const avg = this.avgFieldLength[f]!;
      const { slots, freqs } = posting;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        if (alive[slot] === 0) continue;
        const tf = freqs[i]!;
        const raw = idf * (BM25_D + (tf * (BM25_K + 1)) / (tf + BM25_K * (1 - BM25_B + (BM25_B * fieldLength[slot * FIELD_COUNT + f]!) / avg)));
        const s = boost * raw;
        if (termStamp[slot] === stamp) {
          termScore[slot] = termScore[slot]! + s;
        } else {
          if (termStamp[slot] === 0) touched[this.touchedCount++] = slot;
          termStamp[slot] = stamp;
          termScore[slot] = s;
          termTouched[this.termTouchedCount++] = slot;
        }
      }
    }
  }

  private indexItem(item: T): void {
    const slot = this.nextSlot++;
    this.ensureCapacity(this.nextSlot);
    this.slotOf.set(item.id, slot);
    this.slotEntry[slot] = item;
    this.alive[slot] = 1;
    const mine: Posting[] | undefined = this.slotPostingsPending ? undefined : [];
    let added = 0;
    const count = this.documentCount++;
    const values = [item.name, item.description, item.tags.join(" "), item.signature];
    const freqs = this.fieldFreqs;
    for (let f = 0; f < FIELD_COUNT; f++) {
      freqs.clear();
      for (const term of tokenize(values[f]!)) freqs.set(term, (freqs.get(term) ?? 0) + 1);
      this.fieldLength[slot * FIELD_COUNT + f] = freqs.size;
      this.avgFieldLength[f] = (this.avgFieldLength[f]! * count + freqs.size) / (count + 1);
      added += freqs.size;
      freqs.forEach((freq, term) => {
        let postings = this.terms.get(term);
        if (!postings) this.terms.set(term, (postings = new Array<Posting | undefined>(FIELD_COUNT)));
        const posting = (postings[f] ??= { slots: [], freqs: [], live: 0 });
        posting.slots.push(slot);
        posting.freqs.push(freq);
        posting.live++;
        mine?.push(posting);
      });
    }
    this.slotPostings[slot] = mine;
    this.livePostings += added;
  }

  private unindex(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    // Before anything changes: the filling reads the slots as the restore left them.
    this.fillSlotPostings();
    this.slotOf.delete(id);
    this.alive[slot] = 0;
    this.slotEntry[slot] = undefined;
    const count = this.documentCount--;
    for (let f = 0; f < FIELD_COUNT; f++) {
      this.avgFieldLength[f] = count === 1 ? 0 : (this.avgFieldLength[f]! * count - this.fieldLength[slot * FIELD_COUNT + f]!) / (count - 1);
    }
    const mine = this.slotPostings[slot] ?? [];
    for (const posting of mine) posting.live--;
    this.slotPostings[slot] = undefined;
    this.livePostings -= mine.length;
    this.deadPostings += mine.length;
    if (this.deadPostings >= COMPACT_MIN_DEAD && this.deadPostings * 2 >= this.livePostings) this.compact();
  }

  /** The postings each slot appears in, from the term dictionary (see slotPostingsPending). */
  private fillSlotPostings(): void {
    if (!this.slotPostingsPending) return;
    this.slotPostingsPending = false;
    const restored = this.nextSlot;
    const lists: Posting[][] = Array.from({ length: restored }, () => []);
    for (const [, postings] of this.terms) {
      for (const posting of postings) {
        if (!posting) continue;
        for (const slot of posting.slots) if (slot < restored && !this.slotPostings[slot]) lists[slot]!.push(posting);
      }
    }
    for (let slot = 0; slot < restored; slot++) this.slotPostings[slot] ??= lists[slot]!;
  }

  /** Drops removed entries' postings and renumbers the slots (keeping their order). */
  private compact(): void {
    const remap = new Int32Array(this.nextSlot).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.nextSlot; slot++) if (this.alive[slot]) remap[slot] = next++;
    const emptied: string[] = [];
    for (const [term, postings] of this.terms) {
      let any = false;
      for (let f = 0; f < FIELD_COUNT; f++) {
        const posting = postings[f];
        if (!posting) continue;
        if (posting.live === 0) {
          postings[f] = undefined;
          continue;
        }
        any = true;
        let w = 0;
        for (let i = 0; i < posting.slots.length; i++) {
          const to = remap[posting.slots[i]!]!;
          if (to < 0) continue;
          posting.slots[w] = to;
          posting.freqs[w] = posting.freqs[i]!;
          w++;
        }
        posting.slots.length = w;
        posting.freqs.length = w;
      }
      if (!any) emptied.push(term);
    }
    for (const term of emptied) this.terms.delete(term);
    const fieldLength = new Int32Array(this.capacity * FIELD_COUNT);
    const slotEntry: Array<T | undefined> = [];
    const slotPostings: Array<Posting[] | undefined> = [];
    for (let slot = 0; slot < this.nextSlot; slot++) {
      const to = remap[slot]!;
      if (to < 0) continue;
      fieldLength.set(this.fieldLength.subarray(slot * FIELD_COUNT, (slot + 1) * FIELD_COUNT), to * FIELD_COUNT);
      slotEntry[to] = this.slotEntry[slot];
      slotPostings[to] = this.slotPostings[slot];
    }
    for (const [id, slot] of this.slotOf) this.slotOf.set(id, remap[slot]!);
    this.fieldLength = fieldLength;
    this.slotEntry = slotEntry;
    this.slotPostings = slotPostings;
    this.alive.fill(0);
    this.alive.fill(1, 0, next);
    this.nextSlot = next;
    this.deadPostings = 0;
  }

  private ensureCapacity(slots: number): void {
    if (slots <= this.capacity) return;
    const capacity = Math.max(1_024, this.capacity * 2, slots);
    const grow = <A extends Uint8Array | Int32Array | Float64Array>(old: A, size: number, make: (n: number) => A): A => {
      const next = make(size);
      next.set(old as never);
      return next;
    };
    this.alive = grow(this.alive, capacity, (n) => new Uint8Array(n));
    this.fieldLength = grow(this.fieldLength, capacity * FIELD_COUNT, (n) => new Int32Array(n));
    this.score = grow(this.score, capacity, (n) => new Float64Array(n));
    this.termScore = grow(this.termScore, capacity, (n) => new Float64Array(n));
    this.termStamp = grow(this.termStamp, capacity, (n) => new Int32Array(n));
    this.matchedTerms = grow(this.matchedTerms, capacity, (n) => new Int32Array(n));
    this.touched = new Int32Array(capacity);
    this.termTouched = new Int32Array(capacity);
    this.capacity = capacity;
  }
}

/**
 * The `limit` most recently updated entries (then by name), as a stable sort of all
 * of them would order them (the collator compares as `localeCompare` does).
 */
function newestFirst<T extends Searchable>(items: Iterable<T>, limit: number): T[] {
  const before = (a: T, b: T) => collator.compare(b.updatedAt ?? "", a.updatedAt ?? "") || collator.compare(a.name, b.name);
  const top: T[] = [];
  if (limit <= 0) return top;
  for (const item of items) {
    if (top.length === limit && before(item, top[limit - 1]!) >= 0) continue;
    let i = Math.min(top.length, limit - 1);
    while (i > 0 && before(item, top[i - 1]!) < 0) {
      if (i < limit) top[i] = top[i - 1]!;
      i--;
    }
    top[i] = item;
  }
  return top;
}

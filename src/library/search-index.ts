import MiniSearch from "minisearch";

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

/** Splits `parseCsv`, `github/list-issues` and `snake_case` into lower-case words. */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((t) => t.length > 0)
    .map((t) => t.toLowerCase());
}

/**
 * Ranked full-text search (MiniSearch: BM25 with prefix and fuzzy matching) over
 * names, descriptions, tags and exported signatures. Derived data: rebuilt from
 * the entries at start and updated entry by entry.
 */
export class SearchIndex<T extends Searchable> {
  private readonly entries = new Map<string, T>();
  private readonly mini = new MiniSearch<{ id: string; name: string; description: string; tags: string; signature: string }>({
    fields: [...FIELDS],
    storeFields: [],
    tokenize,
    // Prefix and fuzzy matching only for longer words: "42" expanding to 420-4299 or
    // "id" to every identifier would score most of a large library for nothing.
    searchOptions: {
      boost: { name: 4, tags: 2, description: 2, signature: 1 },
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      combineWith: "OR",
    },
  });

  replaceAll(items: T[]): void {
    this.mini.removeAll();
    this.entries.clear();
    for (const item of items) this.entries.set(item.id, item);
    this.mini.addAll(items.map(toDocument));
  }

  upsert(item: T): void {
    if (this.entries.has(item.id)) this.mini.discard(item.id);
    this.entries.set(item.id, item);
    this.mini.add(toDocument(item));
  }

  remove(id: string): void {
    if (!this.entries.delete(id)) return;
    this.mini.discard(id);
  }

  removeWhere(predicate: (item: T) => boolean): void {
    for (const item of [...this.entries.values()]) if (predicate(item)) this.remove(item.id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Best matches first; an empty query lists everything, most recently updated first. */
  search(query: string | undefined, limit: number): { total: number; hits: T[] } {
    const q = query?.trim() ?? "";
    if (q === "") {
      const all = [...this.entries.values()].sort((a, b) => (b.updatedAt ?? "").localeCompare(a.updatedAt ?? "") || a.name.localeCompare(b.name));
      return { total: all.length, hits: all.slice(0, limit) };
    }
    const results = this.mini.search(q);
    return { total: results.length, hits: results.slice(0, limit).flatMap((r) => this.entries.get(String(r.id)) ?? []) };
  }
}

function toDocument(item: Searchable) {
  return { id: item.id, name: item.name, description: item.description, tags: item.tags.join(" "), signature: item.signature };
}

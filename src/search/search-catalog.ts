import type { UpstreamHub } from "../bridge/upstream/upstream-hub.js";
import { upstreamToolResults } from "../bridge/upstream/upstream-results.js";
import type { LibraryStore } from "../library/library-store.js";
import { SearchIndex } from "../library/search-index.js";
import { factsFromThreadCount, startFactsThread } from "../library/facts-thread.js";
import { typeScriptLoaded, whenTypeScriptLoaded } from "../library/type-program.js";
import type { VerificationRecords } from "../library/verification-records.js";
import { integrationEntry, upstreamEntry, type IndexedEntry } from "./search-entries.js";
import { searchLibrary, type SearchDeps, type SearchOptions, type SearchResponse } from "./search-service.js";
import { syncIndexWithLibrary, warmIndex, writeSnapshot, type WarmIndex } from "./search-snapshot.js";

/** What a search needs of the home beyond the index (the home may still be starting). */
export interface SearchHome {
  /** Settles when the home has started (the library is loaded) or failed to. */
  ready: Promise<unknown>;
  /** Waits for the start, then brings the library up to HEAD (another process may have committed). */
  current(): Promise<void>;
  /** The verification records, once the start has made them. */
  verifications(): VerificationRecords | undefined;
  deps: Omit<SearchDeps, "index" | "library" | "lastVerification">;
}

/**
 * The search index of one home through its life: the snapshot the last run saved
 * (brought up to HEAD) answers searches while the library loads; once it has loaded,
 * the index follows the library's changes and the upstream servers' tools, and is
 * saved again for the next start.
 */
export class SearchCatalog {
  private readonly index = new SearchIndex<IndexedEntry>();
  /** The saved snapshot brought up to HEAD; undefined when none was usable. */
  readonly warm: Promise<WarmIndex | undefined>;
  /** The loaded library the index follows (undefined until followLibrary). */
  private library: LibraryStore | undefined;
  /** The library commit the saved snapshot reflects. */
  private snapshotHead: string | undefined;
  private snapshotWriting: Promise<void> = Promise.resolve();
  /** Set by the last save, at close: the home may be gone after it. */
  private closed = false;
  /** The last snapshot saved records without their declarations' facts (the compiler was not loaded yet). */
  private factsMissing = false;
  /** factsFromThreadCount() when the last snapshot was saved: facts the thread gave since are saved too. */
  private factsFromThreadSaved = 0;
  /** Searches being answered from the warm index (before the library has loaded). */
  private readonly answeringWarm = new Set<Promise<unknown>>();

  /** Starts reading the saved snapshot at once. */
  constructor(
    private readonly stateDir: string,
    libraryRoot: string,
    private readonly hub: UpstreamHub,
  ) {
    this.warm = warmIndex(this.index, stateDir, libraryRoot).catch(() => undefined);
  }

  /**
   * For a serving process, whose first searches come at once: when the snapshot has records
   * without facts, starts the facts thread now rather than at the first search that needs it.
   */
  readFactsAhead(): void {
    void this.warm.then((warm) => {
      if (warm?.factsMissing) startFactsThread();
    });
  }

  /** Indexes the upstream servers' tools now and whenever a server's tools change. */
  followUpstreams(): void {
    this.hub.onChange((server) => this.indexUpstream(server));
    for (const server of this.hub.names()) this.indexUpstream(server);
  }

  /** Makes the index hold the loaded library and follow its changes; saves a snapshot in the background. */
  async followLibrary(store: LibraryStore): Promise<void> {
    const warm = await this.warm;
    syncIndexWithLibrary(this.index, store.list(), warm !== undefined);
    // Building the index anew dropped the upstream tools indexed meanwhile.
    if (!warm) for (const server of this.hub.names()) this.indexUpstream(server);
    this.snapshotHead = warm?.savedHead;
    this.factsMissing = warm?.factsMissing ?? false;
    this.library = store;
    // Saved in the background: the next start answers its first search from it. Saved again
    // once the compiler is loaded if it then can add the facts search reads from declarations.
    setImmediate(() => void this.saveSnapshot());
    whenTypeScriptLoaded(() => void this.saveSnapshot());
    store.onChange((names) => {
      for (const name of names) {
        const record = store.get(name);
        if (record) this.index.upsert(integrationEntry(record));
        else this.index.remove(name);
      }
    });
  }

  /**
   * Saves the search snapshot when the library moved since the last one, or when the last
   * one lacks declaration facts the compiler (loaded since) can now give (never fails);
   * writes one at a time.
   */
  saveSnapshot(): Promise<void> {
    this.snapshotWriting = this.snapshotWriting.then(async () => {
      const head = this.library?.viewHead;
      const moreFacts = this.factsMissing && (typeScriptLoaded() || factsFromThreadCount() > this.factsFromThreadSaved);
      if (!this.library || this.closed || !head || (head === this.snapshotHead && !moreFacts)) return;
      this.snapshotHead = head;
      this.factsFromThreadSaved = factsFromThreadCount();
      this.factsMissing = (await writeSnapshot(this.index, this.stateDir, head)) > 0;
    });
    return this.snapshotWriting;
  }

  /** The last save, as the home closes: none after it. */
  async saveLastSnapshot(): Promise<void> {
    await this.saveSnapshot();
    this.closed = true;
  }

  async search(options: SearchOptions, home: SearchHome): Promise<SearchResponse> {
    // Until the library has loaded, a warm start's index answers (see search-snapshot.ts).
    // detail "full" shows the code, which the snapshot leaves out: it waits for the library.
    const warm = this.library || options.detail === "full" ? undefined : await Promise.race([home.ready.then(() => undefined), this.warm]);
    // Another process may have verified something since the last search.
    if (this.library) await home.verifications()?.refresh();
    const lastVerification = (name: string, version: string | undefined) => home.verifications()?.get(name, version);
    if (warm && !this.library) {
      const library: SearchDeps["library"] = {
        declarationsFor: (name) => warm.declarationsFor(name),
        history: async (name, max) => {
          await home.ready;
          return this.library!.history(name, max);
        },
      };
      const answering = searchLibrary({ ...home.deps, index: this.index, library, lastVerification }, options);
      this.answeringWarm.add(answering);
      const response = await answering.finally(() => this.answeringWarm.delete(answering));
      // A record the snapshot could not give back: answered again once the library has loaded.
      if (!warm.damaged()) return response;
    }
    await home.current();
    return searchLibrary({ ...home.deps, index: this.index, library: this.library!, lastVerification }, options);
  }

  /**
   * Settles once no search is being answered from the warm index, or after `maxMs`: the
   * start's next steps (the sandbox's workers, esbuild's first call, which blocks this
   * thread) wait for the first searches instead of holding their replies.
   */
  async warmSearchesAnswered(maxMs: number): Promise<void> {
    if (this.answeringWarm.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.answeringWarm]), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }

  /** Replaces the search entries of one upstream server with its current tools. */
  private indexUpstream(server: string): void {
    this.index.removeWhere((entry) => entry.kind === "mcp-tool" && entry.result.server === server);
    const tools = this.hub.tools(server) ?? [];
    for (const result of upstreamToolResults(server, tools)) this.index.upsert(upstreamEntry(result));
  }
}

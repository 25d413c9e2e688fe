import { homePaths, type HomePaths } from "./config/home.js";
import type { Config } from "./config/schema.js";
import type { CommitInfo } from "./library/git-repo.js";
import type { Integration, LibraryStore } from "./library/library-store.js";
import { isIntegrationName, INTEGRATION_NAME_HINT } from "./library/names.js";
import { openLibrary } from "./library/open-library.js";
import { checkGit } from "./library/git-check.js";
import { NotRegularFileError } from "./library/regular-files.js";
import { SecretInLibraryError } from "./library/commit-plan.js";
import { RefusedHistoryError } from "./library/tree-check.js";
import { saveIntegration, type SaveOutcome, type SaveRequest } from "./library/save-integration.js";
import { SearchIndex } from "./library/search-index.js";
import { integrationEntry, upstreamEntry, type IndexedEntry } from "./search/search-entries.js";
import { searchLibrary, type SearchDeps, type SearchOptions, type SearchResponse } from "./search/search-service.js";
import { syncIndexWithLibrary, warmIndex, writeSnapshot, type WarmIndex } from "./search/search-snapshot.js";
import { CompositeModuleSource, Sandbox, type ModuleSource, type RunReport } from "./sandbox/sandbox.js";
import type { LogEntry } from "./sandbox/protocol.js";
import type { UpstreamHub } from "./bridge/upstream/upstream-hub.js";
import { UpstreamModules } from "./bridge/upstream/upstream-modules.js";
import { upstreamToolResults } from "./bridge/upstream/upstream-results.js";
import type { HostBridge } from "./bridge/host-bridge.js";
import { HomeSettings } from "./home-settings.js";
import { redactDeep } from "./bridge/secrets/redact-deep.js";
import { NetworkPolicy } from "./bridge/network/network-policy.js";
import { blame, directImports, UsageStats } from "./library/usage-stats.js";
import { CallerMisuse } from "./library/caller-misuse.js";
import { RemoteSync, type RemoteStatus, type SyncReport } from "./library/remote-sync.js";
import { removeIntegration, renameIntegration, revertIntegration, type EditOptions, type EditOutcome } from "./library/library-edits.js";
import type { DependentResult } from "./library/dependents.js";
import { LIBRARY_HOST_FUNCTIONS, libraryHostCalls } from "./library/library-host-calls.js";
import { PeriodicCollector } from "./util/periodic-collector.js";

export interface ToolsmithOptions {
  home: string;
  /** Defaults to the home's `config.json`. */
  config?: Config;
  /** Diagnostics for people (stderr in the CLI); never MCP. */
  log?: (line: string) => void;
  poolSize?: number;
  /** The process id registered as a user of the library (defaults to this process). */
  pid?: number;
  /** A full garbage collection after this many calls (serving processes; see PeriodicCollector). */
  collectGarbageEvery?: number;
  /** Pull from `library.remote` at start and periodically (default true); CLI commands sync only when asked. */
  backgroundSync?: boolean;
  /** Connect to the configured upstream MCP servers at start (default true); when false, only on first use. */
  upstreams?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, progress?: number, total?: number) => void;
  /** Console lines while the run goes on (sent as progress when the client asked for it). */
  onLog?: (entry: LogEntry) => void;
  /** Who asked (an MCP session or connection), for fair scheduling. */
  client?: string;
}

export type { SearchOptions, SearchResponse } from "./search/search-service.js";
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "./limits-shared.js";

/**
 * One toolsmith home: its config, sandbox, library and search index. The MCP
 * server and the CLI are thin layers over this. Starts in the background;
 * every operation waits until it is ready.
 */
export class Toolsmith {
  readonly paths: HomePaths;
  private readonly log: (line: string) => void;
  private readonly pid: number;
  private readonly ready: Promise<void>;
  private readonly configured: Promise<void>;
  private config!: Config;
  private bridge!: HostBridge;
  private settings!: HomeSettings;
  private sandbox!: Sandbox;
  private store!: LibraryStore;
  private readonly index = new SearchIndex<IndexedEntry>();
  private hub!: UpstreamHub;
  private readonly usage: UsageStats;
  private readonly usageLoaded: Promise<void>;
  /** The search index as the last run left it (state/), brought up to HEAD: search answers from it until the library has loaded. */
  private readonly warm: Promise<WarmIndex | undefined>;
  private started = false;
  /** When the upstream servers started connecting (performance.now()); searches wait for them until limits.upstreamStartWaitMs after. */
  private upstreamsStartedAt = Number.NEGATIVE_INFINITY;
  /** The library commit the saved search snapshot reflects. */
  private snapshotHead: string | undefined;
  private snapshotWriting: Promise<void> = Promise.resolve();
  private misuse!: CallerMisuse;
  private remote: RemoteSync | undefined;
  private closing = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly collector: PeriodicCollector | undefined;
  private modules!: ModuleSource;

  private constructor(private readonly options: ToolsmithOptions) {
    this.paths = homePaths(options.home);
    this.log = options.log ?? (() => undefined);
    this.pid = options.pid ?? process.pid;
    if (options.collectGarbageEvery) this.collector = new PeriodicCollector(options.collectGarbageEvery, () => this.inflight.size > 0);
    this.configured = this.loadSettings();
    this.configured.catch(() => undefined);
    this.usage = new UsageStats(this.paths.state);
    this.usageLoaded = this.usage.load();
    this.warm = this.configured.then(() => warmIndex(this.index, this.paths.state, this.paths.library)).catch(() => undefined);
    this.ready = this.configured.then(() => this.start());
    this.ready.catch(() => undefined);
  }

  /** Starts opening the home; `whenReady()` reports whether it worked. */
  static open(options: ToolsmithOptions): Toolsmith {
    return new Toolsmith(options);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** The HTTP server's settings from config.json (call after whenConfigured()). */
  httpSettings(): Config["http"] {
    return this.config.http;
  }

  /** Resolves once config.json and secrets.json are read and valid (fast); the library may still be loading. */
  whenConfigured(): Promise<void> {
    return this.configured;
  }

  private async loadSettings(): Promise<void> {
    this.settings = await HomeSettings.load(this.paths, this.options.config, this.log);
    this.config = this.settings.config;
    this.hub = this.settings.hub;
    this.bridge = await this.settings.bridge();
  }

  /** Picks up a changed secrets.json (checked at most once a second). */
  private async refreshSecrets(): Promise<void> {
    this.bridge = await this.settings.bridge();
  }

  private async start(): Promise<void> {
    if (this.options.upstreams !== false) {
      this.hub.start();
      this.upstreamsStartedAt = performance.now();
    }
    // The saved search index first (before the sandbox's workers compete for the CPU): searches are answered from it while the library loads.
    await this.warm;
    this.hub.onChange((server) => this.indexUpstream(server));
    for (const server of this.hub.names()) this.indexUpstream(server);
    this.sandbox = new Sandbox(this.config.limits, this.options.poolSize, this.config.sandbox);
    const sandboxStarted = this.sandbox.start();
    const git = await checkGit();
    if (!git.ok) throw new UserError(git.message);
    this.store = await openLibrary({
      root: this.paths.library,
      stateDir: this.paths.state,
      sandbox: this.sandbox,
      branch: this.config.library.branch,
      log: this.log,
      pid: this.pid,
      remote: this.config.library.remote,
      // The vault as it is at each commit (secrets.json is re-read while serving).
      secretsIn: (text) => this.bridge.vault.valuesIn(text),
    });
    const { remote, branch, pullIntervalSeconds } = this.config.library;
    if (remote) {
      this.remote = new RemoteSync(this.store, { remote, branch, pullIntervalSeconds }, this.log);
      // A serving process pulls at start and then periodically; a CLI command syncs only when asked
      // (`toolsmith sync` reports what its own sync pulled and pushed).
      if (this.options.backgroundSync !== false) {
        this.remote.startPeriodic();
        void this.remote.sync();
      }
    }
    await sandboxStarted;
    this.modules = new CompositeModuleSource([this.store, new UpstreamModules(this.hub)]);
    this.misuse = new CallerMisuse(this.store);
    await this.usageLoaded;
    const warm = await this.warm;
    syncIndexWithLibrary(this.index, this.store.list(), warm !== undefined);
    // Building the index anew dropped the upstream tools indexed meanwhile.
    if (!warm) for (const server of this.hub.names()) this.indexUpstream(server);
    this.snapshotHead = warm?.savedHead;
    this.started = true;
    // Saved in the background: the next start answers its first search from it.
    setImmediate(() => void this.saveSearchSnapshot());
    this.store.onChange((names) => {
      for (const name of names) {
        const record = this.store.get(name);
        if (record) this.index.upsert(integrationEntry(record));
        else this.index.remove(name);
      }
    });
  }

  /** Replaces the search entries of one upstream server with its current tools. */
  private indexUpstream(server: string): void {
    this.index.removeWhere((entry) => entry.kind === "mcp-tool" && entry.result.server === server);
    const tools = this.hub.tools(server) ?? [];
    for (const result of upstreamToolResults(server, tools)) this.index.upsert(upstreamEntry(result));
  }

  /** Waits for the first connection attempt of every upstream (for tests and the CLI). */
  async upstreamsSettled(): Promise<void> {
    await this.configured;
    await this.hub.settled();
  }

  async run(code: string, options: RunOptions = {}): Promise<RunReport> {
    if (this.closing) return shuttingDown();
    return this.track(this.runNow(code, options));
  }

  private async runNow(code: string, options: RunOptions): Promise<RunReport> {
    await this.current();
    await this.refreshSecrets();
    const run = this.bridge.forRun({ signal: options.signal, onProgress: options.onProgress });
    // `library.remove` / `library.rename` from the toolsmith module act on this library; the rest goes to the bridge.
    const onHostCall = libraryHostCalls(this, run.onHostCall);
    const { report, modules } = await this.sandbox.runWithModules({
      code,
      timeoutMs: options.timeoutMs,
      modules: this.modules,
      signal: options.signal,
      hostFunctions: [...run.hostFunctions, ...LIBRARY_HOST_FUNCTIONS],
      onHostCall,
      secretNames: run.secretNames,
      secretNonce: run.secretNonce,
      client: options.client,
      onLogs: options.onLog ? (entries) => entries.forEach((e) => options.onLog!({ ...e, text: this.bridge.vault.redact(e.text) })) : undefined,
    });
    // Usage figures (shown by search, kept in state/usage.json) record what the model sees: the redacted report.
    const redacted = redactDeep(report, this.bridge.vault);
    // A failure inside an integration called with arguments its types refuse is the caller's.
    const misuse = !redacted.ok && blame(redacted.error.stack) !== undefined ? this.misuse.check(code) : [];
    if (!redacted.ok && misuse.length) redacted.error.diagnostics = misuse.map(({ line, column, message, code: tsCode }) => ({ line, column, message, code: tsCode }));
    this.usage.record({ modules, direct: directImports(code), ok: redacted.ok, error: redacted.ok ? undefined : redacted.error, durationMs: redacted.durationMs, callerMisuse: misuse.length > 0 });
    return redacted;
  }

  search(options: SearchOptions = {}): Promise<SearchResponse> {
    return this.track(this.searchNow(options));
  }

  private async searchNow(options: SearchOptions): Promise<SearchResponse> {
    // Until the library has loaded, a warm start's index answers (see search-snapshot.ts).
    // detail "full" shows the code, which the snapshot leaves out: it waits for the library.
    const warm = this.started || options.detail === "full" ? undefined : await Promise.race([this.ready.then(() => undefined), this.warm]);
    let library: SearchDeps["library"];
    if (warm && !this.started) {
      await this.configured;
      library = {
        declarationsFor: (name) => warm.records.get(name)?.declarations,
        history: async (name, max) => {
          await this.ready;
          return this.store.history(name, max);
        },
      };
    } else {
      await this.current();
      library = this.store;
    }
    return searchLibrary(
      {
        index: this.index,
        library,
        usage: this.usage,
        hub: this.hub,
        configuredSecrets: async () => {
          await this.refreshSecrets();
          return new Set(this.bridge.vault.names());
        },
        redact: (value) => redactDeep(value, this.bridge.vault),
        remote: () => this.remote?.status(),
        waitForUpstreamsUntil: this.upstreamsStartedAt + this.config.limits.upstreamStartWaitMs,
      },
      options,
    );
  }

  async save(request: SaveRequest): Promise<SaveOutcome> {
    if (this.closing) return { ok: false, phase: "commit", error: shuttingDown().error };
    return this.track(this.saveNow(request));
  }

  private async saveNow(request: SaveRequest): Promise<SaveOutcome> {
    await this.current();
    await this.refreshSecrets();
    const outcome = await saveIntegration(this.saveDeps(), request);
    if (outcome.ok) this.remote?.pushSoon();
    return outcome;
  }

  /** Saves the search snapshot when the library moved since the last one (never fails); writes one at a time. */
  private saveSearchSnapshot(): Promise<void> {
    this.snapshotWriting = this.snapshotWriting.then(async () => {
      const head = this.store?.viewHead;
      if (!this.started || !head || head === this.snapshotHead) return;
      this.snapshotHead = head;
      await writeSnapshot(this.index, this.paths.state, head);
    });
    return this.snapshotWriting;
  }

  /** Pulls others' changes and pushes ours (with `library.remote` set). */
  async sync(): Promise<SyncReport | undefined> {
    await this.ready;
    return this.remote?.sync();
  }

  remoteStatus(): RemoteStatus | undefined {
    return this.remote?.status();
  }

  async get(name: string): Promise<Integration | undefined> {
    await this.current();
    return this.store.get(name);
  }

  async integrations(): Promise<Integration[]> {
    await this.current();
    return this.store.list();
  }

  /**
   * The changes to one integration's files between two versions: by default from its
   * previous version to its current one; with only `from`, from there to the current.
   */
  async diff(name: string, from?: string, to?: string): Promise<string> {
    await this.current();
    if (!isIntegrationName(name)) throw new UserError(`'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
    const versions = await this.store.history(name);
    if (versions.length === 0) throw new UserError(`No integration named '${name}' in the library. 'toolsmith search' lists them.`);
    const resolve = async (v: string) => {
      const sha = await this.store.repo.resolveCommit(v);
      if (!sha) throw new UserError(`'${v}' is not a version of this library. 'toolsmith log ${name}' lists its versions.`);
      return sha;
    };
    const toSha = to ? await resolve(to) : versions[0]!.sha;
    let fromSha: string;
    if (from) fromSha = await resolve(from);
    else if (versions[1]) fromSha = versions[1].sha;
    else throw new UserError(`'${name}' has only one version (${versions[0]!.sha.slice(0, 12)}); there is nothing to compare it with.`);
    return this.store.diff(name, fromSha, toSha);
  }

  async history(name?: string, maxCount?: number): Promise<CommitInfo[]> {
    await this.current();
    return this.store.history(name, maxCount);
  }

  /** Restores `name` to how it was at `version`, as a new commit; its dependents are re-tested. */
  async revert(name: string, version: string): Promise<{ version: string; restoredFrom: string; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit(() => revertIntegration(this.saveDeps(), name, version));
    return done;
  }

  /** Deletes `name` (as a new commit); refused while others import it, unless forced. */
  async remove(name: string, options: EditOptions = {}): Promise<{ version: string; removed: string; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit(() => removeIntegration(this.saveDeps(), name, options));
    return done;
  }

  /** Moves `from` to `to` (one commit; git follows the file); refused while others import it, unless forced. */
  async rename(from: string, to: string, options: EditOptions = {}): Promise<{ version: string; from: string; to: string; verified: boolean; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit(() => renameIntegration(this.saveDeps(), from, to, options));
    return done;
  }

  /** Runs a library edit; a refusal becomes a UserError (its message says what to do). */
  private async edit<T>(work: () => Promise<EditOutcome<T>>): Promise<Extract<EditOutcome<T>, { ok: true }>> {
    if (this.closing) throw new UserError(shuttingDown().error.message);
    const outcome = await this.track((async () => {
      await this.current();
      await this.refreshSecrets();
      return work().catch(asUserError("The library refused the change"));
    })());
    if (!outcome.ok) throw new UserError(outcome.error.message);
    this.remote?.pushSoon();
    return outcome;
  }

  private saveDeps() {
    return { store: this.store, sandbox: this.sandbox, bridge: this.bridge, modules: this.modules, maxCodeChars: this.config.limits.maxCodeChars, checkHosts: validHostPatterns };
  }

  /** Ready, and the library as HEAD has it now (another process may have committed). */
  private async current(): Promise<void> {
    await this.ready;
    await this.store.refresh();
  }

  /**
   * Stops taking work, lets running work finish for up to `graceMs`, waits for any
   * commit in progress (the library is never left mid-save), then stops the sandbox.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.store?.repo.serialize(async () => undefined);
    await this.close();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work
      .finally(() => {
        this.inflight.delete(work);
        this.collector?.callEnded();
      })
      .catch(() => undefined);
    return work;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.remote?.stop();
    await this.remote?.idle();
    await this.hub?.close();
    if (this.started) await this.usage.flush();
    await this.saveSearchSnapshot();
    await this.store?.recovery.unregister(this.pid);
    if (!this.sandbox) return;
    await this.sandbox?.close();
  }
}

/** A mistake by whoever called (bad name, unknown version): the message says how to fix it. */
export class UserError extends Error {
  override name = "UserError";
}

/** The library's refusals (a link, a secret value, a refused version) become UserErrors: their messages say what to change. */
function asUserError(prefix: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof NotRegularFileError || error instanceof SecretInLibraryError || error instanceof RefusedHistoryError) throw new UserError(`${prefix}: ${error.message}`);
    throw error;
  };
}

/** Why a save's `hosts` is not a list of network.allow patterns (the policy's own check), or undefined. */
function validHostPatterns(hosts: string[]): string | undefined {
  try {
    NetworkPolicy.validate(hosts);
    return undefined;
  } catch (error) {
    return `${(error as Error).message} Use host patterns as in network.allow, e.g. "api.github.com", "*.example.com", "localhost:8080".`;
  }
}

function shuttingDown(): Extract<RunReport, { ok: false }> {
  return { ok: false, error: { name: "ShuttingDownError", message: "toolsmith is shutting down and takes no new work. Retry once it is back." }, logs: [], durationMs: 0 };
}

import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "./limits-shared.js";
import { homePaths, type HomePaths } from "./config/home.js";
import type { Config } from "./config/schema.js";
import type { CommitInfo } from "./library/git-repo.js";
import type { Integration, LibraryStore } from "./library/library-store.js";
import { isIntegrationName, INTEGRATION_NAME_HINT } from "./library/names.js";
import { openLibrary } from "./library/open-library.js";
import { saveIntegration, type SaveOutcome, type SaveRequest } from "./library/save-integration.js";
import { SearchIndex, type Searchable } from "./library/search-index.js";
import { integrationResult, type IntegrationResult } from "./library/search-results.js";
import { CompositeModuleSource, Sandbox, type ModuleSource, type RunReport } from "./sandbox/sandbox.js";
import type { LogEntry } from "./sandbox/protocol.js";
import type { UpstreamHub } from "./bridge/upstream/upstream-hub.js";
import { MCP_PREFIX, UpstreamModules } from "./bridge/upstream/upstream-modules.js";
import { summarizeToolResult, upstreamToolResults, type McpToolResult } from "./bridge/upstream/upstream-results.js";
import type { HostBridge } from "./bridge/host-bridge.js";
import { HomeSettings } from "./home-settings.js";
import { redactDeep } from "./bridge/secrets/redact-deep.js";
import { UsageStats } from "./library/usage-stats.js";
import { RemoteSync, type RemoteStatus, type SyncReport } from "./library/remote-sync.js";
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

export interface SearchOptions {
  query?: string;
  limit?: number;
  detail?: "summary" | "full";
}

export interface SearchResponse {
  total: number;
  results: Array<IntegrationResult | McpToolResult>;
  /** The shared library remote, shown only when a push is pending or the last sync failed. */
  remote?: RemoteStatus;
  /** Upstream MCP servers that cannot be used right now, and why. */
  unavailable?: Array<{ server: string; reason: string }>;
  hint?: string;
}

type IndexedEntry = Searchable & ({ kind: "integration"; record: Integration } | { kind: "mcp-tool"; result: McpToolResult });

export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "./limits-shared.js";
/** Versions listed per integration with detail "full". */
const HISTORY_IN_FULL_RESULTS = 5;
/** Most characters of a query quoted back in a hint; the model has the rest in its own context. */
const QUERY_ECHO_MAX_CHARS = 60;

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
  private usage!: UsageStats;
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
    this.hub.start();
    this.hub.onChange((server) => this.indexUpstream(server));
    this.sandbox = new Sandbox(this.config.limits, this.options.poolSize, this.config.sandbox);
    const sandboxStarted = this.sandbox.start();
    this.store = await openLibrary({
      root: this.paths.library,
      stateDir: this.paths.state,
      sandbox: this.sandbox,
      branch: this.config.library.branch,
      log: this.log,
      pid: this.pid,
      remote: this.config.library.remote,
    });
    const { remote, branch, pullIntervalSeconds } = this.config.library;
    if (remote) {
      this.remote = new RemoteSync(this.store, { remote, branch, pullIntervalSeconds }, this.log);
      this.remote.startPeriodic();
      void this.remote.sync();
    }
    await sandboxStarted;
    this.modules = new CompositeModuleSource([this.store, new UpstreamModules(this.hub)]);
    this.usage = new UsageStats(this.paths.state);
    await this.usage.load();
    for (const record of this.store.list()) this.index.upsert(indexed(record));
    this.store.onChange((names) => {
      for (const name of names) {
        const record = this.store.get(name);
        if (record) this.index.upsert(indexed(record));
        else this.index.remove(name);
      }
    });
  }

  /** Replaces the search entries of one upstream server with its current tools. */
  private indexUpstream(server: string): void {
    this.index.removeWhere((entry) => entry.kind === "mcp-tool" && entry.result.server === server);
    const tools = this.hub.tools(server) ?? [];
    for (const result of upstreamToolResults(server, tools)) {
      this.index.upsert({ id: `${MCP_PREFIX}${result.name}`, name: result.name, description: result.description, tags: [result.server], signature: result.signature, kind: "mcp-tool", result });
    }
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
    await this.ready;
    await this.refreshSecrets();
    const run = this.bridge.forRun({ signal: options.signal, onProgress: options.onProgress });
    const { report, modules } = await this.sandbox.runWithModules({
      code,
      timeoutMs: options.timeoutMs,
      modules: this.modules,
      signal: options.signal,
      hostFunctions: run.hostFunctions,
      onHostCall: run.onHostCall,
      secretNames: run.secretNames,
      secretNonce: run.secretNonce,
      client: options.client,
      onLogs: options.onLog ? (entries) => entries.forEach((e) => options.onLog!({ ...e, text: this.bridge.vault.redact(e.text) })) : undefined,
    });
    this.usage.record({ modules, ok: report.ok, error: report.ok ? undefined : report.error, durationMs: report.durationMs });
    return redactDeep(report, this.bridge.vault);
  }

  /** The last few versions of an integration, newest first. */
  private async recentVersions(name: string): Promise<Array<{ version: string; date: string; message: string }>> {
    return (await this.store.history(name, HISTORY_IN_FULL_RESULTS)).map((c) => ({ version: c.sha, date: c.date, message: c.message }));
  }

  search(options: SearchOptions = {}): Promise<SearchResponse> {
    return this.track(this.searchNow(options));
  }

  private async searchNow(options: SearchOptions): Promise<SearchResponse> {
    await this.ready;
    // The tool's schema refuses such a query first; this keeps every other caller (the CLI) as cheap.
    if (options.query && options.query.length > MAX_SEARCH_QUERY_CHARS) {
      return {
        total: 0,
        results: [],
        hint: `The query has ${options.query.length} characters; search takes at most ${MAX_SEARCH_QUERY_CHARS}. Search with a few words naming the service or the task (e.g. "github issues"), or an empty query to list everything.`,
      };
    }
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_SEARCH_LIMIT), MAX_SEARCH_LIMIT);
    const { total, hits } = this.index.search(options.query, limit);
    await this.refreshSecrets();
    const configured = new Set(this.bridge.vault.names());
    const response: SearchResponse = {
      total,
      results: await Promise.all(hits.map(async (h) => {
        if (h.kind === "integration") {
          const full = options.detail === "full";
          return integrationResult(h.record, full, {
            query: options.query,
            configuredSecrets: configured,
            usage: this.usage.get(h.record.name),
            history: full ? await this.recentVersions(h.record.name) : undefined,
          });
        }
        const state = this.hub.state(h.result.server);
        const shown = options.detail === "full" ? h.result : summarizeToolResult(h.result);
        return state?.status === "unavailable" ? { ...shown, unavailable: state.reason } : shown;
      })),
    };
    const unavailable = this.hub.unavailable();
    if (unavailable.length) response.unavailable = unavailable;
    const remote = this.remote?.status();
    if (remote && (remote.pendingPush || remote.lastError)) response.remote = remote;
    if (total === 0) {
      response.hint = options.query?.trim()
        ? `Nothing matches ${quoteQuery(options.query)}. Try other words, an empty query to list everything, or write the code with run_code and save it with save_integration.`
        : "The library is empty. Write code with run_code and save what works with save_integration.";
    }
    return response;
  }

  async save(request: SaveRequest): Promise<SaveOutcome> {
    if (this.closing) return { ok: false, phase: "commit", error: shuttingDown().error };
    return this.track(this.saveNow(request));
  }

  private async saveNow(request: SaveRequest): Promise<SaveOutcome> {
    await this.ready;
    await this.refreshSecrets();
    const outcome = await saveIntegration({ store: this.store, sandbox: this.sandbox, bridge: this.bridge, modules: this.modules }, request);
    if (outcome.ok) this.remote?.pushSoon();
    return outcome;
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
    await this.ready;
    return this.store.get(name);
  }

  async integrations(): Promise<Integration[]> {
    await this.ready;
    return this.store.list();
  }

  /**
   * The changes to one integration's files between two versions: by default from its
   * previous version to its current one; with only `from`, from there to the current.
   */
  async diff(name: string, from?: string, to?: string): Promise<string> {
    await this.ready;
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
    await this.ready;
    return this.store.history(name, maxCount);
  }

  /** Restores `name` to how it was at `version`, as a new commit. */
  async revert(name: string, version: string): Promise<{ version: string; restoredFrom: string }> {
    await this.ready;
    if (!isIntegrationName(name)) throw new UserError(`'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
    const commit = await this.store.repo.resolveCommit(version);
    if (!commit) throw new UserError(`'${version}' is not a version of this library. 'toolsmith log ${name}' lists the versions.`);
    const files = await this.store.filesAt(name, commit);
    if (!files) throw new UserError(`'${name}' did not exist at ${commit.slice(0, 12)}. 'toolsmith log ${name}' lists its versions.`);
    const current = this.store.get(name);
    if (current && current.code === files.code && current.test === files.test && JSON.stringify(current.meta) === JSON.stringify(files.meta)) {
      throw new UserError(`'${name}' is already identical to ${commit.slice(0, 12)}; nothing to revert.`);
    }
    const sha = await this.store.commit([files], `Revert ${name} to ${commit.slice(0, 12)}`);
    this.remote?.pushSoon();
    return { version: sha, restoredFrom: commit };
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
    await this.hub?.close();
    await this.usage?.flush();
    await this.store?.recovery.unregister(this.pid);
    if (!this.sandbox) return;
    await this.sandbox?.close();
  }
}

/** A mistake by whoever called (bad name, unknown version): the message says how to fix it. */
export class UserError extends Error {
  override name = "UserError";
}

function shuttingDown(): Extract<RunReport, { ok: false }> {
  return { ok: false, error: { name: "ShuttingDownError", message: "toolsmith is shutting down and takes no new work. Retry once it is back." }, logs: [], durationMs: 0 };
}

/** The query as a hint quotes it: whole when short, else its start (never pages of it). */
function quoteQuery(query: string): string {
  const trimmed = query.trim();
  return trimmed.length <= QUERY_ECHO_MAX_CHARS ? `'${trimmed}'` : `'${trimmed.slice(0, QUERY_ECHO_MAX_CHARS).trimEnd()}…' (${trimmed.length} characters)`;
}

function indexed(record: Integration): IndexedEntry {
  return {
    kind: "integration",
    id: record.name,
    name: record.name,
    description: record.meta.description,
    tags: record.meta.tags,
    signature: record.signature,
    updatedAt: record.updatedAt,
    record,
  };
}

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
import { CompositeModuleSource, Sandbox, type ModuleSource, type RunReport, type RunWithModules } from "./sandbox/sandbox.js";
export type { RunReport };
import type { LogEntry } from "./sandbox/protocol.js";
import type { UpstreamHub } from "./bridge/upstream/upstream-hub.js";
import { UpstreamModules } from "./bridge/upstream/upstream-modules.js";
import { upstreamToolResults } from "./bridge/upstream/upstream-results.js";
import type { HostBridge } from "./bridge/host-bridge.js";
import { newRunId, type Asker } from "./bridge/approvals/approval-gate.js";
import { HomeSettings } from "./home-settings.js";
import { redactDeep } from "./util/redact-deep.js";
import { NetworkPolicy } from "./bridge/network/network-policy.js";
import { directImports, UsageStats } from "./library/usage-stats.js";
import { compileDrafts } from "./library/draft-modules.js";
import { RunDiagnostics } from "./library/run-diagnostics.js";
import { VerificationRecords } from "./library/verification-records.js";
import { verifyForSelfCheck, verifyIntegration, VerifyRefusedError, type VerifyOutcome } from "./library/verify-integration.js";
import { COMPILER_WARMUP_DELAY_MS, warmUpCompiler } from "./library/type-program.js";
import { IdleTasks } from "./util/idle-tasks.js";
import { upstreamDeclarations } from "./bridge/upstream/upstream-declarations.js";
import { RemoteSync, type RemoteStatus, type SyncReport } from "./library/remote-sync.js";
import { removeIntegration, renameIntegration, revertIntegration, type EditOptions, type EditOutcome } from "./library/library-edits.js";
import type { DependentResult } from "./library/dependents.js";
import { LIBRARY_HOST_FUNCTIONS, libraryHostCalls } from "./library/library-host-calls.js";
import { PeriodicCollector } from "./util/periodic-collector.js";
import { Telemetry } from "./telemetry/telemetry.js";
import type { RunFilter } from "./telemetry/run-log.js";
import type { RunRecord, RunTrigger } from "./telemetry/run-record.js";
import type { RunSpans } from "./telemetry/run-trace.js";
import { setUpPackages } from "./packages/packages-setup.js";
import type { PackageModules } from "./packages/package-modules.js";
import type { NpmConfigSources } from "./packages/npm-config.js";
import { nameFromSpecifier } from "./library/names.js";
import { AlwaysOn } from "./always-on/always-on.js";
import { ALWAYS_ON_HOST_FUNCTIONS, alwaysOnHostCalls } from "./always-on/always-on-host-calls.js";
import { RUN_INPUT_HOST_FUNCTION, runInputHostCall } from "./always-on/export-run.js";
import { LIBRARY_PREFIX } from "./library/names.js";

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
  /** Where the default package registry is read from (the CLI passes its environment and home); without it, npm's default. */
  npmConfig?: NpmConfigSources;
  /** Load the type checker in the background after start, so a failed run's diagnostics are fast (default true; one-shot CLI commands skip it). */
  warmTypeChecker?: boolean;
  /** Load the TypeScript compiler in the background after start (serving processes), so a first save does not wait for it; default false. */
  warmCompiler?: boolean;
  /** Fire schedules from schedules.json (serving processes; still only with config schedules.enabled). Default false. */
  fireSchedules?: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, progress?: number, total?: number) => void;
  /** Console lines while the run goes on (sent as progress when the client asked for it). */
  onLog?: (entry: LogEntry) => void;
  /** Who asked (an MCP session or connection), for fair scheduling. */
  client?: string;
  /** Puts approval questions to a person (MCP elicitation); without one, calls that need approval are refused. */
  asker?: Asker;
  /** What started the run (default: a tool call); recorded on its trace. */
  trigger?: RunTrigger;
  /** The caller's W3C trace context (an MCP request's `_meta.traceparent`): the run's trace continues it. */
  traceparent?: string;
  /** Drafts `{ "library/<name>": code }` shadowing saved integrations for this run (checked by compileDrafts). */
  modules?: unknown;
  /** A schedule's or hook's arguments, answered to the `run.input` host call (see always-on/export-run.ts). */
  input?: unknown;
  /** The integration a schedule or hook runs: charged with failures no stack frame blames on another. */
  owner?: string;
}

export type { SearchOptions, SearchResponse } from "./search/search-service.js";
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "./limits-shared.js";
/** How long after start the type checker is warmed (after the first requests a client sends on connecting). */
const COMPILER_WARM_DELAY_MS = 500;
/** TypeScript is loaded in the background only after this long without a call in flight (see util/idle-tasks.ts)... */
const WARM_QUIET_MS = 1_000;
/** ...or this long after start, however busy the server is. */
const WARM_MAX_DELAY_MS = 60_000;

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
  private diagnostics!: RunDiagnostics;
  private verifications!: VerificationRecords;
  private remote: RemoteSync | undefined;
  private closing = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly collector: PeriodicCollector | undefined;
  private modules!: ModuleSource;
  private telemetry!: Telemetry;
  private packages!: PackageModules;
  private readonly warmUps = new IdleTasks(() => this.inflight.size > 0, WARM_QUIET_MS, WARM_MAX_DELAY_MS);
  private always!: AlwaysOn;

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

  /** How long an approval question waits for a person (approvals.timeoutSeconds). */
  approvalTimeoutSeconds(): number {
    return this.config.approvals.timeoutSeconds;
  }

  /** The HTTP server's settings from config.json (call after whenConfigured()). */
  httpSettings(): Config["http"] {
    return this.config.http;
  }

  /** Webhook settings from config.json (call after whenConfigured()). */
  hookSettings(): Config["hooks"] {
    return this.config.hooks;
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
    this.telemetry = new Telemetry(this.config.telemetry, this.paths.state, this.pid, this.log);
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
    const packages = setUpPackages(this.config, this.paths.state, this.options.npmConfig ?? { env: {} }, this.store, (specifier) => this.store.get(nameFromSpecifier(specifier) ?? "")?.meta.packages);
    this.packages = packages.modules;
    this.modules = new CompositeModuleSource([packages.pinnedLibrary, packages.modules, new UpstreamModules(this.hub)]);
    this.diagnostics = new RunDiagnostics(this.store, (server) => {
      const tools = this.hub.tools(server);
      return tools ? upstreamDeclarations(tools) : undefined;
    });
    this.verifications = new VerificationRecords(this.paths.state);
    await Promise.all([this.usageLoaded, this.verifications.refresh()]);
    // A failed run's diagnostics need the checker warm: its thread loads it once the home is serving, not on that run.
    if (this.options.warmTypeChecker !== false) {
      this.warmUps.schedule(COMPILER_WARM_DELAY_MS, () => {
        if (!this.closing) this.diagnostics.warm();
      });
    }
    const warm = await this.warm;
    syncIndexWithLibrary(this.index, this.store.list(), warm !== undefined);
    // Building the index anew dropped the upstream tools indexed meanwhile.
    if (!warm) for (const server of this.hub.names()) this.indexUpstream(server);
    this.snapshotHead = warm?.savedHead;
    this.started = true;
    // Saved in the background: the next start answers its first search from it.
    setImmediate(() => void this.saveSearchSnapshot());
    this.always = new AlwaysOn({
      paths: this.paths,
      settings: this.config.schedules,
      pid: this.pid,
      log: this.log,
      runner: { runCode: (code, { input, owner, trigger }) => this.runDetailed(code, { input, owner, trigger }), versionOf: (name) => this.store.get(name)?.version },
      exportsOf: (name) => this.exportsOf(name),
      selfCheck: { names: async () => (await this.integrations()).map((i) => i.name), verify: (name) => verifyForSelfCheck({ ...this.saveDeps(), records: this.verifications }, name) },
    });
    if (this.options.fireSchedules) this.always.start();
    this.store.onChange((names) => {
      for (const name of names) {
        const record = this.store.get(name);
        if (record) this.index.upsert(integrationEntry(record));
        else this.index.remove(name);
      }
    });
    // Saves type-check with TypeScript: a server loads it in the background, not on the first save's path.
    if (this.options.warmCompiler) {
      this.warmUps.schedule(COMPILER_WARMUP_DELAY_MS, () => void warmUpCompiler());
    }
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
    return (await this.runDetailed(code, options)).report;
  }

  /** run() with the modules the run loaded (schedules and hooks record their versions). */
  async runDetailed(code: string, options: RunOptions = {}): Promise<RunWithModules> {
    if (this.closing) return { report: shuttingDown(), modules: [] };
    return this.track(this.runNow(code, options));
  }

  /** Schedules and webhooks of this home (ready once the library is). */
  async alwaysOn(): Promise<AlwaysOn> {
    await this.ready;
    return this.always;
  }

  /** The names an integration exports, or undefined when there is no such integration. */
  private exportsOf(name: string): string[] | undefined {
    if (!this.store.get(name)) return undefined;
    const compiled = this.store.resolve(`${LIBRARY_PREFIX}${name}`);
    return compiled?.ok ? compiled.module.exports : [];
  }

  private async runNow(code: string, options: RunOptions): Promise<RunWithModules> {
    await this.configured;
    // Every run is traced here, whatever started it (see telemetry/telemetry.ts).
    const redact = (text: string) => this.bridge.vault.redact(text);
    let loaded: string[] = [];
    const report = await this.telemetry.traceRun(
      { trigger: options.trigger, traceparent: options.traceparent, redact },
      async (trace) => {
        const outcome = await this.runTraced(code, options, trace);
        loaded = outcome.modules;
        return outcome;
      },
      (name) => this.store.get(name)?.version,
    );
    return { report, modules: loaded };
  }

  private async runTraced(code: string, options: RunOptions, trace: RunSpans): Promise<RunWithModules> {
    await this.current();
    await this.refreshSecrets();
    const drafted = await compileDrafts(options.modules, (source, filename) => this.sandbox.compile(source, filename), this.config.limits.maxCodeChars);
    if (!drafted.ok) return { report: { ok: false, error: drafted.error, logs: [], durationMs: 0 }, modules: [] };
    const run = this.bridge.forRun({ signal: options.signal, onProgress: options.onProgress, asker: options.asker, runId: newRunId(), trace, declaredHosts: (name) => this.store.get(name)?.meta.hosts });
    // `library.remove` / `library.rename` from the toolsmith module act on this library; the rest goes to the bridge.
    // `schedules` / `hooks` act on this home; `run.input` answers a schedule's or hook's arguments.
    const input = options.input === undefined ? undefined : runInputHostCall(options.input);
    const onHostCall = alwaysOnHostCalls(() => this.alwaysOn(), libraryHostCalls(this, input ? input(run.onHostCall) : run.onHostCall));
    const { report, modules } = await this.sandbox.runWithModules({
      code,
      timeoutMs: options.timeoutMs,
      modules: this.modules,
      drafts: drafted.drafts,
      signal: options.signal,
      hostFunctions: [...run.hostFunctions, ...LIBRARY_HOST_FUNCTIONS, ...ALWAYS_ON_HOST_FUNCTIONS, ...(input ? [RUN_INPUT_HOST_FUNCTION] : [])],
      onHostCall,
      secretNames: run.secretNames,
      secretNonce: run.secretNonce,
      client: options.client,
      attributeCallers: run.attributeCallers,
      onLogs: options.onLog ? (entries) => entries.forEach((e) => options.onLog!({ ...e, text: this.bridge.vault.redact(e.text) })) : undefined,
    });
    // A failed run carries the type errors of its code; a successful one pays nothing.
    const { callerMisuse } = await this.diagnostics.annotate(report, code, drafted.sources);
    // Usage figures (shown by search, kept in state/usage.json) record what the model sees: the redacted report.
    const redacted = redactDeep(report, this.bridge.vault);
    // A draft is not the saved integration: its runs are not that integration's usage.
    const used = modules.filter((m) => !drafted.drafts.has(m));
    this.usage.record({ modules: used, direct: directImports(code), ok: redacted.ok, error: redacted.ok ? undefined : redacted.error, durationMs: redacted.durationMs, callerMisuse, owner: options.owner });
    return { report: redacted, modules: used };
  }

  /** The last runs of this home (every process's), newest first, with their spans. */
  async runs(filter?: RunFilter): Promise<RunRecord[]> {
    await this.configured;
    return this.telemetry.recent(filter);
  }

  search(options: SearchOptions = {}): Promise<SearchResponse> {
    return this.track(this.searchNow(options));
  }

  private async searchNow(options: SearchOptions): Promise<SearchResponse> {
    // Until the library has loaded, a warm start's index answers (see search-snapshot.ts).
    // detail "full" shows the code, which the snapshot leaves out: it waits for the library.
    const warm = this.started || options.detail === "full" ? undefined : await Promise.race([this.ready.then(() => undefined), this.warm]);
    // Another process may have verified something since the last search.
    if (this.started) await this.verifications.refresh();
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
        lastVerification: (name, version) => this.verifications?.get(name, version),
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

  /**
   * Re-runs the saved test of `name` and of its dependents against the library and the
   * services as they are now, and records each outcome (search shows `lastVerification`).
   */
  async verify(name: string): Promise<VerifyOutcome> {
    if (this.closing) throw new UserError(shuttingDown().error.message);
    return this.track((async () => {
      await this.current();
      await this.refreshSecrets();
      try {
        return await verifyIntegration({ ...this.saveDeps(), records: this.verifications }, name);
      } catch (error) {
        if (error instanceof VerifyRefusedError) throw new UserError(error.message);
        throw error;
      }
    })());
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
    return {
      store: this.store,
      sandbox: this.sandbox,
      bridge: this.bridge,
      modules: this.modules,
      maxCodeChars: this.config.limits.maxCodeChars,
      checkHosts: validHostPatterns,
      pinPackages: (specifiers: Iterable<string>) => this.packages.pinsFor(specifiers),
      upstreamDeclarations: (server: string) => {
        const tools = this.hub.tools(server);
        return tools ? upstreamDeclarations(tools) : undefined;
      },
    };
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
    // No new firings; the runs already going are in `inflight` below.
    void this.always?.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.store?.repo.serialize(async () => undefined);
    await this.close();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    this.warmUps.touch();
    void work
      .finally(() => {
        this.inflight.delete(work);
        this.warmUps.touch();
        this.collector?.callEnded();
      })
      .catch(() => undefined);
    return work;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.warmUps.cancel();
    await this.always?.stop();
    this.remote?.stop();
    await this.remote?.idle();
    await this.hub?.close();
    if (this.started) await this.usage.flush();
    await this.saveSearchSnapshot();
    await this.telemetry?.close();
    await this.diagnostics?.close();
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

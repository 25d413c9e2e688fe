import { homePaths, type HomePaths } from "./config/home.js";
import type { Config } from "./config/schema.js";
import type { CommitInfo } from "./library/git-repo.js";
import type { Integration } from "./library/library-store.js";
import { diffVersions } from "./library/version-diff.js";
import { asUserError } from "./library/library-refusals.js";
import { saveIntegration, type SaveOutcome, type SaveRequest } from "./library/save-integration.js";
import { verifyIntegration, VerifyRefusedError, type VerifyOutcome } from "./library/verify-integration.js";
import type { RemoteStatus, SyncReport } from "./library/remote-sync.js";
import { removeIntegration, renameIntegration, revertIntegration, type EditOptions, type EditOutcome } from "./library/library-edits.js";
import type { DependentResult } from "./library/dependents.js";
import type { SearchOptions, SearchResponse } from "./search/search-service.js";
import type { RunReport } from "./sandbox/sandbox.js";
import type { AlwaysOn } from "./always-on/always-on.js";
import type { RunFilter } from "./telemetry/run-log.js";
import type { RunRecord } from "./telemetry/run-record.js";
import { configureHome } from "./services/configure-home.js";
import { startServices } from "./services/start-services.js";
import { libraryDeps } from "./services/library-deps.js";
import { runCode, shuttingDown, type RunOptions } from "./services/run-code.js";
import { searchHome } from "./services/search-home.js";
import type { HomeServices, RunWithModules, Services, ToolsmithOptions } from "./services/services.js";
import { CloseStack } from "./util/close-stack.js";
import { WorkTracker } from "./util/work-tracker.js";
import { UserError } from "./util/user-error.js";

export { UserError };
export type { RunReport, RunOptions, ToolsmithOptions };
export type { SearchOptions, SearchResponse } from "./search/search-service.js";
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "./limits-shared.js";

/**
 * One toolsmith home: its config, sandbox, library and search index. The MCP server
 * and the CLI are thin layers over this. Opening starts the home in the background in
 * two steps (services/configure-home.ts, then services/start-services.ts); every
 * operation waits for the step it needs. Closing undoes the start in reverse order.
 */
export class Toolsmith {
  readonly paths: HomePaths;
  /** Config and secrets read: settings, the run log and snapshot searches work. */
  private readonly configured: Promise<HomeServices>;
  /** Everything started, the library loaded. */
  private readonly ready: Promise<Services>;
  /** The same, once there, for the synchronous accessors. */
  private home: HomeServices | undefined;
  private services: Services | undefined;
  private readonly closer = new CloseStack();
  private closing = false;
  private readonly work: WorkTracker;

  private constructor(options: ToolsmithOptions) {
    this.paths = homePaths(options.home);
    this.work = new WorkTracker(options.collectGarbageEvery);
    this.configured = configureHome(this.paths, options, this.closer).then((home) => (this.home = home));
    this.configured.catch(() => undefined);
    const calls = { runDetailed: (code: string, run: RunOptions) => this.runDetailed(code, run), integrations: () => this.integrations(), closing: () => this.closing, whenIdle: (delayMs: number, work: () => void) => this.work.idle.schedule(delayMs, work) };
    this.ready = this.configured.then((home) => startServices(home, options, calls, this.closer)).then((services) => (this.services = services));
    this.ready.catch(() => undefined);
  }

  /** Starts opening the home; `whenReady()` reports whether it worked. */
  static open(options: ToolsmithOptions): Toolsmith {
    return new Toolsmith(options);
  }

  async whenReady(): Promise<void> {
    await this.ready;
  }

  /** Resolves once config.json and secrets.json are read and valid (fast); the library may still be loading. */
  async whenConfigured(): Promise<void> {
    await this.configured;
  }

  /** How long an approval question waits for a person (approvals.timeoutSeconds). */
  approvalTimeoutSeconds(): number {
    return this.configuredNow().config.approvals.timeoutSeconds;
  }

  /** The HTTP server's settings from config.json (call after whenConfigured()). */
  httpSettings(): Config["http"] {
    return this.configuredNow().config.http;
  }

  /** Webhook settings from config.json (call after whenConfigured()). */
  hookSettings(): Config["hooks"] {
    return this.configuredNow().config.hooks;
  }

  /** Waits for the first connection attempt of every upstream (for tests and the CLI). */
  async upstreamsSettled(): Promise<void> {
    await (await this.configured).hub.settled();
  }

  async run(code: string, options: RunOptions = {}): Promise<RunReport> {
    return (await this.runDetailed(code, options)).report;
  }

  /** run() with the modules the run loaded (schedules and hooks record their versions). */
  async runDetailed(code: string, options: RunOptions = {}): Promise<RunWithModules> {
    if (this.closing) return { report: shuttingDown(), modules: [] };
    const calls = { editor: this, alwaysOn: () => this.alwaysOn() };
    return this.work.track(this.configured.then((home) => runCode(home, () => this.current(), code, options, calls)));
  }

  /** Schedules and webhooks of this home (ready once the library is). */
  async alwaysOn(): Promise<AlwaysOn> {
    return (await this.ready).always;
  }

  /** The last runs of this home (every process's), newest first, with their spans. */
  async runs(filter?: RunFilter): Promise<RunRecord[]> {
    return (await this.configured).telemetry.recent(filter);
  }

  search(options: SearchOptions = {}): Promise<SearchResponse> {
    return this.work.track(this.configured.then((home) => home.catalog.search(options, searchHome(home, this.ready, () => this.current(), () => this.services))));
  }

  async save(request: SaveRequest): Promise<SaveOutcome> {
    if (this.closing) return { ok: false, phase: "commit", error: shuttingDown().error };
    return this.work.track((async () => {
      const services = await this.currentWithSecrets();
      const outcome = await saveIntegration(libraryDeps(services), request);
      if (outcome.ok) services.remote?.pushSoon();
      return outcome;
    })());
  }

  /**
   * Re-runs the saved test of `name` and of its dependents against the library and the
   * services as they are now, and records each outcome (search shows `lastVerification`).
   */
  async verify(name: string): Promise<VerifyOutcome> {
    if (this.closing) throw new UserError(shuttingDown().error.message);
    return this.work.track((async () => {
      const services = await this.currentWithSecrets();
      return verifyIntegration({ ...libraryDeps(services), records: services.verifications }, name).catch((error) => {
        throw error instanceof VerifyRefusedError ? new UserError(error.message) : error;
      });
    })());
  }

  /** Pulls others' changes and pushes ours (with `library.remote` set). */
  async sync(): Promise<SyncReport | undefined> {
    return (await this.ready).remote?.sync();
  }

  remoteStatus(): RemoteStatus | undefined {
    return this.services?.remote?.status();
  }

  async get(name: string): Promise<Integration | undefined> {
    return (await this.current()).store.get(name);
  }

  async integrations(): Promise<Integration[]> {
    return (await this.current()).store.list();
  }

  /**
   * The changes to one integration's files between two versions: by default from its
   * previous version to its current one; with only `from`, from there to the current.
   */
  async diff(name: string, from?: string, to?: string): Promise<string> {
    return diffVersions((await this.current()).store, name, from, to);
  }

  async history(name?: string, maxCount?: number): Promise<CommitInfo[]> {
    return (await this.current()).store.history(name, maxCount);
  }

  /** Restores `name` to how it was at `version`, as a new commit; its dependents are re-tested. */
  async revert(name: string, version: string): Promise<{ version: string; restoredFrom: string; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit((services) => revertIntegration(libraryDeps(services), name, version));
    return done;
  }

  /** Deletes `name` (as a new commit); refused while others import it, unless forced. */
  async remove(name: string, options: EditOptions = {}): Promise<{ version: string; removed: string; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit((services) => removeIntegration(libraryDeps(services), name, options));
    return done;
  }

  /** Moves `from` to `to` (one commit; git follows the file); refused while others import it, unless forced. */
  async rename(from: string, to: string, options: EditOptions = {}): Promise<{ version: string; from: string; to: string; verified: boolean; dependents: DependentResult[] }> {
    const { ok: _ok, ...done } = await this.edit((services) => renameIntegration(libraryDeps(services), from, to, options));
    return done;
  }

  /** Runs a library edit; a refusal becomes a UserError (its message says what to do). */
  private async edit<T>(work: (services: Services) => Promise<EditOutcome<T>>): Promise<Extract<EditOutcome<T>, { ok: true }>> {
    if (this.closing) throw new UserError(shuttingDown().error.message);
    const { services, outcome } = await this.work.track((async () => {
      const services = await this.currentWithSecrets();
      return { services, outcome: await work(services).catch(asUserError("The library refused the change")) };
    })());
    if (!outcome.ok) throw new UserError(outcome.error.message);
    services.remote?.pushSoon();
    return outcome;
  }

  /** Ready, and the library as HEAD has it now (another process may have committed). */
  private async current(): Promise<Services> {
    const services = await this.ready;
    await services.store.refresh();
    return services;
  }

  /** current(), with secrets.json re-checked (at most once a second) for work that uses them. */
  private async currentWithSecrets(): Promise<Services> {
    const services = await this.current();
    await services.settings.bridge();
    return services;
  }

  private configuredNow(): HomeServices {
    if (!this.home) throw new Error("toolsmith's settings are read after whenConfigured() has resolved; await it first.");
    return this.home;
  }

  /**
   * Stops taking work, lets running work finish for up to `graceMs`, waits for any
   * commit in progress (the library is never left mid-save), then stops the sandbox.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    // No new firings; the runs already going are tracked work.
    void this.services?.always.stop();
    await this.work.settled(graceMs);
    await this.services?.store.repo.serialize(async () => undefined);
    await this.close();
  }

  /** Waits for the start to end (however it ended), then stops what it started, newest first. */
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    this.work.idle.cancel();
    await this.closer.close();
  }
}

import { AlwaysOn } from "../always-on/always-on.js";
import { upstreamDeclarations } from "../bridge/upstream/upstream-declarations.js";
import { UpstreamModules } from "../bridge/upstream/upstream-modules.js";
import { checkGit } from "../library/git-check.js";
import type { Integration, LibraryStore } from "../library/library-store.js";
import { LIBRARY_PREFIX, nameFromSpecifier } from "../library/names.js";
import { openLibrary } from "../library/open-library.js";
import { RemoteSync } from "../library/remote-sync.js";
import { RunDiagnostics } from "../library/run-diagnostics.js";
import { COMPILER_WARMUP_DELAY_MS, warmUpCompiler } from "../library/type-program.js";
import { verifyForSelfCheck } from "../library/verify-integration.js";
import { setUpPackages } from "../packages/packages-setup.js";
import { CompositeModuleSource, Sandbox } from "../sandbox/sandbox.js";
import type { RunWithModules } from "./services.js";
import type { CloseStack } from "../util/close-stack.js";
import { UserError } from "../util/user-error.js";
import { libraryDeps } from "./library-deps.js";
import type { RunOptions } from "./run-code.js";
import type { HomeServices, Services, ToolsmithOptions } from "./services.js";

/** Longest the sandbox's start waits for the first searches' replies (see SearchCatalog.warmSearchesAnswered). */
const FIRST_SEARCHES_WAIT_MS = 1_000;

/** How long after start the type checker is warmed (after the first requests a client sends on connecting). */
const TYPE_CHECKER_WARM_DELAY_MS = 500;

/** What the started home calls back into the facade: schedules, hooks and self-checks go through the same door as a tool call. */
export interface FacadeCalls {
  /** Toolsmith.runDetailed: tracked, and refused while shutting down. */
  runDetailed(code: string, options: RunOptions): Promise<RunWithModules>;
  /** The integrations as HEAD has them. */
  integrations(): Promise<Integration[]>;
  /** Whether the home is shutting down (background warm-ups are skipped then). */
  closing(): boolean;
  /** Runs `work` in the background once `delayMs` have passed and no call has been in flight for a moment (see IdleTasks). */
  whenIdle(delayMs: number, work: () => void): void;
}

/**
 * The second half of opening a home: the sandbox, the library (checked git, opened,
 * synced with its remote), packages, diagnostics, the search index following the
 * library, and schedules and hooks. Registers on `closer` how to stop each part as it
 * starts, so a start that fails midway is still closed in order.
 */
export async function startServices(home: HomeServices, options: ToolsmithOptions, calls: FacadeCalls, closer: CloseStack): Promise<Services> {
  const { paths, config, hub, catalog, log, pid } = home;
  // The saved search index first (before the sandbox's workers compete for the CPU): searches are answered from it while the library loads.
  await catalog.warm;
  // A search waiting for the snapshot goes first: starting the sandbox loads esbuild (whose
  // first call blocks this thread) and its workers (a few hundred ms).
  await new Promise((resolve) => setImmediate(resolve));
  // Before waiting for the first searches: they wait for upstream servers still connecting and list their tools.
  catalog.followUpstreams();
  await catalog.warmSearchesAnswered(FIRST_SEARCHES_WAIT_MS);
  const sandbox = new Sandbox(config.limits, options.poolSize, config.sandbox);
  closer.defer(() => sandbox.close());
  // Else its first run or compile starts it (see ToolsmithOptions.warmSandbox).
  const sandboxStarted = options.warmSandbox === false ? undefined : sandbox.start();
  const git = await checkGit();
  if (!git.ok) throw new UserError(git.message);
  const store = await openLibrary({
    root: paths.library,
    stateDir: paths.state,
    sandbox,
    branch: config.library.branch,
    log,
    pid,
    remote: config.library.remote,
    // The vault as it is at each commit (secrets.json is re-read while serving).
    secretsIn: (text) => home.settings.latestBridge().vault.valuesIn(text),
  });
  closer.defer(() => store.recovery.unregister(pid));
  const remote = startRemoteSync(home, store, options, closer);
  await sandboxStarted;
  const packages = setUpPackages(config, paths.state, options.npmConfig ?? { env: {} }, store, (specifier) => store.get(nameFromSpecifier(specifier) ?? "")?.meta.packages);
  const modules = new CompositeModuleSource([packages.pinnedLibrary, packages.modules, new UpstreamModules(hub)]);
  const diagnostics = new RunDiagnostics(store, (server) => {
    const tools = hub.tools(server);
    return tools ? upstreamDeclarations(tools) : undefined;
  });
  closer.defer(() => diagnostics.close());
  await Promise.all([home.usageLoaded, home.verifications.refresh()]);
  // A failed run's diagnostics need the checker warm: its thread loads it once the home is serving, not on that run.
  if (options.warmTypeChecker !== false) {
    calls.whenIdle(TYPE_CHECKER_WARM_DELAY_MS, () => {
      if (!calls.closing()) diagnostics.warm();
    });
  }
  await catalog.followLibrary(store);
  // Last writes of a started home: the search snapshot, after the usage figures.
  closer.defer(() => catalog.saveLastSnapshot());
  closer.defer(() => home.usage.flush());
  const built = { ...home, sandbox, store, remote, packages: packages.modules, modules, diagnostics };
  const always = new AlwaysOn({
    paths,
    settings: config.schedules,
    pid,
    log,
    runner: { runCode: (code, { input, owner, trigger }) => calls.runDetailed(code, { input, owner, trigger }), versionOf: (name) => store.get(name)?.version },
    exportsOf: (name) => exportsOf(store, name),
    selfCheck: { names: async () => (await calls.integrations()).map((i) => i.name), verify: (name) => verifyForSelfCheck({ ...libraryDeps(built), records: home.verifications }, name) },
  });
  closer.defer(() => always.stop());
  if (options.fireSchedules) always.start();
  // Saves type-check with TypeScript: a server loads it in the background, not on the first save's path.
  if (options.warmCompiler) {
    calls.whenIdle(COMPILER_WARMUP_DELAY_MS, () => {
      if (!calls.closing()) void warmUpCompiler();
    });
  }
  return { ...built, always };
}

/** Sync with `library.remote`, when set: a serving process pulls at start and then periodically. */
function startRemoteSync(home: HomeServices, store: LibraryStore, options: ToolsmithOptions, closer: CloseStack): RemoteSync | undefined {
  const { remote, branch, pullIntervalSeconds } = home.config.library;
  if (!remote) return undefined;
  const sync = new RemoteSync(store, { remote, branch, pullIntervalSeconds }, home.log);
  closer.defer(async () => {
    sync.stop();
    await sync.idle();
  });
  // A CLI command syncs only when asked (`toolsmith sync` reports what its own sync pulled and pushed).
  if (options.backgroundSync !== false) {
    sync.startPeriodic();
    void sync.sync();
  }
  return sync;
}

/** The names an integration exports, or undefined when there is no such integration. */
function exportsOf(store: LibraryStore, name: string): string[] | undefined {
  if (!store.get(name)) return undefined;
  const compiled = store.resolve(`${LIBRARY_PREFIX}${name}`);
  return compiled?.ok ? compiled.module.exports : [];
}

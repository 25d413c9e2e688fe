import type { HomePaths } from "../config/home.js";
import type { Config } from "../config/schema.js";
import type { UpstreamHub } from "../bridge/upstream/upstream-hub.js";
import type { HomeSettings } from "../home-settings.js";
import type { LibraryStore } from "../library/library-store.js";
import type { RemoteSync } from "../library/remote-sync.js";
import type { RunDiagnostics } from "../library/run-diagnostics.js";
import type { UsageStats } from "../library/usage-stats.js";
import type { VerificationRecords } from "../library/verification-records.js";
import type { NpmConfigSources } from "../packages/npm-config.js";
import type { PackageModules } from "../packages/package-modules.js";
import type { ModuleSource, RunReport, Sandbox } from "../sandbox/sandbox.js";
import type { SearchCatalog } from "../search/search-catalog.js";
import type { Telemetry } from "../telemetry/telemetry.js";
import type { AlwaysOn } from "../always-on/always-on.js";

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
  /**
   * Start the sandbox's workers with the home, so that a first run does not wait for them
   * (default true; one-shot CLI commands start them on their first run or save, and a
   * command that runs nothing, such as `search` or `log`, never does).
   */
  warmSandbox?: boolean;
  /** Load the type checker in the background after start, so a failed run's diagnostics are fast (default true; one-shot CLI commands skip it). */
  warmTypeChecker?: boolean;
  /** Load the TypeScript compiler in the background after start (serving processes), so a first save does not wait for it; default false. */
  warmCompiler?: boolean;
  /** Fire schedules from schedules.json (serving processes; still only with config schedules.enabled). Default false. */
  fireSchedules?: boolean;
}

/**
 * A home once config.json and secrets.json are read and valid (fast; see configure-home.ts):
 * enough for settings, the run log and a search answered from the saved snapshot, while the
 * library still loads.
 */
export interface HomeServices {
  paths: HomePaths;
  log: (line: string) => void;
  /** The process id registered as a user of the library. */
  pid: number;
  /** The config, the upstream hub and the host bridge (rebuilt when secrets.json changes). */
  settings: HomeSettings;
  config: Config;
  hub: UpstreamHub;
  telemetry: Telemetry;
  /** Usage figures (state/usage.json); `usageLoaded` settles once they are read. */
  usage: UsageStats;
  usageLoaded: Promise<void>;
  /** Verification records (state/); empty until the start has read them. */
  verifications: VerificationRecords;
  catalog: SearchCatalog;
  /** When the upstream servers started connecting (performance.now()); -Infinity when they connect on first use. */
  upstreamsStartedAt: number;
}

/** A started home (see start-services.ts): every part built, the library loaded. */
export interface Services extends HomeServices {
  sandbox: Sandbox;
  store: LibraryStore;
  /** Sync with `library.remote`, when one is configured. */
  remote: RemoteSync | undefined;
  /** `npm:` packages (pins and cache). */
  packages: PackageModules;
  /** What guest code may import: pinned library versions, packages, upstream servers. */
  modules: ModuleSource;
  diagnostics: RunDiagnostics;
  always: AlwaysOn;
}

/** A report together with the modules the run loaded (for usage figures; not shown to the model). */
export type RunWithModules = { report: RunReport; modules: string[] };

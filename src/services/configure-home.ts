import type { HomePaths } from "../config/home.js";
import { HomeSettings } from "../home-settings.js";
import { UsageStats } from "../library/usage-stats.js";
import { VerificationRecords } from "../library/verification-records.js";
import { SearchCatalog } from "../search/search-catalog.js";
import { Telemetry } from "../telemetry/telemetry.js";
import type { CloseStack } from "../util/close-stack.js";
import type { HomeServices, ToolsmithOptions } from "./services.js";

/**
 * The first, fast half of opening a home: reads and checks config.json and secrets.json
 * (a ConfigError names what is wrong), starts reading the saved search snapshot and
 * connecting the upstream servers. Registers on `closer` how to stop what it started.
 */
export async function configureHome(paths: HomePaths, options: ToolsmithOptions, closer: CloseStack): Promise<HomeServices> {
  const log = options.log ?? (() => undefined);
  const pid = options.pid ?? process.pid;
  // Usage figures are read while the config is.
  const usage = new UsageStats(paths.state);
  const usageLoaded = usage.load();
  const settings = await HomeSettings.load(paths, options.config, log);
  const { config, hub } = settings;
  closer.defer(() => hub.close());
  const telemetry = new Telemetry(config.telemetry, paths.state, pid, log);
  closer.defer(() => telemetry.close());
  // The search index as the last run left it (state/), brought up to HEAD: search answers from it until the library has loaded.
  const catalog = new SearchCatalog(paths.state, paths.library, hub);
  // A serving process (the one that warms the compiler) searches at once: its facts thread starts with the start.
  if (options.warmCompiler) catalog.readFactsAhead();
  let upstreamsStartedAt = Number.NEGATIVE_INFINITY;
  if (options.upstreams !== false) {
    hub.start();
    upstreamsStartedAt = performance.now();
  }
  const verifications = new VerificationRecords(paths.state);
  return { paths, log, pid, settings, config, hub, telemetry, usage, usageLoaded, verifications, catalog, upstreamsStartedAt };
}

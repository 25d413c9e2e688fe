import type { SearchHome } from "../search/search-catalog.js";
import { redactDeep } from "../util/redact-deep.js";
import type { HomeServices, Services } from "./services.js";

/** What a search needs of a home that may still be starting (see SearchCatalog.search). */
export function searchHome(home: HomeServices, ready: Promise<Services>, current: () => Promise<Services>, started: () => Services | undefined): SearchHome {
  const { settings } = home;
  return {
    ready,
    current: async () => void (await current()),
    verifications: () => home.verifications,
    deps: {
      usage: home.usage,
      hub: home.hub,
      configuredSecrets: async () => new Set((await settings.bridge()).vault.names()),
      redact: (value) => redactDeep(value, settings.latestBridge().vault),
      remote: () => started()?.remote?.status(),
      waitForUpstreamsUntil: home.upstreamsStartedAt + home.config.limits.upstreamStartWaitMs,
    },
  };
}

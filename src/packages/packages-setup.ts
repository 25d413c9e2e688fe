import { join } from "node:path";
import { NetworkPolicy } from "../bridge/network/network-policy.js";
import type { Config } from "../config/schema.js";
import type { PackagePins } from "../library/metadata.js";
import type { ModuleSource } from "../sandbox/sandbox.js";
import { npmRegistry, type NpmConfigSources } from "./npm-config.js";
import { PackageLoader } from "./package-loader.js";
import { PackageModules } from "./package-modules.js";
import { PinnedLibraryModules } from "./pinned-library.js";

export interface PackageSetup {
  /** The `npm:` module source. */
  modules: PackageModules;
  /** The library's modules with their saved pins applied. */
  pinnedLibrary: ModuleSource;
}

/**
 * `npm:` imports for one home: the registry (`packages.registry`, else the user's npm
 * configuration), checked by the same `network.allow` as guest fetch, cached in `state/packages/`.
 */
export function setUpPackages(config: Config, stateDir: string, npmConfig: NpmConfigSources, library: ModuleSource, pinsOf: (specifier: string) => PackagePins | undefined): PackageSetup {
  const loader = new PackageLoader(
    join(stateDir, "packages"),
    {
      registry: withSlash(config.packages.registry ?? npmRegistry(npmConfig)),
      policy: new NetworkPolicy(config.network.allow),
      timeoutMs: config.network.requestTimeoutMs,
      maxRedirects: config.network.maxRedirects,
    },
    config.packages,
  );
  const modules = new PackageModules(loader);
  return { modules, pinnedLibrary: new PinnedLibraryModules(library, pinsOf, modules) };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

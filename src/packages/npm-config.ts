import { readFileSync } from "node:fs";
import { join } from "node:path";

/** npm's own default when nothing configures a registry. */
export const DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/";

/** Where the npm configuration is read from: the environment and the user's home (passed in; only the CLI reads `process`). */
export interface NpmConfigSources {
  env: Record<string, string | undefined>;
  homeDir?: string;
}

/**
 * The registry `npm config get registry` would print, read without spawning npm: the
 * `npm_config_registry` variable, else `registry=` in the user's .npmrc
 * (`npm_config_userconfig` or `~/.npmrc`), else npm's default. `${VAR}` is expanded as npm does.
 */
export function npmRegistry(sources: NpmConfigSources): string {
  const fromEnv = sources.env.npm_config_registry ?? sources.env.NPM_CONFIG_REGISTRY;
  if (fromEnv?.trim()) return withSlash(fromEnv.trim());
  const userConfig = sources.env.npm_config_userconfig ?? sources.env.NPM_CONFIG_USERCONFIG ?? (sources.homeDir ? join(sources.homeDir, ".npmrc") : undefined);
  const fromFile = userConfig ? registryInNpmrc(userConfig, sources.env) : undefined;
  return withSlash(fromFile ?? DEFAULT_NPM_REGISTRY);
}

function registryInNpmrc(path: string, env: Record<string, string | undefined>): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*registry\s*=\s*(.+?)\s*$/.exec(line);
    if (match) found = match[1]!.replace(/^["']|["']$/g, "").replace(/\$\{([^}]+)\}/g, (_, name: string) => env[name] ?? "");
  }
  return found;
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

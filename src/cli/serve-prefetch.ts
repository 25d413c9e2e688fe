import { parseArgs } from "node:util";
import { homePaths, resolveHomeDir } from "../config/home.js";
import { prefetchStart } from "../search/start-prefetch.js";
import { CLI_OPTIONS } from "./cli-options.js";

/**
 * When the command line asks for `serve`: starts the server's first reads (the search
 * snapshot, what a pull brought, see start-prefetch.ts) before the server's code loads.
 * Never fails: a command line or home that is wrong is reported by the command itself.
 * Kept to Node's modules and a few small ones, so that it runs before the rest loads.
 */
export function prefetchForServe(args: string[], env: NodeJS.ProcessEnv): void {
  try {
    const { values, positionals } = parseArgs({ args, options: CLI_OPTIONS, allowPositionals: true, strict: true });
    if ((positionals[0] ?? "serve") !== "serve" || values.help || values.version) return;
    const home = values.home?.trim() ? { ...env, TOOLSMITH_HOME: values.home } : env;
    const paths = homePaths(resolveHomeDir(home));
    prefetchStart(paths.state, paths.library);
  } catch {
    // Reported when the command runs.
  }
}

import { builtinModules, createRequire } from "node:module";
import { isAbsolute, relative, sep } from "node:path";
import type { Message, Plugin } from "esbuild";
import { PackageError } from "./package-error.js";

/** What the sandbox runs (QuickJS); the same target run_code's own code is compiled for. */
const GUEST_TARGET = "es2022";
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Matches the import paths of Node built-ins (`fs`, `node:fs`, `fs/promises`) and nothing much else. */
const BUILTIN_FILTER = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
/** Most files a built-in's import chain lists. */
const MAX_CHAIN = 20;

export interface BuiltBundle {
  js: string;
  /** Names the bundle exports (`default` included). */
  exports: string[];
}

/**
 * Bundles `entry` (an import path such as `yaml` or `date-fns/addDays`) from the
 * `node_modules` tree under `dir` into one ES module with no imports. Browser and
 * neutral entry points are preferred (`browser`, `module` fields; `browser`/`import`
 * conditions); a Node built-in the code needs refuses the bundle, naming the chain of
 * imports that leads to it.
 */
export async function bundlePackage(dir: string, entry: string, id: string, maxBundleBytes: number): Promise<BuiltBundle> {
  // Watching every import costs esbuild a round trip per import (5-9x the build time for
  // yaml's 233 files): the first build watches only Node built-ins, and only when one is
  // missing is the build repeated with every import watched, to name the chain leading to it.
  let result;
  try {
    result = await buildOnce(dir, entry, id, false);
  } catch (error) {
    if (!(error instanceof NeedsBuiltin)) throw error;
    await buildOnce(dir, entry, id, true);
    throw new PackageError(builtinMessage(id, error.builtin, [error.importer].map((p) => shownPath(dir, p))));
  }
  const output = result.outputFiles.find((f) => f.path.endsWith(".js"));
  if (!output) throw new PackageError(`${id} produced no JavaScript when bundled.`);
  if (output.contents.byteLength > maxBundleBytes) {
    throw new PackageError(
      `The bundle of ${id} with its dependencies is ${(output.contents.byteLength / 1024 / 1024).toFixed(1)} MB; the limit is ${+(maxBundleBytes / 1024 / 1024).toFixed(2)} MB (packages.maxBundleMb). Import a subpath (e.g. "npm:date-fns@4/addDays"), use a smaller package, or raise packages.maxBundleMb in config.json.`,
    );
  }
  const meta = Object.values(result.metafile.outputs)[0];
  return { js: output.text, exports: meta?.exports ?? [] };
}

/** A Node built-in the bundle needs (first build), before the chain to it is known. */
class NeedsBuiltin extends Error {
  constructor(
    readonly builtin: string,
    readonly importer: string,
  ) {
    super(builtin);
  }
}

function builtinMessage(id: string, builtin: string, chain: string[]): string {
  return `${id} needs the Node built-in '${builtin}' (imported by ${chain.filter(Boolean).join(" → ")}), which the sandbox does not have: packages must run in a browser-like environment. Use a package written for browsers, or do this part with fetch.`;
}

/** A file as the model reads it: `yaml/dist/index.js`, nested packages as `a > b/x.js`. */
function shownPath(dir: string, path: string): string {
  return (isAbsolute(path) ? relative(dir, path) : path).split(sep).join("/").replace(/^node_modules\//, "").replace(/\/node_modules\//g, " > ");
}

/**
 * One esbuild run. Without `trackImporters`, only imports of Node built-ins are looked at
 * (a browser field may map one away; otherwise NeedsBuiltin is thrown); with it, every
 * import is resolved through the plugin so a missing built-in is reported with its chain.
 */
async function buildOnce(dir: string, entry: string, id: string, trackImporters: boolean) {
  const importers = new Map<string, string>();
  const plugin: Plugin = {
    name: "toolsmith-npm",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: trackImporters ? /.*/ : BUILTIN_FILTER }, async (args) => {
        if (args.pluginData === "inner") return undefined;
        const result = await pluginBuild.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "inner" });
        if (result.errors.length && NODE_BUILTINS.has(args.path)) {
          if (!trackImporters) throw new NeedsBuiltin(args.path, args.importer);
          const chain = [args.importer];
          for (let at = importers.get(args.importer); at && chain.length < MAX_CHAIN; at = importers.get(at)) chain.push(at);
          throw new PackageError(builtinMessage(id, args.path, chain.reverse().map((p) => shownPath(dir, p))));
        }
        if (trackImporters && result.path && !importers.has(result.path) && args.importer) importers.set(result.path, args.importer);
        return result.errors.length ? { errors: result.errors } : result;
      });
    },
  };
  try {
    // Loaded on the first bundle, not by every start.
    const { build } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
    return await build({
      entryPoints: [entry],
      absWorkingDir: dir,
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: GUEST_TARGET,
      mainFields: ["browser", "module", "main"],
      define: { global: "globalThis", "process.env.NODE_ENV": '"production"' },
      minifyWhitespace: true,
      minifySyntax: true,
      minifyIdentifiers: true,
      legalComments: "none",
      charset: "utf8",
      metafile: true,
      logLevel: "silent",
      plugins: [plugin],
      outfile: "bundle.js",
    });
  } catch (error) {
    const detail = (error as { errors?: Message[] }).errors?.find((e) => e.detail instanceof PackageError || e.detail instanceof NeedsBuiltin)?.detail as Error | undefined;
    if (detail) throw detail;
    if ((error as { errors?: Message[] }).errors?.[0]?.text === `Could not resolve "${entry}"`) {
      throw new PackageError(`${id} has no module '${entry}': check the subpath (when the package has an "exports" map, only what it lists can be imported, e.g. "npm:date-fns@4/addDays").`);
    }
    throw new PackageError(`${id} cannot be bundled for the sandbox: ${describe((error as { errors?: Message[] }).errors, (p) => shownPath(dir, p)) ?? (error as Error).message}`);
  }
}

function describe(errors: Message[] | undefined, shown: (path: string) => string): string | undefined {
  const first = errors?.[0];
  if (!first) return undefined;
  const where = first.location ? ` (in ${shown(first.location.file) || first.location.file}:${first.location.line})` : "";
  return `${first.text}${where}`;
}

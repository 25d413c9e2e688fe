import { builtinModules } from "node:module";
import { isAbsolute, relative, sep } from "node:path";
import { build, type Message, type Plugin } from "esbuild";
import { PackageError } from "./package-error.js";

/** What the sandbox runs (QuickJS); the same target run_code's own code is compiled for. */
const GUEST_TARGET = "es2022";
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

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
  const importers = new Map<string, string>();
  const shown = (path: string) => (isAbsolute(path) ? relative(dir, path) : path).split(sep).join("/").replace(/^node_modules\//, "").replace(/\/node_modules\//g, " > ");
  const builtins: Plugin = {
    name: "toolsmith-npm",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === "inner") return undefined;
        const result = await pluginBuild.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "inner" });
        if (result.errors.length && NODE_BUILTINS.has(args.path)) {
          const chain = [args.importer];
          for (let at = importers.get(args.importer); at && chain.length < 20; at = importers.get(at)) chain.push(at);
          const readable = chain.reverse().map(shown).filter(Boolean);
          throw new PackageError(
            `${id} needs the Node built-in '${args.path}' (imported by ${readable.join(" → ")}), which the sandbox does not have: packages must run in a browser-like environment. Use a package written for browsers, or do this part with fetch.`,
          );
        }
        if (result.path && !importers.has(result.path) && args.importer) importers.set(result.path, args.importer);
        return result.errors.length ? { errors: result.errors } : result;
      });
    },
  };
  let result;
  try {
    result = await build({
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
      legalComments: "none",
      charset: "utf8",
      metafile: true,
      logLevel: "silent",
      plugins: [builtins],
      outfile: "bundle.js",
    });
  } catch (error) {
    const thrown = (error as { errors?: Message[] }).errors?.find((e) => e.detail instanceof PackageError)?.detail as PackageError | undefined;
    if (thrown) throw thrown;
    throw new PackageError(`${id} cannot be bundled for the sandbox: ${describe((error as { errors?: Message[] }).errors, shown) ?? (error as Error).message}`);
  }
  const output = result.outputFiles.find((f) => f.path.endsWith(".js"));
  if (!output) throw new PackageError(`${id} produced no JavaScript when bundled.`);
  if (output.contents.byteLength > maxBundleBytes) {
    throw new PackageError(
      `The bundle of ${id} with its dependencies is ${(output.contents.byteLength / 1024 / 1024).toFixed(1)} MB; the limit is ${Math.round(maxBundleBytes / 1024 / 1024)} MB (packages.maxBundleMb). Import a subpath (e.g. "npm:date-fns@4/addDays"), use a smaller package, or raise packages.maxBundleMb in config.json.`,
    );
  }
  const meta = Object.values(result.metafile.outputs)[0];
  return { js: output.text, exports: meta?.exports ?? [] };
}

function describe(errors: Message[] | undefined, shown: (path: string) => string): string | undefined {
  const first = errors?.[0];
  if (!first) return undefined;
  const where = first.location ? ` (in ${shown(first.location.file) || first.location.file}:${first.location.line})` : "";
  return `${first.text}${where}`;
}

import { createHash } from "node:crypto";
import type { PackagePin, PackagePins } from "../library/metadata.js";
import type { ModuleSource } from "../sandbox/sandbox.js";
import { type CompileResult } from "../sandbox/transpile.js";
import type { PackageLoader } from "./package-loader.js";
import { PackageError } from "./package-error.js";
import { NPM_PREFIX, parseSpecifier } from "./specifier.js";

/** A bundle has no source of its own the agent wrote: positions inside it are not mapped. */
const EMPTY_SOURCE_MAP = JSON.stringify({ version: 3, sources: [], names: [], mappings: "" });
/** Marks a specifier rewritten to a saved integration's pin: `npm:yaml@2.8.1#pin-<digest>`. */
const PIN_MARK = "#pin-";

/**
 * The `npm:` module source: each `npm:<name>@<range>[/subpath]` import becomes one
 * bundled ES module (see PackageLoader). An import of a saved integration carries its
 * pin in the specifier (see PinnedLibraryModules), so it loads exactly what was saved.
 */
export class PackageModules implements ModuleSource {
  private readonly pins = new Map<string, PackagePin>();

  constructor(private readonly loader: PackageLoader) {}

  async resolve(specifier: string): Promise<CompileResult | undefined> {
    if (!specifier.startsWith(NPM_PREFIX)) return undefined;
    const mark = specifier.indexOf(PIN_MARK);
    const pin = mark === -1 ? undefined : this.pins.get(specifier.slice(mark + PIN_MARK.length));
    const parsed = parseSpecifier(mark === -1 ? specifier : specifier.slice(0, mark));
    if (!parsed.ok) return failure(parsed.message);
    try {
      const bundle = await this.loader.load(parsed.spec, pin);
      return { ok: true, module: { filename: specifier, js: bundle.js, map: EMPTY_SOURCE_MAP, imports: [], exports: bundle.exports } };
    } catch (error) {
      if (error instanceof PackageError) return failure(`Cannot import '${specifier.replace(/#pin-.*/, "")}': ${error.message}`);
      return failure(`Cannot import '${specifier}': ${(error as Error).message}`);
    }
  }

  missing(): string | undefined {
    return undefined;
  }

  /** The specifier that loads exactly `pin` for an import of `specifier` (a saved integration's). */
  pinned(specifier: string, pin: PackagePin): string {
    const parsed = parseSpecifier(specifier);
    if (!parsed.ok) return specifier;
    const digest = createHash("sha256").update(JSON.stringify(pin)).digest("hex").slice(0, 16);
    this.pins.set(digest, pin);
    const subpath = parsed.spec.subpath ? `/${parsed.spec.subpath}` : "";
    return `${NPM_PREFIX}${parsed.spec.name}@${pin.version}${subpath}${PIN_MARK}${digest}`;
  }

  /**
   * What a save pins: every `npm:` package among the imports of the code and its test
   * (the save compiled both already: compiling them again here cost a save two esbuild
   * transforms), resolved now (the test has just loaded them, so this is served from the cache).
   */
  async pinsFor(specifiers: Iterable<string>): Promise<{ ok: true; packages: PackagePins | undefined } | { ok: false; message: string }> {
    const packages: PackagePins = {};
    for (const specifier of specifiers) {
      if (!specifier.startsWith(NPM_PREFIX)) continue;
      const parsed = parseSpecifier(specifier);
      if (!parsed.ok) return { ok: false, message: parsed.message };
      if (packages[parsed.spec.name]) continue;
      try {
        packages[parsed.spec.name] = (await this.loader.load(parsed.spec)).pin;
      } catch (error) {
        return { ok: false, message: `Cannot import '${specifier}': ${(error as Error).message}` };
      }
    }
    return { ok: true, packages: Object.keys(packages).length ? packages : undefined };
  }
}

function failure(message: string): CompileResult {
  return { ok: false, error: { name: "PackageError", message } };
}

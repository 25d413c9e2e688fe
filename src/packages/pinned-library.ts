import { createRequire } from "node:module";
import type { PackagePins } from "../library/metadata.js";
import type { ModuleSource } from "../sandbox/sandbox.js";
import type { CompiledModule, CompileResult } from "../sandbox/transpile.js";
import type { PackageModules } from "./package-modules.js";
import { NPM_PREFIX, parseSpecifier } from "./specifier.js";

/**
 * Saved integrations with their packages pinned: a module whose metadata pins an
 * `npm:` package has that import rewritten to the pinned specifier, so every machine
 * that pulls the library loads the same versions, whatever the range says.
 */
export class PinnedLibraryModules implements ModuleSource {
  /** Rewritten modules by original module and pins (a saved module is compiled once and reused). */
  private readonly rewritten = new WeakMap<CompiledModule, { key: string; module: CompiledModule }>();

  constructor(
    private readonly library: ModuleSource,
    private readonly pinsOf: (specifier: string) => PackagePins | undefined,
    private readonly packages: PackageModules,
  ) {}

  async resolve(specifier: string): Promise<CompileResult | undefined> {
    const found = await this.library.resolve(specifier);
    if (!found?.ok || !found.module.imports.some((i) => i.specifier.startsWith(NPM_PREFIX))) return found;
    const pins = this.pinsOf(specifier);
    if (!pins) return found;
    const key = JSON.stringify(pins);
    const hit = this.rewritten.get(found.module);
    if (hit?.key === key) return { ok: true, module: hit.module };
    const module = this.rewrite(found.module, pins);
    this.rewritten.set(found.module, { key, module });
    return { ok: true, module };
  }

  missing(specifier: string): string | undefined {
    return this.library.missing(specifier);
  }

  private rewrite(module: CompiledModule, pins: PackagePins): CompiledModule {
    // The lexer is ready: the module was compiled (see transpile.ts's initCompiler).
    const [imports] = (createRequire(import.meta.url)("es-module-lexer") as typeof import("es-module-lexer")).parse(module.js, module.filename);
    let js = "";
    let last = 0;
    const renamed = new Map<string, string>();
    for (const entry of imports) {
      const specifier = entry.specifier;
      if (typeof specifier !== "string" || !specifier.startsWith(NPM_PREFIX)) continue;
      const parsed = parseSpecifier(specifier);
      const pin = parsed.ok ? pins[parsed.spec.name] : undefined;
      if (!pin) continue;
      // `start`..`end` spans the specifier (with its quotes, for a dynamic import): replace the text inside.
      const at = module.js.slice(entry.start, entry.end).indexOf(specifier);
      if (at === -1) continue;
      const pinned = this.packages.pinned(specifier, pin);
      renamed.set(specifier, pinned);
      js += module.js.slice(last, entry.start + at) + pinned;
      last = entry.start + at + specifier.length;
    }
    js += module.js.slice(last);
    return { ...module, js, imports: module.imports.map((i) => ({ ...i, specifier: renamed.get(i.specifier) ?? i.specifier })) };
  }
}

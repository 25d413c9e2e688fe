import { createRequire } from "node:module";
import type { Message } from "esbuild";

/**
 * esbuild and the module lexer, loaded on the first compile (initCompiler), not by every
 * process that imports this module: a server answers its first search without them.
 */
const load = createRequire(import.meta.url);
let tools: { esbuild: typeof import("esbuild"); lexer: typeof import("es-module-lexer") } | undefined;
function compilerTools(): NonNullable<typeof tools> {
  tools ??= { esbuild: load("esbuild") as typeof import("esbuild"), lexer: load("es-module-lexer") as typeof import("es-module-lexer") };
  return tools;
}

/** Syntax QuickJS runs natively; newer syntax (`using`, decorators) is lowered by esbuild. */
const GUEST_TARGET = "es2022";
/**
 * Memory the compile cache may hold, counted as the UTF-16 size of each entry's key
 * (file name and source), JavaScript and source map, plus a fixed overhead per entry.
 * Bounding entries alone let 510 distinct 200 KB programs keep 317 MB alive; the least
 * recently used go first.
 */
export const COMPILE_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Bytes per character, as counted: V8 keeps ASCII in one byte, so this overestimates. */
const BYTES_PER_CHAR = 2;
/** The entry's objects besides its strings (result, import and export lists, map slot). */
const ENTRY_OVERHEAD_BYTES = 512;

export interface CompiledModule {
  /** The name stack traces use for this module (e.g. `main.ts`, `library/csv`). */
  filename: string;
  js: string;
  /** Source map (JSON text) from `js` back to the source the agent wrote. */
  map: string;
  /** Module specifiers this module imports with a literal string. */
  imports: ModuleImport[];
  /** Names this module exports (`default` included). */
  exports: string[];
}

export interface ModuleImport {
  specifier: string;
  /** `import("x")`: resolved when the code runs, so a missing one is not an error up front. */
  dynamic: boolean;
}

export interface CompileError {
  /** "PackageError": an `npm:` import that cannot be served (its message is complete as is). */
  name: "SyntaxError" | "PackageError";
  message: string;
  line?: number;
  column?: number;
}

export type CompileResult = { ok: true; module: CompiledModule } | { ok: false; error: CompileError };

const cache = new Map<string, { result: CompileResult; bytes: number }>();
let cachedBytes = 0;
let lexerReady: Promise<void> | undefined;

/** Must be awaited once before `compileModule` is called. */
export function initCompiler(): Promise<void> {
  // esbuild starts its service on the first transform (~seconds on a loaded machine): do it here, not in a run's time.
  lexerReady ??= Promise.resolve()
    .then(() => compilerTools().lexer.init)
    .then(() => void compilerTools().esbuild.transformSync("", { loader: "ts", format: "esm", target: GUEST_TARGET, logLevel: "silent" }));
  return lexerReady;
}

/** TypeScript or JavaScript to an ES module QuickJS runs, types stripped. Cached. */
export function compileModule(source: string, filename: string): CompileResult {
  const key = `${filename}\0${source}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit.result;
  }
  const result = compileUncached(source, filename);
  remember(key, result);
  return result;
}

/** Bytes the compile cache holds now (see COMPILE_CACHE_MAX_BYTES). */
export function compileCacheBytes(): number {
  return cachedBytes;
}

function remember(key: string, result: CompileResult): void {
  const chars = key.length + (result.ok ? result.module.js.length + result.module.map.length : result.error.message.length);
  const bytes = chars * BYTES_PER_CHAR + ENTRY_OVERHEAD_BYTES;
  // Larger than the whole cache: compiling it again costs less than evicting everything for it.
  if (bytes > COMPILE_CACHE_MAX_BYTES) return;
  cache.set(key, { result, bytes });
  cachedBytes += bytes;
  for (const [oldest, entry] of cache) {
    if (cachedBytes <= COMPILE_CACHE_MAX_BYTES) break;
    cache.delete(oldest);
    cachedBytes -= entry.bytes;
  }
}

function compileUncached(source: string, filename: string): CompileResult {
  let js: string;
  let map: string;
  try {
    const out = compilerTools().esbuild.transformSync(source, {
      loader: "ts",
      format: "esm",
      target: GUEST_TARGET,
      sourcemap: "external",
      sourcefile: filename,
      logLevel: "silent",
      tsconfigRaw: { compilerOptions: { experimentalDecorators: false, useDefineForClassFields: true, verbatimModuleSyntax: false } },
    });
    js = out.code;
    map = out.map;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    if (!first) return { ok: false, error: { name: "SyntaxError", message: (error as Error).message } };
    return {
      ok: false,
      error: {
        name: "SyntaxError",
        message: `${first.text}${first.location ? ` (${filename}:${first.location.line}:${first.location.column + 1}: ${first.location.lineText.trim()})` : ""}`,
        line: first.location?.line,
        column: first.location ? first.location.column + 1 : undefined,
      },
    };
  }
  // esbuild wraps a CommonJS script (top-level return, module.exports, exports.x) so that it
  // runs, but as a module its exports are then lost: say what to write instead.
  if (/^var __commonJS = /m.test(js)) return { ok: false, error: commonJsError(source, filename) };
  const [imports, exports] = compilerTools().lexer.parse(js, filename);
  return {
    ok: true,
    module: {
      filename,
      js,
      map,
      imports: imports.flatMap((i) => (i.type !== "import-meta" && i.specifier !== undefined ? [{ specifier: i.specifier, dynamic: i.type === "dynamic" }] : [])),
      exports: exports.flatMap((e) => ("name" in e && e.name ? [e.name] : [])),
    },
  };
}

/** A CommonJS shape where an ES module is expected, located at its first telltale line. */
function commonJsError(source: string, filename: string): CompileError {
  const lines = source.split("\n");
  const index = lines.findIndex((line) => /^\s*return\b|\bmodule\.exports\b|(^|[^.\w$])exports\.[\w$]/.test(line));
  const line = lines[index];
  const shape = line === undefined ? "CommonJS" : /^\s*return\b/.test(line) ? "a top-level 'return'" : /module\.exports/.test(line) ? "'module.exports'" : "'exports.…'";
  const where = line === undefined ? "" : ` (${filename}:${index + 1}: ${line.trim().slice(0, 120)})`;
  return {
    name: "SyntaxError",
    message: `This code is written as a CommonJS script (${shape})${where}, but it runs as an ES module: use 'export default <value>' for the result and 'export function' / 'export const' for what others import.`,
    line: line === undefined ? undefined : index + 1,
    column: line === undefined ? undefined : line.search(/\S/) + 1,
  };
}

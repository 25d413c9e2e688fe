import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as TS from "typescript";
import { SANDBOX_LIBS, SANDBOX_WORLD_DTS, SANDBOX_WORLD_FILE } from "../sandbox/guest/sandbox-world.js";

/**
 * One module type-checked against everything it may import: the sandbox world, saved
 * integrations' declarations (`library/<name>`) and upstream servers' (`mcp/<server>`).
 * Shared by `declarations.ts` (emit) and `type-diagnostics.ts` (errors).
 *
 * Speed: loading TypeScript and parsing and binding its ES libraries and the world take
 * 1-3 s on first use, a warm check of a 300-line module 45-75 ms (bench/declarations.js),
 * so the libraries' and world's SourceFiles (which keep their binding) are made once per
 * process and handed to every program, as a LanguageService's DocumentRegistry does; other modules' declarations are kept by path while their text stays the same.
 * A program only loads the declarations its module imports, so a library of 1,000
 * integrations costs no more than one of 10. The last checked module is kept, so
 * emitting and diagnosing the same code build one program.
 */

/** Declarations by name: a map, or a function (e.g. one reading `<name>.d.ts` on demand). */
export type DeclarationLookup = ReadonlyMap<string, string> | ((name: string) => string | undefined);

/** What a module may import besides the sandbox world (`toolsmith` and the globals). */
export interface Importable {
  /** `library/<name>` → that integration's declaration file (`<name>.d.ts` text). */
  library?: DeclarationLookup;
  /** `mcp/<server>` → the declarations of that upstream server's module. */
  upstream?: DeclarationLookup;
}

export interface CheckedModule {
  ts: typeof TS;
  program: TS.Program;
  checker: TS.TypeChecker;
  /** The module itself. */
  file: TS.SourceFile;
}

export const LIBRARY_PREFIX = "library/";
export const MCP_PREFIX = "mcp/";
/** Where the checked module lives in the in-memory file system (its `fileName` goes under it). */
const SOURCE_DIR = "/src/";
const LIB_DIR = "/ts-lib/";
/** `npm:` imports have no declarations (packages are bundled at run time): every one is typed `any`, never an error. */
const NPM_MODULES_FILE = "/npm-modules.d.ts";
const NPM_MODULES_DTS = 'declare module "npm:*";\n';
/** Declarations of other modules kept between programs; past this many the cache starts over. */
const MAX_CACHED_DECLARATIONS = 5_000;

let typescript: typeof TS | undefined;
/** TypeScript is large (~9 MB of JavaScript): loaded on first use, synchronously. */
export function loadTypeScript(): typeof TS {
  if (typescript) return typescript;
  typescript = createRequire(import.meta.url)("typescript") as typeof TS;
  for (const callback of loadedCallbacks.splice(0)) setImmediate(callback);
  return typescript;
}

const loadedCallbacks: Array<() => void> = [];
/** Calls `callback` (soon, not during the load) once TypeScript has been loaded in this thread. */
export function whenTypeScriptLoaded(callback: () => void): void {
  if (typescript) setImmediate(callback);
  else loadedCallbacks.push(callback);
}

/** Whether TypeScript has been loaded in this thread (work that only uses it when it is costs nothing otherwise). */
export function typeScriptLoaded(): boolean {
  return typescript !== undefined;
}

/** Unchanging SourceFiles (ES libraries, the world), made once. */
const fixedFiles = new Map<string, TS.SourceFile>();
/** Other modules' declarations by path, with the text they were made from. */
const declarationFiles = new Map<string, { text: string; file: TS.SourceFile }>();
let lastProgram: TS.Program | undefined;
let lastChecked: { key: string; seen: Map<string, string | undefined>; checked: CheckedModule } | undefined;
/** TypeScript's lib files by name, read once. */
const libTexts = new Map<string, string | undefined>();

function compilerOptions(ts: typeof TS): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // Every program is a module: top-level await and `export default` work without an import.
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: [...SANDBOX_LIBS],
    types: [],
    strict: true,
    // `import "library/x"` runs the module: a missing one fails the run like any other import.
    noUncheckedSideEffectImports: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    isolatedDeclarations: false,
    newLine: ts.NewLineKind.LineFeed,
    // The ES libraries come from the in-memory LIB_DIR, never from an `@typescript/lib-*`
    // package: without this every new program (two per save) looked each library up by
    // node module resolution first (~6 ms a program, a fifth of a warm save's check).
    libReplacement: false,
  };
}

/** The in-memory path of a module named `fileName` ("main.ts", "github/issues.ts"). */
export function sourcePath(fileName: string): string {
  return SOURCE_DIR + fileName.replace(/^\/+/, "");
}

function lookup(source: DeclarationLookup | undefined, name: string): string | undefined {
  if (!source) return undefined;
  return typeof source === "function" ? source(name) : source.get(name);
}

/** The declarations a specifier names, and where they live in memory. */
function declarationsFor(specifier: string, importable: Importable): { path: string; text: string } | undefined {
  for (const [prefix, source] of [[LIBRARY_PREFIX, importable.library], [MCP_PREFIX, importable.upstream]] as const) {
    if (!specifier.startsWith(prefix)) continue;
    const name = specifier.slice(prefix.length);
    const text = lookup(source, name);
    return text === undefined ? undefined : { path: `/${prefix}${name}.d.ts`, text };
  }
  return undefined;
}

/** Type-checks `code` as the module `fileName`; the result is shared until other code is checked. */
export function checkModule(code: string, fileName: string, importable: Importable = {}): CheckedModule {
  const key = `${fileName}\n${code}`;
  if (lastChecked?.key === key && sameResolutions(lastChecked.seen, importable)) return lastChecked.checked;

  const ts = loadTypeScript();
  const options = compilerOptions(ts);
  const rootPath = sourcePath(fileName);
  const libLocation = join(dirname(createRequire(import.meta.url).resolve("typescript")), "/");
  /** Every declaration file this program read, by path. */
  const inputs = new Map<string, string>();
  /** What each `library/…` and `mcp/…` specifier resolved to (undefined: nothing). */
  const seen = new Map<string, string | undefined>();

  const virtualText = (path: string): string | undefined => {
    if (path === rootPath) return code;
    if (path === SANDBOX_WORLD_FILE) return SANDBOX_WORLD_DTS;
    if (path === NPM_MODULES_FILE) return NPM_MODULES_DTS;
    if (path.startsWith(LIB_DIR)) return libText(libLocation, path.slice(LIB_DIR.length));
    return inputs.get(path);
  };

  const host: TS.CompilerHost = {
    getSourceFile(path, languageVersion) {
      // Parent pointers come from the binder, which runs before anything reads them.
      if (path === rootPath) return ts.createSourceFile(path, code, languageVersion, false, ts.ScriptKind.TS);
      if (path === SANDBOX_WORLD_FILE || path === NPM_MODULES_FILE || path.startsWith(LIB_DIR)) {
        let file = fixedFiles.get(path);
        if (!file) {
          const text = virtualText(path);
          if (text === undefined) return undefined;
          file = ts.createSourceFile(path, text, languageVersion, false, ts.ScriptKind.TS);
          fixedFiles.set(path, file);
        }
        return file;
      }
      const text = inputs.get(path);
      if (text === undefined) return undefined;
      const cached = declarationFiles.get(path);
      if (cached?.text === text) return cached.file;
      if (declarationFiles.size >= MAX_CACHED_DECLARATIONS) declarationFiles.clear();
      const file = ts.createSourceFile(path, text, languageVersion, false, ts.ScriptKind.TS);
      declarationFiles.set(path, { text, file });
      return file;
    },
    getDefaultLibFileName: () => `${LIB_DIR}${SANDBOX_LIBS[0]}`,
    getDefaultLibLocation: () => LIB_DIR,
    writeFile: () => {},
    getCurrentDirectory: () => "/",
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (path) => virtualText(path) !== undefined,
    readFile: (path) => virtualText(path),
    directoryExists: () => true,
    getDirectories: () => [],
    resolveModuleNameLiterals(literals) {
      return literals.map((literal) => {
        const found = declarationsFor(literal.text, importable);
        if (literal.text.startsWith(LIBRARY_PREFIX) || literal.text.startsWith(MCP_PREFIX)) seen.set(literal.text, found?.text);
        if (!found) return { resolvedModule: undefined };
        inputs.set(found.path, found.text);
        return { resolvedModule: { resolvedFileName: found.path, extension: ts.Extension.Dts, isExternalLibraryImport: false } };
      });
    },
  };

  const program = ts.createProgram({ rootNames: [SANDBOX_WORLD_FILE, NPM_MODULES_FILE, rootPath], options, host, oldProgram: lastProgram });
  lastProgram = program;
  const file = program.getSourceFile(rootPath)!;
  const checked: CheckedModule = { ts, program, checker: program.getTypeChecker(), file };
  lastChecked = { key, seen, checked };
  return checked;
}

/** Whether every specifier a kept program resolved would still resolve to the same declarations. */
function sameResolutions(seen: Map<string, string | undefined>, importable: Importable): boolean {
  for (const [specifier, text] of seen) if (declarationsFor(specifier, importable)?.text !== text) return false;
  return true;
}

function libText(location: string, name: string): string | undefined {
  if (!libTexts.has(name)) {
    let text: string | undefined;
    try {
      text = readFileSync(join(location, name), "utf8");
    } catch {
      text = undefined;
    }
    libTexts.set(name, text);
  }
  return libTexts.get(name);
}

/** Names the lookup can list (a map's keys), for "did you mean" hints; a function lists none. */
export function knownNames(source: DeclarationLookup | undefined): string[] {
  return source && typeof source !== "function" ? [...source.keys()] : [];
}

/** Compiler messages name other modules by in-memory path (`"/library/a"`); the agent knows them as `library/a`. */
export function readableSpecifiers(message: string): string {
  return message.replace(/(["'])\/(library|mcp)\/([^"']+?)(?:\.d\.ts)?\1/g, "$1$2/$3$1");
}

/** How long after start the compiler warms up: after the first searches, before most first saves. */
export const COMPILER_WARMUP_DELAY_MS = 2_000;

/**
 * Loads TypeScript and checks and emits a tiny module, so the ES libraries and the sandbox
 * world are parsed and bound before a save needs them (1-3 s cold). Yields to the event
 * loop between loading and checking; the check itself runs in one piece. Never throws.
 */
export async function warmUpCompiler(): Promise<void> {
  const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
  try {
    await yieldNow();
    loadTypeScript();
    await yieldNow();
    const { program, file } = checkModule("export const warm = async (): Promise<number> => 1;\n", "warm-up.ts");
    program.getSemanticDiagnostics(file);
    program.emit(file, () => undefined, undefined, true);
  } catch {
    // A save loads it again and reports what fails.
  }
}

import type * as TS from "typescript";
import { failsAtRun, nodeAt } from "./missing-imports.js";
import { checkModule, knownNames, LIBRARY_PREFIX, MCP_PREFIX, readableSpecifiers, type Importable } from "./type-program.js";

export type { DeclarationLookup, Importable } from "./type-program.js";

export interface TypeDiagnostic {
  /** 1-based, in the code the agent wrote. */
  line: number;
  /** 1-based. */
  column: number;
  /** TypeScript's message, with its "Did you mean …?" when it has one. */
  message: string;
  /** TypeScript's error number (2305 for "Module has no exported member"). */
  code: number;
  /**
   * "error": certain to fail when run: a syntax error, or a module of `library/…`, `mcp/…`
   * or `toolsmith` (or a name imported from one) that does not exist and that the code
   * uses as a value, or a call of a missing member of such a module's namespace
   * (`missing-imports.ts`). "warning": any other type error; the code may still run as intended.
   */
  severity: "error" | "warning";
}

export interface DiagnoseInput {
  code: string;
  /** The module's name for the compiler: "main.ts" for a run_code program, "<name>.ts" for an integration. */
  filename?: string;
  /** What the code may import besides the sandbox world. */
  importable?: Importable;
}

/** How many similar names a "Cannot find module" message suggests. */
const SUGGESTIONS = 3;

/**
 * Type-checks a run_code program or an integration against the sandbox world and the
 * declarations it may import, and says which problems are certain to fail. Sorted by
 * position. Never throws: a compiler failure gives no diagnostics.
 */
export function diagnose(input: DiagnoseInput): TypeDiagnostic[] {
  try {
    return check(input);
  } catch {
    return [];
  }
}

function check(input: DiagnoseInput): TypeDiagnostic[] {
  const { ts, program, checker, file } = checkModule(input.code, input.filename ?? "main.ts", input.importable);
  const syntactic = program.getSyntacticDiagnostics(file);
  // With syntax errors the checker's findings are mostly noise.
  const semantic = syntactic.length ? [] : program.getSemanticDiagnostics(file);
  const out: TypeDiagnostic[] = [];
  for (const d of [...syntactic, ...semantic]) {
    if (d.start === undefined || d.file !== file) continue;
    const { line, character } = file.getLineAndCharacterOfPosition(d.start);
    // The in-memory paths of other modules read as their specifiers.
    let message = readableSpecifiers(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    if (d.code === 2307) message += suggestion(moduleSpecifierAt(ts, file, d.start), input.importable ?? {});
    message = withSandboxHint(message);
    const certain = syntactic.includes(d as TS.DiagnosticWithLocation) || failsAtRun(ts, checker, file, d);
    out.push({ line: line + 1, column: character + 1, message, code: d.code, severity: certain ? "error" : "warning" });
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** The diagnostics that are certain to fail, e.g. to refuse a save. */
export function certainFailures(diagnostics: readonly TypeDiagnostic[]): TypeDiagnostic[] {
  return diagnostics.filter((d) => d.severity === "error");
}

/** One line per diagnostic: "line 3, column 10: message (TS2305)". */
export function formatDiagnostic(d: TypeDiagnostic): string {
  return `line ${d.line}, column ${d.column}: ${d.message} (TS${d.code})`;
}

/** Globals of Node.js or browsers that guest code reaches for and the sandbox does not have. */
const FOREIGN_GLOBALS = new Set([
  "process", "require", "module", "exports", "__dirname", "__filename", "Buffer", "global", "window", "document", "navigator",
  "setInterval", "clearInterval", "setImmediate", "queueMicrotask", "structuredClone", "AbortController", "AbortSignal",
  "crypto", "performance", "Blob", "File", "FormData", "ReadableStream", "WritableStream", "EventTarget", "Event", "WebSocket", "XMLHttpRequest",
]);
const SANDBOX_HINT =
  "The sandbox is neither Node.js nor a browser: its globals are console, fetch (Request, Response, Headers), URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, setTimeout, clearTimeout, queueMicrotask, structuredClone, performance, crypto (getRandomValues, randomUUID, subtle), AbortController, AbortSignal, Blob, File and FormData; host helpers come from \"toolsmith\" (secret, sleep, progress, workspace, basicAuth).";

/** "Cannot find name 'process'. Do you need to install type definitions for node? …" says what the sandbox has instead. */
function withSandboxHint(message: string): string {
  const name = /^Cannot find name '([^']+)'/.exec(message)?.[1];
  if (!name || !FOREIGN_GLOBALS.has(name)) return message;
  return `Cannot find name '${name}'. ${SANDBOX_HINT}`;
}

/** The module specifier of the import or export (static or dynamic) around a position, if any. */
function moduleSpecifierAt(ts: typeof TS, file: TS.SourceFile, position: number): string | undefined {
  for (let node = nodeAt(ts, file, position); node; node = node.parent) {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      return node.moduleSpecifier.text;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = node.arguments;
      return first && ts.isStringLiteralLike(first) ? first.text : undefined;
    }
    if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      return ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal) ? arg.literal.text : undefined;
    }
    if (ts.isStatement(node)) return undefined;
  }
  return undefined;
}

/** " Saved integrations with similar names: library/a, library/b." when the lookup can list names. */
function suggestion(specifier: string | undefined, importable: Importable): string {
  if (specifier === undefined) return "";
  const [prefix, source, what] = specifier.startsWith(LIBRARY_PREFIX)
    ? [LIBRARY_PREFIX, importable.library, "Saved integrations"]
    : specifier.startsWith(MCP_PREFIX)
      ? [MCP_PREFIX, importable.upstream, "Upstream servers"]
      : [undefined, undefined, ""];
  if (!prefix) return "";
  const wanted = specifier.slice(prefix.length);
  const names = knownNames(source);
  if (!names.length) return "";
  const close = names
    .map((name) => ({ name, distance: editDistance(wanted, name) }))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, SUGGESTIONS)
    .map((n) => `${prefix}${n.name}`);
  return `\n${what} with similar names: ${close.join(", ")}.`;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

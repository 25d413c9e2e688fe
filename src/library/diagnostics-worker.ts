/**
 * The type checker's own thread: loading TypeScript and binding its libraries takes 1-3 s
 * (up to 10 s on a loaded machine), which must not stall the server's event loop. It
 * answers one `DiagnosticsRequest` at a time with the diagnostics of the run's code.
 */
import { parentPort } from "node:worker_threads";
import { emitDeclarations } from "./declarations.js";
import { diagnose, type TypeDiagnostic } from "./type-diagnostics.js";

export interface DiagnosticsRequest {
  id: number;
  /** The run's code ("main.ts"); empty for a warm-up. */
  code: string;
  /** Source of every `library/<name>` the code reaches (drafts in place of saved versions), by name. */
  library: Record<string, string>;
  /** Declarations of every `mcp/<server>` the code imports, by server. */
  upstream: Record<string, string>;
}

export interface DiagnosticsReply {
  id: number;
  diagnostics: TypeDiagnostic[];
}

/** Declarations emitted per module source, kept between requests. */
const KEPT_DECLARATIONS = 500;
const declarations = new Map<string, string>();

function declarationsOf(name: string, code: string, library: (name: string) => string | undefined, upstream: (server: string) => string | undefined): string {
  const key = `${name}\n${code}`;
  const kept = declarations.get(key);
  if (kept !== undefined) return kept;
  // Set first: an import cycle resolves to an empty module, not a loop.
  declarations.set(key, "");
  const dts = emitDeclarations({ name, code, importable: { library, upstream } }).dts;
  declarations.set(key, dts);
  if (declarations.size > KEPT_DECLARATIONS) declarations.delete(declarations.keys().next().value!);
  return dts;
}

function answer(request: DiagnosticsRequest): TypeDiagnostic[] {
  const upstream = (server: string) => request.upstream[server];
  const library = (name: string): string | undefined => {
    const code = Object.hasOwn(request.library, name) ? request.library[name] : undefined;
    return code === undefined ? undefined : declarationsOf(name, code, library, upstream);
  };
  return diagnose({ code: request.code || 'import { sleep } from "toolsmith";\nexport default await sleep(0);\n', filename: "main.ts", importable: { library, upstream } });
}

parentPort?.on("message", (request: DiagnosticsRequest) => {
  let diagnostics: TypeDiagnostic[] = [];
  try {
    diagnostics = answer(request);
  } catch {
    // No diagnostics rather than no answer.
  }
  parentPort!.postMessage({ id: request.id, diagnostics } satisfies DiagnosticsReply);
});

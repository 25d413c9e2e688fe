import { Worker } from "node:worker_threads";
import type { RunReport } from "../sandbox/sandbox.js";
import { compileModule } from "../sandbox/transpile.js";
import { isCallerMisuse } from "./caller-misuse.js";
import type { DiagnosticsReply, DiagnosticsRequest } from "./diagnostics-worker.js";
import type { LibraryStore } from "./library-store.js";
import { LIBRARY_PREFIX } from "./names.js";
import type { TypeDiagnostic } from "./type-diagnostics.js";
import { blame } from "./usage-stats.js";
import { distFile } from "../dist-dir.js";

/** Most diagnostics a failed run's error carries: the first few explain the failure; the rest is noise the model pays for. */
export const MAX_RUN_DIAGNOSTICS = 5;
/** Longest diagnostic message kept (TypeScript already shortens long types with "..."). */
export const MAX_DIAGNOSTIC_CHARS = 400;
/**
 * Longest a failed run's reply waits for its diagnostics: a warm check takes tens of
 * milliseconds; a cold checker (the warm-up not finished) up to ~10 s on a loaded machine.
 * Past this the run's error comes without them.
 */
export const DIAGNOSTICS_WAIT_MS = 15_000;
const MCP_PREFIX = "mcp/";

export interface RunDiagnostic {
  line: number;
  column: number;
  message: string;
  code: number;
}

/**
 * Type diagnostics for a failed run_code run: the agent's code checked against the sandbox
 * world, the library's declarations (a draft's instead of the saved one's) and the upstream
 * servers' signatures. Only failed runs pay for it. The checker runs in its own worker
 * thread, started and warmed in the background (`warm`) so neither its 1-3 s load nor a
 * check ever stalls the server's event loop; the main thread only gathers the sources the
 * code reaches.
 */
export class RunDiagnostics {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, (found: TypeDiagnostic[]) => void>();

  constructor(
    private readonly store: LibraryStore,
    /** `mcp/<server>` declarations, or undefined for a server that is not connected. */
    private readonly upstream: (server: string) => string | undefined,
  ) {}

  /** Every diagnostic in `code` (sorted by position; empty when the check cannot run in time). */
  check(code: string, drafts: ReadonlyMap<string, string> = new Map()): Promise<TypeDiagnostic[]> {
    return this.ask({ code, ...this.reachable(code, drafts) });
  }

  /**
   * Gives a failed report's error the (bounded) diagnostics of its code, and says whether
   * the failure is the caller's: thrown inside an integration that the code called with
   * arguments its declarations refuse (usage figures then do not count it against it).
   * A successful report is left alone, without any compiler work.
   */
  async annotate(report: RunReport, code: string, drafts: ReadonlyMap<string, string>): Promise<{ callerMisuse: boolean }> {
    if (report.ok) return { callerMisuse: false };
    const found = await this.check(code, drafts);
    if (found.length) report.error.diagnostics = boundDiagnostics(found);
    return { callerMisuse: blame(report.error.stack) !== undefined && found.some(isCallerMisuse) };
  }

  /** Starts the checker's thread and has it load TypeScript and bind the sandbox world. */
  warm(): void {
    void this.ask({ code: "", library: {}, upstream: {} });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const resolve of this.waiting.values()) resolve([]);
    this.waiting.clear();
    await worker?.terminate();
  }

  /** The sources of every `library/…` module the code reaches (drafts first) and the declarations of its `mcp/…` imports. */
  private reachable(code: string, drafts: ReadonlyMap<string, string>): Pick<DiagnosticsRequest, "library" | "upstream"> {
    const library: Record<string, string> = {};
    const upstream: Record<string, string> = {};
    const pending = [{ source: code, filename: "main.ts" }];
    while (pending.length) {
      const { source: next, filename } = pending.pop()!;
      // The sandbox compiled these already: its cache answers.
      const compiled = compileModule(next, filename);
      if (!compiled.ok) continue;
      for (const { specifier } of compiled.module.imports) {
        if (specifier.startsWith(MCP_PREFIX)) {
          const server = specifier.slice(MCP_PREFIX.length);
          const dts = Object.hasOwn(upstream, server) ? undefined : this.upstream(server);
          if (dts !== undefined) upstream[server] = dts;
          continue;
        }
        if (!specifier.startsWith(LIBRARY_PREFIX)) continue;
        const name = specifier.slice(LIBRARY_PREFIX.length);
        if (Object.hasOwn(library, name)) continue;
        const source = drafts.get(specifier) ?? this.store.get(name)?.code;
        if (source === undefined) continue;
        library[name] = source;
        pending.push({ source, filename: specifier });
      }
    }
    return { library, upstream };
  }

  private ask(request: Omit<DiagnosticsRequest, "id">): Promise<TypeDiagnostic[]> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done([]), DIAGNOSTICS_WAIT_MS);
      timer.unref();
      const done = (found: TypeDiagnostic[]) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (this.waiting.size === 0) worker.unref();
        resolve(found);
      };
      this.waiting.set(id, done);
      // A reply awaited keeps the process alive (a CLI run waits for it); an idle checker does not.
      worker.ref();
      worker.postMessage({ id, ...request } satisfies DiagnosticsRequest);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(distFile("library/diagnostics-worker.js"));
    // Never what keeps a process alive: a CLI command ends when its work does.
    worker.unref();
    worker.on("message", (reply: DiagnosticsReply) => this.waiting.get(reply.id)?.(reply.diagnostics));
    const fail = () => {
      if (this.worker === worker) this.worker = undefined;
      for (const resolve of this.waiting.values()) resolve([]);
    };
    worker.on("error", fail);
    // The warm-up is nobody's reply: it must not keep a process alive.
    worker.unref();
    worker.on("exit", fail);
    this.worker = worker;
    return worker;
  }
}

/** What a run's error carries: the first MAX_RUN_DIAGNOSTICS, each message cut at a line or word. */
export function boundDiagnostics(found: readonly TypeDiagnostic[]): RunDiagnostic[] {
  return found.slice(0, MAX_RUN_DIAGNOSTICS).map(({ line, column, message, code }) => ({ line, column, message: boundMessage(message), code }));
}

/**
 * A message within MAX_DIAGNOSTIC_CHARS: whole lines of TypeScript's message chain (the
 * first always, it says what is wrong), else the first line cut at a space, never inside a word.
 */
function boundMessage(message: string): string {
  if (message.length <= MAX_DIAGNOSTIC_CHARS) return message;
  const lines = message.split("\n");
  let kept = lines[0]!;
  if (kept.length > MAX_DIAGNOSTIC_CHARS) {
    const cut = kept.lastIndexOf(" ", MAX_DIAGNOSTIC_CHARS - 2);
    return `${kept.slice(0, cut > 0 ? cut : MAX_DIAGNOSTIC_CHARS - 2)} …`;
  }
  for (const line of lines.slice(1)) {
    if (kept.length + 1 + line.length > MAX_DIAGNOSTIC_CHARS - 2) break;
    kept += `\n${line}`;
  }
  return `${kept}\n…`;
}

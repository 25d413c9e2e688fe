import type { Limits, SandboxSettings } from "../config/schema.js";
import { BUILTIN_MODULES } from "./guest/builtin-modules.js";
import { boundStack, capError } from "./guest-errors.js";
import type { GuestModule, LogEntry } from "./protocol.js";
import { SourceMapper } from "./source-positions.js";
import { compileModule, initCompiler, type CompiledModule, type CompileResult } from "./transpile.js";
import { truncateJson } from "./truncate-json.js";
import { WorkerPool } from "./worker-pool.js";
import { redactForHost, type RunHost } from "./run-host.js";

/** The name the agent's own code has in stack traces and error positions. */
export const MAIN_MODULE = "main.ts";

/** A run_code draft's caller name is this followed by its specifier: never a saved integration's name. */
export const DRAFT_CALLER_PREFIX = "draft:";

/** Where the sandbox finds importable modules other than its builtins (the library, upstream servers). */
export interface ModuleSource {
  /** A compiled module, a compile error in it, or undefined when nothing has that name. */
  resolve(specifier: string): CompileResult | undefined | Promise<CompileResult | undefined>;
  /** Why a specifier of this source's form is missing, written for the model. */
  missing(specifier: string): string | undefined;
}

export interface RunInput {
  code: string;
  timeoutMs?: number;
  modules?: ModuleSource;
  /** Modules that take precedence over `modules` (a save's candidate under its final name). */
  overrides?: ReadonlyMap<string, CompiledModule>;
  /** run_code's drafts: modules under library names for this run only; an error thrown in one is positioned in it. */
  drafts?: ReadonlyMap<string, CompiledModule>;
  /** What the host gives the run: host functions, their handler, secrets, redaction (none: pure computation). */
  host?: RunHost;
  signal?: AbortSignal;
  /** Console lines as they are flushed, before the run ends (redacted like the report). */
  onLogs?: (entries: LogEntry[]) => void;
  /** Told the specifiers of the modules the run loaded (for usage figures; not shown to the model). */
  onModules?: (specifiers: string[]) => void;
  /** Adds to the report before it is redacted (run_code's type diagnostics of a failed run). */
  annotate?: (report: RunReport) => Promise<void>;
  /** Who asked: waiting runs are served round-robin by client. */
  client?: string;
  /** The module whose line and column a failed run's error reports (default: the code itself); e.g. a test run through a wrapper. */
  positionsIn?: string;
}

export interface RunErrorInfo {
  name: string;
  message: string;
  line?: number;
  column?: number;
  /** The draft module (`library/<name>`) that `line` and `column` point into; absent: the agent's own code. */
  module?: string;
  stack?: string;
  /** Type errors in the agent's code that explain the failure (e.g. a call with arguments the integration does not accept). */
  diagnostics?: Array<{ line: number; column: number; message: string; code: number }>;
}

export type RunReport =
  | { ok: true; result: unknown; logs: LogEntry[]; durationMs: number; truncated?: true }
  | { ok: false; error: RunErrorInfo; logs: LogEntry[]; durationMs: number };

/**
 * Runs agent code: compiles it, gathers the modules it imports, runs it in the
 * worker pool and reports the outcome with positions in the agent's own code.
 * Never throws for anything the code does.
 */
export class Sandbox {
  private readonly pool: WorkerPool;

  constructor(
    private readonly limits: Limits,
    poolSize?: number,
    settings: Partial<SandboxSettings> = {},
  ) {
    this.pool = new WorkerPool({ memoryMb: limits.memoryMb, size: poolSize, maxQueued: limits.maxQueuedRuns, maxConcurrent: limits.maxConcurrentRuns, ...settings });
  }

  async start(): Promise<void> {
    await Promise.all([initCompiler(), this.pool.start()]);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Compiles code as the module `filename` (for saving and checking without running); an error is capped as a run's is. */
  async compile(code: string, filename: string): Promise<CompileResult> {
    await initCompiler();
    const result = compileModule(code, filename);
    return result.ok ? result : { ok: false, error: capError(result.error, this.limits.maxOutputChars) };
  }

  /** Runs agent code; the report is redacted with the run host's redactor (the one place a run's output is). */
  async run(input: RunInput): Promise<RunReport> {
    const report = await this.execute(input);
    // Errors quote guest text (a thrown error page, a huge line of code): capped like results.
    if (!report.ok) report.error = capError(report.error, this.limits.maxOutputChars);
    await input.annotate?.(report);
    return redactForHost(report, input.host);
  }

  private async execute(input: RunInput): Promise<RunReport> {
    // The sandbox's own start (compiler, workers) is not the run's time.
    await Promise.all([initCompiler(), this.pool.start()]);
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;
    const timeoutMs = Math.min(input.timeoutMs ?? this.limits.timeoutMs, this.limits.timeoutMs);
    if (input.code.length > this.limits.maxCodeChars) {
      return fail(
        { name: "LimitError", message: `The code is ${input.code.length} characters; the limit is ${this.limits.maxCodeChars} (limits.maxCodeChars). Move data into the workspace or split the work.` },
        elapsed(),
      );
    }
    const main = compileModule(input.code, MAIN_MODULE);
    if (!main.ok) return fail(main.error, elapsed());

    const gathered = await gatherModules(main.module, input.modules, withDrafts(input.overrides, input.drafts));
    if ("error" in gathered) return fail(gathered.error, elapsed());
    input.onModules?.(gathered.modules.map((m) => m.filename));

    const result = await this.pool.run({
      request: {
        main: { specifier: MAIN_MODULE, js: main.module.js },
        modules: gathered.modules.map((m): GuestModule => withCaller({ specifier: m.filename, js: m.js }, input)),
        timeoutMs,
        memoryMb: this.limits.memoryMb,
        maxLogChars: this.limits.maxLogChars,
        maxHostCalls: this.limits.maxHostCalls,
        maxOutputChars: this.limits.maxOutputChars,
      },
      host: input.host,
      onLogs: input.onLogs && ((entries) => input.onLogs!(redactForHost(entries, input.host))),
      signal: input.signal,
      client: input.client,
    });
    const durationMs = elapsed();
    if (result.outcome.ok) {
      const { json, truncated } = truncateJson(result.outcome.resultJson, this.limits.maxOutputChars);
      const report: RunReport = { ok: true, result: JSON.parse(json) as unknown, logs: result.logs, durationMs };
      if (truncated || result.outcome.truncated) report.truncated = true;
      return report;
    }
    const mapper = new SourceMapper(new Map([[MAIN_MODULE, main.module.map], ...gathered.modules.map((m) => [m.filename, m.map] as const)]));
    const error: RunErrorInfo = { name: result.outcome.error.name, message: result.outcome.error.message };
    if (result.outcome.error.stack) {
      const stack = boundStack(result.outcome.error.stack, this.limits.maxOutputChars);
      const mapped = mapper.mapStack(stack);
      // Thrown inside a draft: the position is in the draft the agent is fixing.
      const inDraft = mapped.first && input.drafts?.has(mapped.first.file) ? mapped.first : undefined;
      const position = inDraft ? { module: inDraft.file, line: inDraft.line, column: inDraft.column } : mapper.firstIn(stack, input.positionsIn ?? MAIN_MODULE);
      if (position) Object.assign(error, position);
      if (mapped.stack) error.stack = mapped.stack;
    }
    return { ok: false, error, logs: result.logs, durationMs };
  }
}

function fail(error: RunErrorInfo, durationMs: number): RunReport {
  return { ok: false, error, logs: [], durationMs };
}

/**
 * Names the module's caller when the run attributes calls: a saved integration by its
 * specifier, a draft as `draft:<specifier>`; a save's candidate (an override) is not
 * saved yet and stays the run's own.
 */
function withCaller(module: GuestModule, input: RunInput): GuestModule {
  if (!input.host?.attributeCallers || !module.specifier.startsWith("library/") || input.overrides?.has(module.specifier)) return module;
  return { ...module, caller: input.drafts?.has(module.specifier) ? `${DRAFT_CALLER_PREFIX}${module.specifier}` : module.specifier };
}

/** Overrides (a save's candidate) first, then drafts. */
function withDrafts(overrides: ReadonlyMap<string, CompiledModule> | undefined, drafts: ReadonlyMap<string, CompiledModule> | undefined): ReadonlyMap<string, CompiledModule> | undefined {
  if (!drafts?.size) return overrides;
  return new Map([...drafts, ...(overrides ?? [])]);
}

/** Every module reachable from `main` through literal imports, compiled; or the first reason one is missing. */
async function gatherModules(
  main: CompiledModule,
  source: ModuleSource | undefined,
  overrides: ReadonlyMap<string, CompiledModule> | undefined,
): Promise<{ modules: CompiledModule[] } | { error: RunErrorInfo }> {
  const found = new Map<string, CompiledModule>();
  const pending: Array<{ importer: CompiledModule; specifier: string; dynamic: boolean }> = main.imports.map((i) => ({ importer: main, ...i }));
  while (pending.length > 0) {
    const { importer, specifier, dynamic } = pending.pop()!;
    if (found.has(specifier) || specifier in BUILTIN_MODULES) continue;
    const override = overrides?.get(specifier);
    const resolved: CompileResult | undefined = override ? { ok: true, module: override } : await source?.resolve(specifier);
    if (!resolved) {
      if (dynamic) continue;
      const why = source?.missing(specifier) ?? defaultMissing(specifier);
      return { error: { name: "ImportError", message: importer.filename === MAIN_MODULE ? why : `${importer.filename}: ${why}` } };
    }
    if (!resolved.ok) {
      if (resolved.error.name === "PackageError") return { error: { name: "ImportError", message: importer.filename === MAIN_MODULE ? resolved.error.message : `${importer.filename}: ${resolved.error.message}` } };
      return { error: { name: "ImportError", message: `'${specifier}' does not compile: ${resolved.error.message}. Fix it with save_integration.` } };
    }
    found.set(specifier, resolved.module);
    for (const next of resolved.module.imports) pending.push({ importer: resolved.module, ...next });
  }
  return { modules: [...found.values()] };
}

/** Several module sources as one: the first that knows a specifier wins. */
export class CompositeModuleSource implements ModuleSource {
  constructor(private readonly sources: ModuleSource[]) {}

  async resolve(specifier: string): Promise<CompileResult | undefined> {
    for (const source of this.sources) {
      const found = await source.resolve(specifier);
      if (found) return found;
    }
    return undefined;
  }

  missing(specifier: string): string | undefined {
    for (const source of this.sources) {
      const why = source.missing(specifier);
      if (why) return why;
    }
    return undefined;
  }
}

function defaultMissing(specifier: string): string {
  if (specifier.startsWith("library/")) {
    return `Cannot find module '${specifier}': no saved integration has that name. Use search_library to find one.`;
  }
  return `Cannot import '${specifier}': only 'library/<name>', 'mcp/<server>', 'npm:<package>@<range>' and 'toolsmith' can be imported (no Node built-ins).`;
}

import type { AlwaysOn } from "../always-on/always-on.js";
import { ALWAYS_ON_HOST_FUNCTIONS, alwaysOnHostCalls } from "../always-on/always-on-host-calls.js";
import { RUN_INPUT_MODULE, runInputModule } from "../always-on/export-run.js";
import { newRunId, type Asker } from "../bridge/approvals/approval-gate.js";
import { compileDrafts } from "../library/draft-modules.js";
import { LIBRARY_HOST_FUNCTIONS, libraryHostCalls, type LibraryEditor } from "../library/library-host-calls.js";
import { directImports } from "../library/usage-stats.js";
import type { LogEntry } from "../sandbox/protocol.js";
import type { RunReport } from "../sandbox/sandbox.js";
import type { RunTrigger } from "../telemetry/run-record.js";
import type { RunSpans } from "../telemetry/run-trace.js";
import type { HomeServices, RunWithModules, Services } from "./services.js";

export interface RunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string, progress?: number, total?: number) => void;
  /** Console lines while the run goes on (sent as progress when the client asked for it). */
  onLog?: (entry: LogEntry) => void;
  /** Who asked (an MCP session or connection), for fair scheduling. */
  client?: string;
  /** Puts approval questions to a person (MCP elicitation); without one, calls that need approval are refused. */
  asker?: Asker;
  /** What started the run (default: a tool call); recorded on its trace. */
  trigger?: RunTrigger;
  /** The caller's W3C trace context (an MCP request's `_meta.traceparent`): the run's trace continues it. */
  traceparent?: string;
  /** Drafts `{ "library/<name>": code }` shadowing saved integrations for this run (checked by compileDrafts). */
  modules?: unknown;
  /** A schedule's or hook's arguments, the default export of RUN_INPUT_MODULE for this run (see always-on/export-run.ts). */
  input?: unknown;
  /** The integration a schedule or hook runs: charged with failures no stack frame blames on another. */
  owner?: string;
}

/** What a run's guest reaches beyond the bridge: `library.*` edits and this home's schedules and hooks. */
export interface RunCalls {
  editor: LibraryEditor;
  alwaysOn: () => Promise<AlwaysOn>;
}

/**
 * One run, whatever started it, traced (see telemetry/telemetry.ts): waits for the
 * started home with its library current, runs in the sandbox, annotates a failure with
 * its type errors, records usage, and reports what the model may see (redacted).
 */
export async function runCode(home: HomeServices, current: () => Promise<Services>, code: string, options: RunOptions, calls: RunCalls): Promise<RunWithModules> {
  const redact = (text: string) => home.settings.latestBridge().vault.redact(text);
  let services: Services | undefined;
  let loaded: string[] = [];
  const report = await home.telemetry.traceRun(
    { trigger: options.trigger, traceparent: options.traceparent, redact },
    async (trace) => {
      services = await current();
      const outcome = await runInSandbox(services, code, options, trace, calls);
      loaded = outcome.modules;
      return outcome;
    },
    (name) => services?.store.get(name)?.version,
  );
  return { report, modules: loaded };
}

async function runInSandbox(services: Services, code: string, options: RunOptions, trace: RunSpans, calls: RunCalls): Promise<RunWithModules> {
  const { sandbox, settings, store } = services;
  const bridge = await settings.bridge();
  const drafted = await compileDrafts(options.modules, (source, filename) => sandbox.compile(source, filename), services.config.limits.maxCodeChars);
  if (!drafted.ok) return { report: { ok: false, error: drafted.error, logs: [], durationMs: 0 }, modules: [] };
  const run = bridge.forRun({ signal: options.signal, onProgress: options.onProgress, asker: options.asker, runId: newRunId(), trace, declaredHosts: (name) => store.get(name)?.meta.hosts });
  // `library.remove` / `library.rename` from the toolsmith module act on this library; the rest goes to the bridge.
  // `schedules` / `hooks` act on this home.
  const onHostCall = alwaysOnHostCalls(calls.alwaysOn, libraryHostCalls(calls.editor, run.onHostCall));
  // A schedule's or hook's arguments: a module of this run only, there when the code starts.
  const overrides = options.input === undefined ? undefined : new Map([[RUN_INPUT_MODULE, runInputModule(options.input)]]);
  const { onLog } = options;
  let modules: string[] = [];
  let callerMisuse = false;
  // The sandbox redacts the report and the streamed logs with the bridge's vault (the run host's redactor).
  const report = await sandbox.run({
    code,
    timeoutMs: options.timeoutMs,
    modules: services.modules,
    drafts: drafted.drafts,
    overrides,
    signal: options.signal,
    host: { ...run, hostFunctions: [...run.hostFunctions, ...LIBRARY_HOST_FUNCTIONS, ...ALWAYS_ON_HOST_FUNCTIONS], onHostCall },
    client: options.client,
    onLogs: onLog ? (entries) => entries.forEach((e) => onLog(e)) : undefined,
    onModules: (loaded) => (modules = loaded),
    // A failed run carries the type errors of its code; a successful one pays nothing.
    annotate: async (unredacted) => void ({ callerMisuse } = await services.diagnostics.annotate(unredacted, code, drafted.sources)),
  });
  // A draft is not the saved integration: its runs are not that integration's usage.
  const used = modules.filter((m) => !drafted.drafts.has(m));
  // Usage figures (shown by search, kept in state/usage.json) record what the model sees: the redacted report.
  services.usage.record({ modules: used, direct: directImports(code), ok: report.ok, error: report.ok ? undefined : report.error, durationMs: report.durationMs, callerMisuse, owner: options.owner });
  return { report, modules: used };
}

/** The answer to work that arrives while the home shuts down. */
export function shuttingDown(): Extract<RunReport, { ok: false }> {
  return { ok: false, error: { name: "ShuttingDownError", message: "toolsmith is shutting down and takes no new work. Retry once it is back." }, logs: [], durationMs: 0 };
}

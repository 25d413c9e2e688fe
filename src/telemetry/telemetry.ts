import { join } from "node:path";
import type { TelemetrySettings } from "../config/schema.js";
import type { TraceExport } from "./otlp-export.js";
import { RunLog, type RunFilter } from "./run-log.js";
import type { RunRecord, RunTrigger } from "./run-record.js";
import { RunTrace, type RunOutcome } from "./run-trace.js";
import { parseTraceparent } from "./traceparent.js";
import type { RunReport } from "../sandbox/sandbox.js";
import { withTimeout } from "../util/with-timeout.js";

/** How long shutting down waits for the last spans to reach the collector (a collector that is down must not hold up exit). */
const SHUTDOWN_EXPORT_MS = 3_000;

/** Modules of saved integrations, as the sandbox names the modules a run loaded. */
const LIBRARY_MODULE_PREFIX = "library/";

/** The folder of the run records inside the home's `state/`. */
export const RUNS_DIR = "runs";

export interface StartRunOptions {
  trigger?: RunTrigger;
  /** The caller's W3C traceparent (an MCP request's `_meta.traceparent`); malformed values start a new trace. */
  traceparent?: unknown;
  redact: (text: string) => string;
}

/**
 * Traces of what ran: every run gets a trace, recorded in `state/runs/` and, with
 * `telemetry.otlpEndpoint` set, exported over OTLP. With no endpoint there is no
 * tracer provider at all: a run costs its record and nothing else.
 */
export class Telemetry {
  private readonly runLog: RunLog;
  /** The OpenTelemetry SDK is loaded only with an endpoint set (loading it costs a start hundreds of milliseconds). */
  private readonly export: Promise<TraceExport | undefined>;

  constructor(
    settings: TelemetrySettings,
    stateDir: string,
    writerId: number,
    private readonly warn: (line: string) => void,
  ) {
    this.runLog = new RunLog(join(stateDir, RUNS_DIR), writerId);
    this.export = settings.otlpEndpoint ? import("./otlp-export.js").then(({ createTraceExport }) => createTraceExport(settings, warn)) : Promise.resolve(undefined);
    this.export = this.export.catch((error: Error) => {
      warn(`telemetry: cannot export spans (${error.message}); runs are still recorded locally ('toolsmith runs').`);
      return undefined;
    });
  }

  private async startRun(options: StartRunOptions): Promise<RunTrace> {
    const trigger = options.trigger ?? { kind: "tool-call" };
    const tracer = (await this.export)?.tracer;
    return new RunTrace({ name: runName(trigger), trigger, parent: parseTraceparent(options.traceparent), tracer, redact: options.redact });
  }

  /**
   * Runs `work` as one traced run, whoever started it (tool call, schedule, hook,
   * CLI): `work` gets the trace to hand to the host bridge and returns the (redacted)
   * report and the modules it loaded; `versionOf` names the version of a saved
   * integration. A run that throws is recorded as failed, and the error rethrown.
   */
  async traceRun(options: StartRunOptions, work: (trace: RunTrace) => Promise<{ report: RunReport; modules: string[] }>, versionOf: (name: string) => string | undefined): Promise<RunReport> {
    const run = await this.startRun(options);
    let outcome: RunOutcome = { ok: false, error: { name: "InternalError", message: "the run ended before reporting" }, integrations: [] };
    try {
      const { report, modules } = await work(run);
      const integrations = modules.filter((m) => m.startsWith(LIBRARY_MODULE_PREFIX)).map((m) => {
        const name = m.slice(LIBRARY_MODULE_PREFIX.length);
        const version = versionOf(name);
        return version ? { name, version } : { name };
      });
      outcome = { ok: report.ok, ...(report.ok ? {} : { error: { name: report.error.name, message: report.error.message } }), integrations };
      return report;
    } catch (error) {
      outcome.error = { name: "InternalError", message: (error as Error).message ?? String(error) };
      throw error;
    } finally {
      this.finishRun(run, outcome);
    }
  }

  /** Ends the run's span and records it. */
  private finishRun(run: RunTrace, outcome: RunOutcome): RunRecord {
    const record = run.finish(outcome);
    this.runLog.append(record);
    return record;
  }

  recent(filter?: RunFilter): Promise<RunRecord[]> {
    return this.runLog.recent(filter);
  }

  async close(): Promise<void> {
    await this.runLog.flush();
    const traceExport = await this.export;
    if (traceExport) await withTimeout(traceExport.shutdown(), SHUTDOWN_EXPORT_MS, "exporting the last spans").catch((error: Error) => this.warn(`telemetry: ${error.message}; they were dropped.`));
  }
}

/** The run span's name: what kind of run, never an id (ids are attributes; span names stay few). */
function runName(trigger: RunTrigger): string {
  switch (trigger.kind) {
    case "tool-call":
      return "run_code";
    case "cli":
      return "toolsmith run";
    default:
      return trigger.kind;
  }
}

import { join } from "node:path";
import { homePaths, resolveHomeDir } from "../../config/home.js";
import { isIntegrationName, INTEGRATION_NAME_HINT } from "../../library/names.js";
import { DEFAULT_RUNS_LISTED, MAX_RUNS_LISTED, RunLog } from "../../telemetry/run-log.js";
import type { RunRecord, SpanRecord } from "../../telemetry/run-record.js";
import { RUNS_DIR } from "../../telemetry/telemetry.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const RUNS_HELP = `Usage: toolsmith runs [--failed] [--integration NAME] [--limit N] [--json]

Lists the last runs of this home, newest first, with what each did: every fetch
(method, host, path, status, bytes), upstream MCP call and workspace operation, with
durations. Runs of every kind are listed: run_code calls, schedules, webhooks and
'toolsmith run'. Secret values never appear (they are shown as [secret:NAME]).

  --failed            only runs that failed
  --integration NAME  only runs that imported the saved integration NAME
  --limit N           how many runs (default ${DEFAULT_RUNS_LISTED}, at most ${MAX_RUNS_LISTED})
  --json              the run records as JSON (trace and span ids included)

Kept in the home's state/runs/ (about the last 5 MB of runs). With telemetry.otlpEndpoint
set in config.json, the same spans are also exported to an OpenTelemetry collector.
`;

export async function runsCommand(ctx: CliContext, positionals: string[], flags: { failed?: boolean; integration?: string; limit?: string; json?: boolean }): Promise<ExitCode> {
  if (positionals.length) throw new UsageError("runs takes no arguments; filter with --failed and --integration NAME.");
  if (flags.integration !== undefined && !isIntegrationName(flags.integration)) throw new UsageError(`'${flags.integration}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUNS_LISTED)) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_RUNS_LISTED}, not '${flags.limit}'.`);
  // Reading the records needs neither git nor the library: this works while servers run on the home.
  const log = new RunLog(join(homePaths(resolveHomeDir(ctx.env)).state, RUNS_DIR), 0);
  const runs = await log.recent({ failed: flags.failed, integration: flags.integration, limit });
  if (flags.json) {
    ctx.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    ctx.stdout(`${describeEmpty(flags)}\n`);
    return 0;
  }
  for (const run of runs) ctx.stdout(formatRun(run));
  return 0;
}

function describeEmpty(flags: { failed?: boolean; integration?: string }): string {
  const what = [flags.failed ? "failed runs" : "runs", flags.integration ? `that imported ${flags.integration}` : ""].filter(Boolean).join(" ");
  return `No ${what} recorded yet.`;
}

/** One run: a header line, its integrations and error, then one indented line per span. */
export function formatRun(run: RunRecord): string {
  const trigger = run.trigger.id ? `${run.trigger.kind} ${run.trigger.id}` : run.trigger.kind;
  const lines = [`${run.startedAt}  ${run.ok ? "ok    " : "FAILED"}  ${formatMs(run.durationMs)}  ${trigger}  trace ${run.traceId}`];
  if (run.integrations.length) lines.push(`  integrations: ${run.integrations.map((i) => (i.version ? `${i.name}@${i.version.slice(0, 12)}` : i.name)).join(", ")}`);
  if (run.error) lines.push(`  error: ${run.error.name}: ${firstLine(run.error.message)}`);
  for (const span of run.spans) lines.push(`  ${formatSpan(span)}`);
  if (run.droppedSpans) lines.push(`  … and ${run.droppedSpans} more operations (not recorded)`);
  return `${lines.join("\n")}\n`;
}

function formatSpan(span: SpanRecord): string {
  const a = span.attributes;
  const outcome = span.ok ? "ok" : `failed (${span.error ? `${span.error.name}: ${firstLine(span.error.message)}` : "error"})`;
  let what: string;
  switch (a["toolsmith.op"]) {
    case "fetch": {
      const port = a["server.port"] === 80 || a["server.port"] === 443 ? "" : `:${a["server.port"]}`;
      const status = a["http.response.status_code"] === undefined ? "" : ` → ${a["http.response.status_code"]}, ${a["http.response.body.size"] ?? 0} bytes`;
      what = `fetch ${a["http.request.method"]} ${a["server.address"] ?? "?"}${port}${a["url.path"] ?? ""}${status}`;
      break;
    }
    case "mcp.call":
      what = `mcp ${a["toolsmith.mcp.server"]}/${a["gen_ai.tool.name"]}`;
      break;
    default: {
      const bytes = a["toolsmith.workspace.bytes"] !== undefined ? `, ${a["toolsmith.workspace.bytes"]} bytes` : a["toolsmith.workspace.entries"] !== undefined ? `, ${a["toolsmith.workspace.entries"]} entries` : "";
      what = a["toolsmith.workspace.op"] !== undefined ? `workspace ${a["toolsmith.workspace.op"]} ${a["toolsmith.workspace.path"]}${bytes}` : span.name;
    }
  }
  return `+${formatMs(span.offsetMs)}  ${formatMs(span.durationMs)}  ${what}  ${outcome}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function firstLine(text: string): string {
  return text.split("\n")[0]!;
}

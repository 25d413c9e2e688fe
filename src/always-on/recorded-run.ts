import { runExport, type ExportCall, type ExportRunner } from "./export-run.js";
import type { RunRecord, RunRecords, RunTrigger } from "./run-records.js";

export interface RecordedRun {
  runId: string;
  record: RunRecord;
}

/**
 * Runs one export call for a schedule or hook `id` and keeps its outcome in
 * workspace/runs/<id>/. `onStarted` gets the run id as soon as it is reserved (a hook's
 * 202 names it before the run ends). Never rejects for anything the code does.
 */
export async function recordedRun(
  deps: { runner: ExportRunner; records: RunRecords },
  id: string,
  trigger: RunTrigger,
  call: ExportCall,
  options: { dueAt?: Date; onStarted?: (runId: string) => void } = {},
): Promise<RecordedRun> {
  const started = new Date();
  const runId = await deps.records.reserve(id, started);
  options.onStarted?.(runId);
  const { report, versions } = await runExport(deps.runner, { ...call, trigger: { kind: trigger === "hook" ? "hook" : "schedule", id } });
  const record: RunRecord = {
    ok: report.ok,
    ...(report.ok ? { result: report.result } : { error: { name: report.error.name, message: report.error.message, ...(report.error.stack ? { stack: report.error.stack } : {}) } }),
    startedAt: started.toISOString(),
    durationMs: report.durationMs,
    trigger,
    integration: call.integration,
    export: call.export,
    logs: report.logs,
    versions,
    ...(options.dueAt ? { dueAt: options.dueAt.toISOString() } : {}),
  };
  await deps.records.write(runId, record);
  return { runId, record };
}

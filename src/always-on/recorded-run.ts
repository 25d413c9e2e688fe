import { runExport, type ExportCall, type ExportRunner } from "./export-run.js";
import type { RunRecord, RunRecords, RunTrigger } from "./run-records.js";

export interface RecordedRun {
  runId: string;
  record: RunRecord;
  /** Resolves once the record is on disk (or its failure logged): a hook replies before, a schedule's firing ends after. */
  persisted: Promise<void>;
}

/**
 * Runs one export call for a schedule or hook `id` and keeps its outcome in
 * workspace/runs/<id>/. The run id is reserved (its file made, empty) while the run
 * starts, not before it; `onStarted` gets it as soon as it is (a hook's 202 names it
 * before the run ends). Resolves when the run has ended, with the record's write under
 * way (`persisted`). Never rejects for anything the code does; rejects when the run id
 * cannot be reserved (after the run ended, its outcome logged).
 */
export async function recordedRun(
  deps: { runner: ExportRunner; records: RunRecords; log?: (line: string) => void },
  id: string,
  trigger: RunTrigger,
  call: ExportCall,
  options: { dueAt?: Date; onStarted?: (runId: string) => void } = {},
): Promise<RecordedRun> {
  const started = new Date();
  const outcome = runExport(deps.runner, { ...call, trigger: { kind: trigger === "hook" ? "hook" : "schedule", id } });
  // Reserved once the run is on its way to a worker (its dispatch is microtasks; this
  // waits for the next turn): the reservation's file system calls wake a thread-pool
  // thread, which on a busy machine took the CPU from the run's dispatch (~1 ms of a hook's reply).
  const reserving = new Promise<void>((resolve) => setImmediate(resolve)).then(() => deps.records.reserve(id, started));
  reserving.then(options.onStarted, () => undefined);
  const runId = await reserving.catch(async (error: Error) => {
    const { report } = await outcome;
    deps.log?.(`${trigger} ${id}: the run could not be recorded (${error.message}); it ${report.ok ? "succeeded" : `failed: ${report.error.name}: ${report.error.message}`}`);
    throw error;
  });
  const { report, versions } = await outcome;
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
  return { runId, record, persisted: deps.records.writeSoon(runId, record) };
}

import type { RunRecords } from "./run-records.js";
import type { ScheduledJob } from "./scheduler.js";

/** The id of the built-in self-check: its outcomes are under workspace/runs/self-check/. */
export const SELF_CHECK_ID = "self-check";

/** One integration's re-run test. `passed: null`: it has no test. */
export interface Verification {
  name: string;
  passed: boolean | null;
  error?: string;
}

export interface SelfCheckDeps {
  /** The integrations to check (every one in the library). */
  names(): Promise<string[]>;
  /**
   * Re-runs one integration's test and records the outcome as its latest verification
   * (injected: library/verify-integration.ts's verifyForSelfCheck).
   */
  verify(name: string): Promise<Verification>;
  records: RunRecords;
  log(line: string): void;
}

/**
 * The optional built-in schedule (config `schedules.selfCheck: { cron, tz? }`) that
 * re-runs every integration's test, one at a time, and keeps a summary under
 * runs/self-check/: `ok` is false when any test failed, `result` lists each outcome.
 */
export function selfCheckJob(settings: { cron: string; tz?: string }, deps: SelfCheckDeps): ScheduledJob {
  return {
    id: SELF_CHECK_ID,
    cron: settings.cron,
    tz: settings.tz,
    // A check missed during downtime is not worth running late: the next one comes.
    catchUp: false,
    fire: async (dueAt) => {
      await runSelfCheck(deps, dueAt);
    },
  };
}

export async function runSelfCheck(deps: SelfCheckDeps, dueAt?: Date): Promise<{ runId: string; failed: string[] }> {
  const started = new Date();
  const runId = await deps.records.reserve(SELF_CHECK_ID, started);
  const outcomes: Verification[] = [];
  for (const name of await deps.names()) {
    try {
      outcomes.push(await deps.verify(name));
    } catch (error) {
      outcomes.push({ name, passed: false, error: `The check itself failed: ${(error as Error).message}` });
    }
  }
  const failed = outcomes.filter((o) => o.passed === false).map((o) => o.name);
  if (failed.length) deps.log(`self-check: ${failed.length} integration test(s) failed: ${failed.join(", ")}`);
  await deps.records.write(runId, {
    ok: failed.length === 0,
    result: { checked: outcomes.length, failed, outcomes },
    ...(failed.length ? { error: { name: "VerificationError", message: `Tests failed: ${failed.join(", ")}` } } : {}),
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    trigger: "self-check",
    logs: [],
    versions: {},
    ...(dueAt ? { dueAt: dueAt.toISOString() } : {}),
  });
  return { runId, failed };
}

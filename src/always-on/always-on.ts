import type { HomePaths } from "../config/home.js";
import type { SchedulesSettings } from "../config/schema.js";
import { HOOKS_FILE, SCHEDULES_FILE, type HookEntry, type ScheduleEntry } from "./always-on-files.js";
import { EntryBook } from "./entry-book.js";
import type { ExportRunner } from "./export-run.js";
import { HookService } from "./hook-service.js";
import { RunRecords } from "./run-records.js";
import { ScheduleClaims } from "./schedule-claims.js";
import { ScheduleService } from "./schedule-service.js";
import type { ExportsOf } from "./entry-checks.js";
import { systemClock, type Clock } from "./scheduler.js";
import { selfCheckJob, type SelfCheckDeps } from "./self-check.js";

export interface AlwaysOnOptions {
  paths: HomePaths;
  settings: SchedulesSettings;
  runner: ExportRunner;
  exportsOf: ExportsOf;
  pid: number;
  log(line: string): void;
  clock?: Clock;
  /** What the built-in self-check uses (it runs only with config schedules.selfCheck). */
  selfCheck?: Pick<SelfCheckDeps, "names" | "verify">;
}

/**
 * Schedules and webhooks of one home: the files, the run records, the scheduler. Every
 * process has one (the CLI changes the files and runs a schedule once); only a serving
 * process with `schedules.enabled` calls `start()` and so fires schedules.
 */
export class AlwaysOn {
  readonly schedules: ScheduleService;
  readonly hooks: HookService;
  readonly records: RunRecords;
  private started = false;

  constructor(private readonly options: AlwaysOnOptions) {
    const { paths, settings, log } = options;
    const clock = options.clock ?? systemClock;
    this.records = new RunRecords(paths.workspace, settings.keepRuns, log);
    const builtins = settings.selfCheck && options.selfCheck ? [selfCheckJob(settings.selfCheck, { ...options.selfCheck, records: this.records, log })] : [];
    this.schedules = new ScheduleService({
      book: new EntryBook<ScheduleEntry>(paths.schedules, SCHEDULES_FILE, "schedules.json", paths.state, log),
      claims: new ScheduleClaims(paths.state, options.pid),
      records: this.records,
      runner: options.runner,
      exportsOf: options.exportsOf,
      catchUp: settings.catchUp,
      builtins,
      clock,
      log,
    });
    this.hooks = new HookService({
      book: new EntryBook<HookEntry>(paths.hooks, HOOKS_FILE, "hooks.json", paths.state, log),
      records: this.records,
      runner: options.runner,
      exportsOf: options.exportsOf,
      now: () => clock.now(),
      log,
      stateDir: paths.state,
    });
  }

  /** Whether this process fires schedules and answers /hooks/ (config schedules.enabled). */
  get enabled(): boolean {
    return this.options.settings.enabled;
  }

  /** Starts firing schedules (serving processes with schedules.enabled). */
  start(): void {
    if (!this.enabled || this.started) return;
    this.started = true;
    this.schedules.scheduler.start();
  }

  /** Stops firing; waits for runs in progress and for the records of runs already answered (hooks reply before theirs is written). */
  async stop(): Promise<void> {
    await this.schedules.scheduler.stop();
    await Promise.all([this.records.flush(), this.hooks.flush()]);
  }
}

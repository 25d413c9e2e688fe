import { ScheduleEntrySchema, type ScheduleEntry } from "./always-on-files.js";
import { AlwaysOnError, checkId, checkTarget, invalidEntries, type ExportsOf, type InvalidEntry } from "./entry-checks.js";
import { describeZodIssue } from "../config/zod-issues.js";
import { prototypeKeyPath, PROTOTYPE_KEY_HINT } from "../config/prototype-keys.js";
import { EntryBook } from "./entry-book.js";
import type { ExportRunner } from "./export-run.js";
import { recordedRun } from "./recorded-run.js";
import type { RunRecord, RunRecords } from "./run-records.js";
import type { ScheduleClaims, ScheduleState } from "./schedule-claims.js";
import { nextDue, Scheduler, type Clock, type ScheduledJob } from "./scheduler.js";

/** Largest JSON text of a schedule's arguments: they live in schedules.json (larger data belongs in the workspace). */
export const MAX_SCHEDULE_ARGS_CHARS = 64 * 1024;



export interface ScheduleListing extends ScheduleEntry {
  id: string;
  /** The next time it is due (ISO), in UTC. */
  next?: string;
  lastRun?: ScheduleState["lastRun"];
  running: boolean;
}


export interface RunNowResult {
  runId: string;
  ok: boolean;
  result?: unknown;
  error?: RunRecord["error"];
  durationMs: number;
}

export interface ScheduleServiceDeps {
  book: EntryBook<ScheduleEntry>;
  claims: ScheduleClaims;
  records: RunRecords;
  runner: ExportRunner;
  exportsOf: ExportsOf;
  /** schedules.catchUp from config.json: a schedule's own catchUp wins. */
  catchUp: boolean;
  /** Built-in jobs (the self-check) fired beside the schedules of schedules.json. */
  builtins: ScheduledJob[];
  clock: Clock;
  log(line: string): void;
}

/** schedules.set/list/remove/runNow, and the jobs the scheduler fires. */
export class ScheduleService {
  readonly scheduler: Scheduler;

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.scheduler = new Scheduler({ clock: deps.clock, claims: deps.claims, jobs: () => this.jobs(), log: deps.log });
  }

  async set(id: unknown, input: unknown): Promise<{ id: string; created: boolean; next?: string }> {
    const name = checkId(id, "schedules.set");
    const parsed = ScheduleEntrySchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((issue) => describeZodIssue(issue)).join("; ");
      throw new AlwaysOnError(`schedules.set("${name}", …): ${problems}. Pass { cron, tz?, integration, export, args?, catchUp? }, e.g. { cron: "0 9 * * MON", tz: "Europe/Berlin", integration: "reports/weekly", export: "send", args: [] }.`, "ScheduleError");
    }
    const reserved = prototypeKeyPath(parsed.data.args);
    if (reserved) throw new AlwaysOnError(`schedules.set("${name}", …): 'args.${reserved}': ${PROTOTYPE_KEY_HINT}.`, "ScheduleError");
    const argsChars = JSON.stringify(parsed.data.args ?? []).length;
    if (argsChars > MAX_SCHEDULE_ARGS_CHARS) throw new AlwaysOnError(`schedules.set("${name}", …): args are ${argsChars} characters of JSON; at most ${MAX_SCHEDULE_ARGS_CHARS}. Write large data to the workspace and pass its path.`, "ScheduleError");
    checkTarget(this.deps.exportsOf, parsed.data, "ScheduleError");
    const created = await this.deps.book.change((entries) => {
      const existed = entries.has(name);
      entries.set(name, parsed.data);
      return !existed;
    });
    // A changed cron starts counting from now: earlier due times of the old cron are not "missed".
    await this.deps.claims.restartFrom(name, new Date(this.deps.clock.now()));
    this.scheduler.lookSoon();
    const next = nextDue(parsed.data.cron, parsed.data.tz, new Date(this.deps.clock.now()));
    return { id: name, created, ...(next ? { next: next.toISOString() } : {}) };
  }

  /** Every schedule, and each entry of schedules.json that cannot be used as `{ id, problem }`. */
  async list(): Promise<Array<ScheduleListing | InvalidEntry>> {
    const { entries, problems } = await this.deps.book.currentOrEmpty();
    const states = await this.deps.claims.all();
    const now = new Date(this.deps.clock.now());
    const schedules = [...entries].map(([id, entry]): ScheduleListing => {
      const next = nextDue(entry.cron, entry.tz, now);
      const state = states[id];
      return { id, ...entry, ...(next ? { next: next.toISOString() } : {}), ...(state?.lastRun ? { lastRun: state.lastRun } : {}), running: state?.runningPid !== undefined };
    });
    return [...schedules, ...invalidEntries(problems)];
  }

  async remove(id: unknown): Promise<{ removed: boolean }> {
    const name = checkId(id, "schedules.remove");
    const removed = await this.deps.book.change((entries) => entries.delete(name));
    if (removed) await this.deps.claims.forget(name);
    return { removed };
  }

  /** Runs the schedule once now (not counted as a due time); refused while a run of it is going on. */
  async runNow(id: unknown): Promise<RunNowResult> {
    const name = checkId(id, "schedules.runNow");
    const { entries, problems } = await this.deps.book.current();
    const entry = entries.get(name);
    if (!entry) {
      const problem = problems.find((p) => p.id === name);
      throw new AlwaysOnError(problem ? `Schedule '${name}' cannot run: ${problem.message}. Fix it with schedules.set.` : `No schedule '${name}'. schedules.list() shows the schedules; schedules.set adds one.`, "ScheduleError");
    }
    let done: RunNowResult | undefined;
    const claim = await this.scheduler.runExclusive(name, undefined, async () => {
      done = await this.fire(name, entry, "manual");
    });
    if (!done) throw new AlwaysOnError(`Schedule '${name}' is running now (claim: ${claim}); runs of one schedule never overlap. Try again when it has finished; schedules.list() shows whether it is running.`, "ScheduleError");
    return done;
  }

  private async fire(id: string, entry: ScheduleEntry, trigger: "schedule" | "manual", dueAt?: Date): Promise<RunNowResult> {
    let runId: string | undefined;
    try {
      const { runId: done, record, persisted } = await recordedRun(this.deps, id, trigger, { integration: entry.integration, export: entry.export, args: entry.args ?? [] }, { dueAt, onStarted: (r) => (runId = r) });
      runId = done;
      // A firing ends with its record on disk: the next firing and `schedule list` see it.
      await persisted;
      await this.deps.claims.release(id, { runId, ok: record.ok, at: record.startedAt, ...(record.error ? { error: `${record.error.name}: ${record.error.message}`.slice(0, 500) } : {}) });
      return { runId, ok: record.ok, ...(record.ok ? { result: record.result } : { error: record.error }), durationMs: record.durationMs };
    } catch (error) {
      await this.deps.claims.release(id, undefined);
      this.deps.log(`schedule ${id}: the run${runId ? ` ${runId}` : ""} could not be recorded: ${(error as Error).message}`);
      throw error;
    }
  }

  private async jobs(): Promise<ScheduledJob[]> {
    const { entries } = await this.deps.book.currentOrEmpty();
    const jobs: ScheduledJob[] = [...entries].map(([id, entry]) => ({
      id,
      cron: entry.cron,
      tz: entry.tz,
      catchUp: entry.catchUp ?? this.deps.catchUp,
      fire: async (dueAt) => {
        await this.fire(id, entry, "schedule", dueAt);
      },
    }));
    return [...jobs, ...this.deps.builtins.filter((b) => !entries.has(b.id))];
  }
}

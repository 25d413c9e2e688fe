import { UsageError, withHome, type CliContext, type ExitCode } from "../cli-context.js";
import { UserError } from "../../toolsmith.js";

export const SCHEDULE_HELP = `Usage:
  toolsmith schedule add ID --cron "EXPR" [--tz ZONE] --integration NAME --export FN [--args JSON] [--catch-up | --skip-missed]
  toolsmith schedule list [--json]
  toolsmith schedule remove ID
  toolsmith schedule run ID [--json]      run it once now, in this process

Schedules run an export of a saved integration on a cron with a time zone; the running
server (toolsmith serve, stdio or --http) fires them when config schedules.enabled is
true (the default). They live in schedules.json in the home. Each run's outcome is kept
in the workspace as runs/<ID>/<timestamp>.json.

  --cron EXPR       5 fields "minute hour day month weekday" ("0 9 * * MON"), or 6 with seconds first
  --tz ZONE         IANA time zone the cron is read in (default UTC), e.g. Europe/Berlin
  --args JSON       the export's arguments as a JSON array, e.g. '["octo/repo", 7]'
  --catch-up        after downtime, run a missed firing once (default: config schedules.catchUp)
  --skip-missed     after downtime, skip missed firings
See docs/always-on.md.
`;

export const HOOK_HELP = `Usage:
  toolsmith hook add ID --integration NAME --export FN [--async]
  toolsmith hook list [--json]
  toolsmith hook remove ID

A hook runs an export of a saved integration when a signed POST arrives at /hooks/ID on
the HTTP server (toolsmith serve --http). The export gets { method, headers, body }.
'add' prints the hook's signing secret once (kept in hooks.json, mode 0600). The sender
signs every request: X-Toolsmith-Timestamp: <Unix seconds> and X-Toolsmith-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret>.

  --async   always answer 202 with a run id (default: the export's result, or 202 when it
            takes longer than config hooks.replyTimeoutMs)
See docs/always-on.md.
`;

interface Flags {
  cron?: string;
  tz?: string;
  integration?: string;
  export?: string;
  args?: string;
  "catch-up"?: boolean;
  "skip-missed"?: boolean;
  async?: boolean;
  json?: boolean;
}

/** ScheduleError / HookError / a bad file: the message says what to fix; exit 1. */
const asUserError = (error: unknown): never => {
  const name = (error as Error).name;
  if (name === "ScheduleError" || name === "HookError" || name === "AlwaysOnFileError") throw new UserError((error as Error).message);
  throw error;
};

export async function scheduleCommand(ctx: CliContext, positionals: string[], flags: Flags): Promise<ExitCode> {
  const [action, id, ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'.`);
  switch (action) {
    case "add": {
      if (!id) throw new UsageError("schedule add needs an ID.");
      if (flags["catch-up"] && flags["skip-missed"]) throw new UsageError("give --catch-up or --skip-missed, not both.");
      const options = {
        cron: flags.cron,
        ...(flags.tz ? { tz: flags.tz } : {}),
        integration: flags.integration,
        export: flags.export,
        ...(flags.args !== undefined ? { args: parseArgsJson(flags.args) } : {}),
        ...(flags["catch-up"] ? { catchUp: true } : flags["skip-missed"] ? { catchUp: false } : {}),
      };
      if (!options.cron || !options.integration || !options.export) throw new UsageError("schedule add needs --cron, --integration and --export.");
      return withHome(ctx, async (toolsmith) => {
        const done = await (await toolsmith.alwaysOn()).schedules.set(id, options).catch(asUserError);
        ctx.stdout(`${done.created ? "Added" : "Updated"} schedule ${id}${done.next ? `; next run ${done.next}` : ""}. The running server picks it up within seconds.\n`);
        return 0;
      }, { upstreams: false });
    }
    case "list":
      if (id) throw new UsageError("schedule list takes no ID.");
      return withHome(ctx, async (toolsmith) => {
        const listed = await (await toolsmith.alwaysOn()).schedules.list();
        if (flags.json) ctx.stdout(`${JSON.stringify(listed, null, 2)}\n`);
        else if (listed.length === 0) ctx.stdout("No schedules. Add one with: toolsmith schedule add ID --cron EXPR --integration NAME --export FN\n");
        for (const s of flags.json ? [] : listed) {
          if ("problem" in s) ctx.stdout(`${s.id}  NOT USED: ${s.problem}\n`);
          else ctx.stdout(`${s.id}  ${s.cron}${s.tz ? ` (${s.tz})` : ""}  ${s.integration}.${s.export}  next ${s.next ?? "never"}${s.lastRun ? `  last ${s.lastRun.ok ? "ok" : `FAILED (${s.lastRun.error ?? "error"})`} ${s.lastRun.at}` : ""}${s.running ? "  running" : ""}\n`);
        }
        return 0;
      }, { upstreams: false });
    case "remove":
      if (!id) throw new UsageError("schedule remove needs an ID.");
      return withHome(ctx, async (toolsmith) => {
        const { removed } = await (await toolsmith.alwaysOn()).schedules.remove(id).catch(asUserError);
        if (!removed) {
          ctx.stderr(`No schedule '${id}'. 'toolsmith schedule list' shows them.\n`);
          return 1;
        }
        ctx.stdout(`Removed schedule ${id}.\n`);
        return 0;
      }, { upstreams: false });
    case "run":
      if (!id) throw new UsageError("schedule run needs an ID.");
      return withHome(ctx, async (toolsmith) => {
        const outcome = await (await toolsmith.alwaysOn()).schedules.runNow(id).catch(asUserError);
        if (flags.json) ctx.stdout(`${JSON.stringify(outcome, null, 2)}\n`);
        else if (outcome.ok) ctx.stdout(`${JSON.stringify(outcome.result, null, 2)}\n`);
        else ctx.stderr(`${outcome.error?.name}: ${outcome.error?.message}\n`);
        ctx.stderr(`Recorded as workspace runs/${outcome.runId}.json\n`);
        return outcome.ok ? 0 : 1;
      });
    default:
      throw new UsageError(action ? `unknown action '${action}'.` : "schedule needs an action: add, list, remove or run.");
  }
}

export async function hookCommand(ctx: CliContext, positionals: string[], flags: Flags): Promise<ExitCode> {
  const [action, id, ...extra] = positionals;
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'.`);
  switch (action) {
    case "add": {
      if (!id) throw new UsageError("hook add needs an ID.");
      if (!flags.integration || !flags.export) throw new UsageError("hook add needs --integration and --export.");
      const options = { integration: flags.integration, export: flags.export, ...(flags.async ? { reply: "async" } : {}) };
      return withHome(ctx, async (toolsmith) => {
        const done = await (await toolsmith.alwaysOn()).hooks.set(id, options).catch(asUserError);
        if (done.secret) ctx.stdout(`Added hook ${id} at POST ${done.path} (on the HTTP server).\nSigning secret (shown only now; give it to the sender):\n${done.secret}\n`);
        else ctx.stdout(`Updated hook ${id} at POST ${done.path}; its signing secret is unchanged.\n`);
        return 0;
      }, { upstreams: false });
    }
    case "list":
      if (id) throw new UsageError("hook list takes no ID.");
      return withHome(ctx, async (toolsmith) => {
        const listed = await (await toolsmith.alwaysOn()).hooks.list();
        if (flags.json) ctx.stdout(`${JSON.stringify(listed, null, 2)}\n`);
        else if (listed.length === 0) ctx.stdout("No hooks. Add one with: toolsmith hook add ID --integration NAME --export FN\n");
        for (const h of flags.json ? [] : listed) ctx.stdout("problem" in h ? `${h.id}  NOT USED: ${h.problem}\n` : `${h.id}  POST ${h.path}  ${h.integration}.${h.export}  reply ${h.reply}\n`);
        return 0;
      }, { upstreams: false });
    case "remove":
      if (!id) throw new UsageError("hook remove needs an ID.");
      return withHome(ctx, async (toolsmith) => {
        const { removed } = await (await toolsmith.alwaysOn()).hooks.remove(id).catch(asUserError);
        if (!removed) {
          ctx.stderr(`No hook '${id}'. 'toolsmith hook list' shows them.\n`);
          return 1;
        }
        ctx.stdout(`Removed hook ${id}; requests to its path now get 401.\n`);
        return 0;
      }, { upstreams: false });
    default:
      throw new UsageError(action ? `unknown action '${action}'.` : "hook needs an action: add, list or remove.");
  }
}

function parseArgsJson(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--args must be a JSON array, e.g. --args '["octo/repo", 7]'; '${text.slice(0, 60)}' is not JSON.`);
  }
  if (!Array.isArray(value)) throw new UsageError(`--args must be a JSON array of the export's arguments, e.g. --args '["octo/repo", 7]'.`);
  return value;
}

import { homePaths, resolveHomeDir } from "../../config/home.js";
import { ApprovalLog, type ApprovalRecord } from "../../bridge/approvals/approval-log.js";
import { approvalLogPath } from "../../home-settings.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";

/** Records shown when --limit is not given: the most recent ones. */
const DEFAULT_SHOWN = 50;

export const APPROVALS_HELP = `Usage: toolsmith approvals [--limit N] [--json]

Lists the approval questions runs asked (state/approvals.jsonl), most recent last:
when, which run and code asked (main or library/<name>), the rule (approvals.rules[i]
or approvals.destructiveTools), what was to be sent, and the decision: allowed-once,
allowed-for-run, allowed-by-earlier-answer, trusted, denied, timed-out, cancelled or unaskable
(the client could not ask a person). Shows the last ${DEFAULT_SHOWN} unless --limit says otherwise.
`;

export async function approvalsCommand(ctx: CliContext, positionals: string[], flags: { limit?: string; json?: boolean }): Promise<ExitCode> {
  if (positionals.length) throw new UsageError("approvals takes no arguments.");
  const limit = flags.limit === undefined ? DEFAULT_SHOWN : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive whole number.");
  const records = (await ApprovalLog.read(approvalLogPath(homePaths(resolveHomeDir(ctx.env))))).slice(-limit);
  if (flags.json) {
    ctx.stdout(`${JSON.stringify(records, null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) {
    ctx.stdout("No approval questions yet. Rules go under approvals in config.json (see docs/approvals.md).\n");
    return 0;
  }
  for (const record of records) ctx.stdout(`${line(record)}\n`);
  return 0;
}

function line(r: ApprovalRecord): string {
  const waited = r.waitedMs > 0 ? ` after ${(r.waitedMs / 1000).toFixed(1)} s` : "";
  return `${r.at}  ${r.decision.padEnd(25)}  ${r.what}  (run ${r.runId}, ${r.caller}, ${r.rule}${waited})`;
}

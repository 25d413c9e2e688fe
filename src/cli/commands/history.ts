import type { DependentResult } from "../../library/dependents.js";
import { isIntegrationName, INTEGRATION_NAME_HINT } from "../../library/names.js";
import { openHome, UsageError, withHome, type CliContext, type ExitCode } from "../cli-context.js";

/** History commands read and write git only: they start no upstream MCP server. */
const NO_UPSTREAMS = { upstreams: false };

export const LOG_HELP = `Usage: toolsmith log [name] [--max N] [--json]

Lists the library's versions, newest first: every commit, or those of one integration.
`;

export const REVERT_HELP = `Usage: toolsmith revert <name> <version>

Restores an integration to how it was at <version> (a commit sha from 'toolsmith log'),
as a new commit: history is never rewritten. The integrations that import it are
re-tested and their verified state updated. Running servers on this home see the
change before their next search or run.
`;

export const DIFF_HELP = `Usage: toolsmith diff <name> [from] [to]

Shows how an integration changed between two versions (commit shas from 'toolsmith log').
With no versions: its previous version against its current one. With one: that version
against the current one.
`;

export async function diffCommand(ctx: CliContext, positionals: string[]): Promise<ExitCode> {
  const [name, from, to, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError("diff takes an integration name and up to two versions.");
  return withHome(ctx, async (toolsmith) => {
    ctx.stdout((await toolsmith.diff(name, from, to)) || "No differences.\n");
    return 0;
  }, NO_UPSTREAMS);
}

export async function logCommand(ctx: CliContext, positionals: string[], flags: { max?: string; json?: boolean }): Promise<ExitCode> {
  const [name, ...extra] = positionals;
  if (extra.length) throw new UsageError("log takes at most one integration name.");
  if (name !== undefined && !isIntegrationName(name)) throw new UsageError(`'${name}' is not a valid integration name: use ${INTEGRATION_NAME_HINT}.`);
  const max = flags.max === undefined ? undefined : Number(flags.max);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new UsageError("--max must be a positive whole number.");
  const toolsmith = openHome(ctx, NO_UPSTREAMS);
  try {
    if (name !== undefined && !(await toolsmith.get(name)) && (await toolsmith.history(name, 1)).length === 0) {
      ctx.stderr(`No integration named '${name}' in the library. 'toolsmith search' lists them.\n`);
      return 1;
    }
    const commits = await toolsmith.history(name, max);
    if (flags.json) ctx.stdout(`${JSON.stringify(commits, null, 2)}\n`);
    else for (const c of commits) ctx.stdout(`${c.sha.slice(0, 12)}  ${c.date}  ${c.message}\n`);
    return 0;
  } finally {
    await toolsmith.close();
  }
}

export async function revertCommand(ctx: CliContext, positionals: string[]): Promise<ExitCode> {
  const [name, version, ...extra] = positionals;
  if (!name || !version || extra.length) throw new UsageError("revert takes an integration name and a version.");
  return withHome(ctx, async (toolsmith) => {
    const result = await toolsmith.revert(name, version);
    ctx.stdout(`Reverted ${name} to ${result.restoredFrom.slice(0, 12)}: new version ${result.version}\n`);
    printDependents(ctx, result.dependents);
    return 0;
  }, NO_UPSTREAMS);
}

/** One line per re-tested dependent. */
export function printDependents(ctx: CliContext, dependents: DependentResult[]): void {
  for (const d of dependents) ctx.stdout(`  dependent ${d.name}: ${d.passed === null ? "no test" : d.passed ? "test passed" : `test FAILED, marked unverified (${d.error ?? "no detail"})`}\n`);
}

import { UsageError, withHome, type CliContext, type ExitCode } from "../cli-context.js";
import { printDependents } from "./history.js";

export const REMOVE_HELP = `Usage: toolsmith remove <name> [--force] [--json]

Deletes an integration from the library as a new commit ('toolsmith log <name>' keeps
its history; 'toolsmith revert <name> <version>' brings it back). Refused while other
integrations import it, naming them; with --force it is removed anyway, their tests are
re-run without it, and those that fail are marked unverified.
`;

export const RENAME_HELP = `Usage: toolsmith rename <old> <new> [--force] [--json]

Renames an integration as one commit (git follows the file: 'git log --follow <new>.ts').
Its own test is updated to import the new name and re-run. Refused while other
integrations import the old name, naming them; with --force it is renamed anyway, their
tests are re-run, and those that fail are marked unverified (their code is not edited).
`;

export async function removeCommand(ctx: CliContext, positionals: string[], flags: { force?: boolean; json?: boolean }): Promise<ExitCode> {
  const [name, ...extra] = positionals;
  if (!name || extra.length) throw new UsageError("remove takes one integration name.");
  return withHome(ctx, async (toolsmith) => {
    const result = await toolsmith.remove(name, { force: flags.force });
    if (flags.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      ctx.stdout(`Removed ${name}: new version ${result.version}\n`);
      printDependents(ctx, result.dependents);
    }
    return 0;
  });
}

export async function renameCommand(ctx: CliContext, positionals: string[], flags: { force?: boolean; json?: boolean }): Promise<ExitCode> {
  const [from, to, ...extra] = positionals;
  if (!from || !to || extra.length) throw new UsageError("rename takes the current name and the new name.");
  return withHome(ctx, async (toolsmith) => {
    const result = await toolsmith.rename(from, to, { force: flags.force });
    if (flags.json) ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      ctx.stdout(`Renamed ${from} to ${to}: new version ${result.version}${result.verified ? "" : " (it has no test: unverified)"}\n`);
      printDependents(ctx, result.dependents);
    }
    return 0;
  });
}

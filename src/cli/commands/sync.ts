import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const SYNC_HELP = `Usage: toolsmith sync [--json]

With library.remote set in config.json: fetches other machines' changes, replays local
commits on top (two edits of the same integration keep both versions, ours as the newer
one), updates the library, and pushes. A running server also does this after every
save and every library.pullIntervalSeconds.
`;

export async function syncCommand(ctx: CliContext, positionals: string[], flags: { json?: boolean }): Promise<ExitCode> {
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'.`);
  // Sync moves commits only: no upstream MCP server is started.
  const toolsmith = openHome(ctx, { upstreams: false });
  try {
    const report = await toolsmith.sync();
    if (!report) {
      ctx.stderr("No library.remote is configured in config.json; nothing to sync. Set it to a git URL or path shared by your machines.\n");
      return 1;
    }
    if (flags.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else {
      ctx.stdout(`pulled ${report.pulled} commit(s); ${report.pushed ? "pushed local commits" : "nothing to push"}\n`);
      for (const c of report.conflicts) ctx.stdout(`conflict: '${c.name}' changed here and elsewhere; kept both (theirs ${c.theirs.slice(0, 12)}, ours ${c.ours.slice(0, 12)} is the newer version)\n`);
      if (report.error) ctx.stderr(`sync failed: ${report.error}\n`);
    }
    return report.error ? 1 : 0;
  } finally {
    await toolsmith.close();
  }
}

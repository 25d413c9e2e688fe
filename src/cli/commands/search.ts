import { MAX_SEARCH_LIMIT } from "../../toolsmith.js";
import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const SEARCH_HELP = `Usage: toolsmith search [query...] [--limit N] [--full] [--json]

Searches the library as the search_library tool does. No query lists everything,
most recently updated first.
`;

export async function searchCommand(ctx: CliContext, positionals: string[], flags: { limit?: string; full?: boolean; json?: boolean }): Promise<ExitCode> {
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}.`);
  }
  const toolsmith = openHome(ctx);
  try {
    const response = await toolsmith.search({ query: positionals.join(" "), limit, detail: flags.full ? "full" : "summary" });
    if (flags.json) {
      ctx.stdout(`${JSON.stringify(response, null, 2)}\n`);
      return 0;
    }
    if (response.results.length === 0) ctx.stdout(`${response.hint ?? "No results."}\n`);
    for (const r of response.results) {
      const status =
        r.kind === "integration"
          ? `${r.verified ? "verified" : "unverified"}  ${r.version?.slice(0, 12) ?? ""}`
          : r.kind === "builtin"
            ? "builtin"
            : `mcp tool${r.unavailable ? ` (unavailable: ${r.unavailable})` : ""}`;
      ctx.stdout(`${r.name}  ${status}\n  ${r.description.split("\n")[0]}\n  ${r.import}\n`);
      ctx.stdout(`${r.signature.split("\n").map((l) => `    ${l}`).join("\n")}\n\n`);
      if (r.kind === "integration" && r.code) ctx.stdout(`${r.code}\n`);
    }
    for (const u of response.unavailable ?? []) ctx.stdout(`upstream '${u.server}' is unavailable: ${u.reason}\n`);
    ctx.stdout(`${response.shown} of ${response.total} shown\n`);
    return 0;
  } finally {
    await toolsmith.close();
  }
}

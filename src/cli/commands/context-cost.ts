import { homePaths, resolveHomeDir } from "../../config/home.js";
import { toolsFromConfig, toolsFromJsonFile, type ServerTools } from "../../context/collect-tools.js";
import { buildCostReport, formatCostTable } from "../../context/cost-report.js";
import { UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const CONTEXT_COST_HELP = `Usage: toolsmith context-cost [--config FILE] [--tools-json FILE ...] [--json]

How many tokens the tool definitions of a conventional MCP setup put into a model's
context on every request, per server, against toolsmith's three tools fronting the
same servers. Counts o200k tokens of each tool list as a model API receives it
({ name, description, input_schema }) and of the raw tools/list JSON.

  --config FILE       a toolsmith config.json or a claude_desktop_config.json: connects
                      to each server in mcpServers (default: the home's config.json)
  --tools-json FILE   a saved tools/list result ({ "tools": [...] }); repeatable
  --json              print the report as JSON

Progress goes to stderr; a server that fails is reported in the table, not fatal.
`;

export async function contextCostCommand(ctx: CliContext, positionals: string[], flags: { config?: string; "tools-json"?: string[]; json?: boolean }): Promise<ExitCode> {
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'.`);
  const lists: ServerTools[] = [];
  const progress = (line: string) => ctx.stderr(`context-cost: ${line}\n`);
  for (const file of flags["tools-json"] ?? []) lists.push(await toolsFromJsonFile(file));
  if (flags.config !== undefined || !flags["tools-json"]?.length) {
    const config = flags.config ?? homePaths(resolveHomeDir(ctx.env)).config;
    progress(`connecting to the servers in ${config}`);
    try {
      lists.push(...(await toolsFromConfig(config, progress)));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (lists.length === 0) {
    ctx.stderr("No MCP servers found: pass --config with a file that has mcpServers, or --tools-json files.\n");
    return 1;
  }
  const report = buildCostReport(lists);
  if (flags.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.stdout(`${formatCostTable(report)}\n\nMethod: ${report.method}\n`);
  return lists.some((l) => "error" in l) ? 1 : 0;
}

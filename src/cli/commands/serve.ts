import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServer } from "../../server/create-server.js";
import { openHome, type CliContext, type ExitCode } from "../cli-context.js";

export const SERVE_HELP = `Usage: toolsmith [serve]

Serves MCP over stdio: three tools (search_library, run_code, save_integration).
stdout carries only MCP; diagnostics go to stderr.

Environment:
  TOOLSMITH_HOME   the home folder (default ~/.toolsmith)
`;

export async function serveCommand(ctx: CliContext): Promise<ExitCode> {
  const toolsmith = openHome(ctx);
  // Fail fast on a broken config.json or secrets.json; the library goes on loading in the
  // background while the client connects (tools wait for it).
  try {
    await toolsmith.whenConfigured();
  } catch (error) {
    ctx.stderr(`toolsmith: ${(error as Error).message}\n`);
    return 2;
  }
  ctx.stderr(`toolsmith: serving MCP over stdio (home ${toolsmith.paths.root})\n`);
  const handle = serveStdio(() => createServer(toolsmith), { onerror: (error) => ctx.stderr(`toolsmith: ${error.message}\n`) });
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await handle.close().catch(() => undefined);
  await toolsmith.close();
  return 0;
}

import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServer } from "../../server/create-server.js";
import { DEFAULT_MAX_HTTP_CONNECTIONS } from "../../server/http-defaults.js";
import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";

export const SERVE_HELP = `Usage: toolsmith [serve] [--http [--port N] [--host H] [--allowed-host NAME ...] [--max-connections N]]

Serves MCP: three tools (search_library, run_code, save_integration).
Without --http: over stdio (stdout carries only MCP; diagnostics go to stderr).
With --http: Streamable HTTP at http://127.0.0.1:8765/mcp, bearer token required.

  --http        serve Streamable HTTP instead of stdio
  --port N      port (default 8765; 0 picks a free one)
  --host H      address to bind (default 127.0.0.1). Anything but loopback exposes the
                server to your network: only with a strong token, ideally behind TLS.
                Bound to 0.0.0.0 or ::, it answers to the machine's own addresses and name.
  --allowed-host NAME
                also answer requests whose Host (or browser Origin) is NAME, e.g. the
                public name a TLS reverse proxy forwards; repeatable. Also in config.json:
                "http": { "allowedHosts": [...], "allowedOrigins": [...] }. Any other Host
                gets 403 (DNS-rebinding protection).
  --max-connections N
                connections open at once (default ${DEFAULT_MAX_HTTP_CONNECTIONS}); more are closed as they
                arrive. Each client uses one per request in flight.

Environment:
  TOOLSMITH_HOME   the home folder (default ~/.toolsmith)
  TOOLSMITH_TOKEN  the bearer token for --http (default: generated once into the home's
                   http-token file, mode 0600, and printed to stderr that one time)
`;

export async function serveCommand(ctx: CliContext, flags: { http?: boolean; port?: string; host?: string; maxConnections?: string; allowedHost?: string[] } = {}): Promise<ExitCode> {
  // The HTTP server (and its framework) is loaded only to serve HTTP: a stdio start skips it.
  if (flags.http) return (await import("./serve-http.js")).serveHttp(ctx, flags);
  if (flags.port !== undefined || flags.host !== undefined || flags.maxConnections !== undefined || flags.allowedHost !== undefined) {
    throw new UsageError("--port, --host, --allowed-host and --max-connections go with --http.");
  }
  const toolsmith = openHome(ctx, { serving: true });
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


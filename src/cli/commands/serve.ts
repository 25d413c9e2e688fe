import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServer } from "../../server/create-server.js";
import { resolveHomeDir } from "../../config/home.js";
import { answeredNames, DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_MAX_HTTP_CONNECTIONS, isLoopback, startHttpServer } from "../../server/http-server.js";
import { resolveHttpToken, TokenError } from "../../server/http-token.js";
import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";
import { HOST_NAME_PATTERN } from "../../config/schema.js";

/** In-flight runs get this long to finish after SIGTERM/SIGINT before they are stopped. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Most connections --max-connections may allow (a file descriptor each; typical limits are 1,024 to 65,536). */
const MAX_HTTP_CONNECTIONS_CEILING = 60_000;

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
  if (flags.http) return serveHttp(ctx, flags);
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

async function serveHttp(ctx: CliContext, flags: { port?: string; host?: string; maxConnections?: string; allowedHost?: string[] }): Promise<ExitCode> {
  const port = flags.port === undefined ? DEFAULT_HTTP_PORT : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not '${flags.port}'.`);
  const maxConnections = flags.maxConnections === undefined ? DEFAULT_MAX_HTTP_CONNECTIONS : Number(flags.maxConnections);
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > MAX_HTTP_CONNECTIONS_CEILING) {
    throw new UsageError(`--max-connections must be a whole number from 1 to ${MAX_HTTP_CONNECTIONS_CEILING}, not '${flags.maxConnections}'.`);
  }
  const host = flags.host ?? DEFAULT_HTTP_HOST;
  for (const name of flags.allowedHost ?? []) {
    if (!HOST_NAME_PATTERN.test(name)) throw new UsageError(`--allowed-host takes a host name as clients write it, without scheme, port or path (e.g. mcp.example.com), not '${name}'.`);
  }
  let token;
  try {
    token = await resolveHttpToken(resolveHomeDir(ctx.env), ctx.env.TOOLSMITH_TOKEN);
  } catch (error) {
    if (error instanceof TokenError) {
      ctx.stderr(`toolsmith: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const toolsmith = openHome(ctx, { serving: true });
  try {
    await toolsmith.whenConfigured();
  } catch (error) {
    ctx.stderr(`toolsmith: ${(error as Error).message}\n`);
    await toolsmith.close();
    return 2;
  }
  const http = toolsmith.httpSettings();
  const allowedHosts = [...http.allowedHosts, ...(flags.allowedHost ?? [])];
  const running = await startHttpServer({ toolsmith, token: token.token, host, port, maxConnections, allowedHosts, allowedOrigins: http.allowedOrigins, log: (line) => ctx.stderr(`toolsmith: ${line}\n`) }).catch((error: NodeJS.ErrnoException) => {
    ctx.stderr(`toolsmith: cannot listen on ${host}:${port}: ${error.code === "EADDRINUSE" ? "the port is in use (pick another with --port)" : error.message}\n`);
    return undefined;
  });
  if (!running) {
    await toolsmith.close();
    return 1;
  }
  if (!isLoopback(host)) {
    ctx.stderr(`\n!!! WARNING: toolsmith is listening on ${host}, reachable from other machines.\n!!! Anyone with the token can run code and use your secrets' hosts. Use a strong token and TLS in front.\n\n`);
  }
  if (token.created) ctx.stderr(`toolsmith: generated a bearer token (stored in ${token.source}, shown only now):\n${token.token}\n`);
  else ctx.stderr(`toolsmith: bearer token from ${token.source}\n`);
  ctx.stderr(`toolsmith: serving MCP over Streamable HTTP at ${running.url} (home ${toolsmith.paths.root})\n`);
  ctx.stderr(`toolsmith: answering to Host ${answeredNames(host, allowedHosts).join(", ")} (add names with --allowed-host or http.allowedHosts in config.json)\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  ctx.stderr(`toolsmith: ${signal}: no new requests; waiting up to ${SHUTDOWN_GRACE_MS / 1000}s for running work\n`);
  const closing = running.close();
  await toolsmith.shutdown(SHUTDOWN_GRACE_MS);
  await Promise.race([closing, new Promise((r) => setTimeout(r, 1000).unref())]);
  running.server.closeAllConnections();
  ctx.stderr("toolsmith: stopped\n");
  return 0;
}

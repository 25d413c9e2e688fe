import { resolveHomeDir } from "../../config/home.js";
import { HOST_NAME_PATTERN } from "../../config/schema.js";
import { answeredNames, DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_MAX_HTTP_CONNECTIONS, isLoopback, startHttpServer } from "../../server/http-server.js";
import { resolveHttpToken, TokenError } from "../../server/http-token.js";
import { openHome, UsageError, type CliContext, type ExitCode } from "../cli-context.js";

/** In-flight runs get this long to finish after SIGTERM/SIGINT before they are stopped. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Most connections --max-connections may allow (a file descriptor each; typical limits are 1,024 to 65,536). */
const MAX_HTTP_CONNECTIONS_CEILING = 60_000;

/** `toolsmith serve --http` (see SERVE_HELP). */
export async function serveHttp(ctx: CliContext, flags: { port?: string; host?: string; maxConnections?: string; allowedHost?: string[] }): Promise<ExitCode> {
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

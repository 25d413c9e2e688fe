import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { hostHeaderValidation, originValidation, toNodeHandler } from "@modelcontextprotocol/node";
import type { Toolsmith } from "../toolsmith.js";
import { bearerCheck } from "./bearer-auth.js";
import { createServer as createMcpServer } from "./create-server.js";
import { MAX_BODY_BYTES, readBody } from "./read-body.js";
import { ClientIdentities, requestContext, SESSION_HEADER } from "./request-client.js";
import { hooksRoute } from "./hooks-route.js";
import { HOOKS_PATH_PREFIX } from "../always-on/hook-service.js";

import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_MAX_HTTP_CONNECTIONS } from "./http-defaults.js";
export { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, DEFAULT_MAX_HTTP_CONNECTIONS };
export const MCP_PATH = "/mcp";
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
/**
 * How long a client has to send its request headers. A request is refused or accepted on
 * them alone, so an unauthenticated client is held at most this long (then its connection
 * is closed with the refusal); a real client sends them in milliseconds.
 */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** How long an authenticated client has to send a whole request (a body of up to MAX_BODY_BYTES). */
const REQUEST_TIMEOUT_MS = 60_000;
/** How often Node enforces the two timeouts above (its default, 30 s, lets a connection overstay by as much). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface HttpServerOptions {
  toolsmith: Toolsmith;
  token: string;
  host?: string;
  port?: number;
  /** Extra host names clients may use in Host/Origin (e.g. a public name behind a proxy). */
  allowedHosts?: string[];
  /** Extra host names accepted in Origin only (a browser app on another name). */
  allowedOrigins?: string[];
  /** Connections open at once (default DEFAULT_MAX_HTTP_CONNECTIONS). */
  maxConnections?: number;
  /** Time to send request headers (default DEFAULT_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return ["127.0.0.1", "::1", "localhost"].includes(host) || /^127\./.test(host);
}

/**
 * The names a client may put in Host: loopback names, the bound address, and the allowed
 * hosts. Bound to every interface (0.0.0.0, ::), the server is reached by the machine's
 * own addresses and name, so those count too.
 */
export function answeredNames(host: string, allowedHosts: string[]): string[] {
  const bracket = (address: string) => (address.includes(":") ? `[${address}]` : address);
  const wildcard = host === "0.0.0.0" || host === "::" || host === "[::]";
  const machine = wildcard
    ? [hostname(), ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => bracket(i.address.replace(/%.*$/, ""))))]
    : [];
  return [...new Set([...LOOPBACK_NAMES, ...(isLoopback(host) || wildcard ? [] : [bracket(host)]), ...machine, ...allowedHosts])];
}

/** A fresh random bearer token (URL-safe). */

/**
 * Streamable HTTP at /mcp (and signed webhooks at /hooks/<id>: hooks-route.ts), guarded in this order: Host header (DNS rebinding),
 * Origin header (browsers), then the bearer token. Rejections carry a status and a
 * short generic message, never details about the server or the expected values, and
 * close the connection. Connections are capped in number and must send their headers
 * promptly.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const names = answeredNames(host, options.allowedHosts ?? []);
  const validateHost = hostHeaderValidation(names);
  const validateOrigin = originValidation([...new Set([...names, ...(options.allowedOrigins ?? [])])]);
  const authorized = bearerCheck(options.token);
  const identities = new ClientIdentities();
  const mcp = createMcpHandler(() => createMcpServer(options.toolsmith), { onerror: (error) => options.log?.(`http: ${error.message}`) });
  const handle = toNodeHandler(mcp);
  const hooks = hooksRoute({ alwaysOn: () => options.toolsmith.alwaysOn(), settings: options.toolsmith.hookSettings() });
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;

  const timeouts = { headersTimeout, requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeout), connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
  const server = createServer(timeouts, (req, res) => {
    // Until the token checks out, every answer (ours or the SDK's 403) closes the connection.
    res.setHeader("connection", "close");
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    // Webhooks carry their own HMAC signature instead of the bearer token (hooks-route.ts).
    if (path.startsWith(HOOKS_PATH_PREFIX)) {
      res.removeHeader("connection");
      return void hooks(req, res, path.slice(HOOKS_PATH_PREFIX.length)).catch((error: Error) => {
        options.log?.(`http: hook: ${error.message}`);
        if (!res.headersSent) reply(res, 500, "internal", "The hook could not be handled.");
        else res.destroy();
      });
    }
    if (path !== MCP_PATH) return reply(res, 404, "not_found", `Not found. The MCP endpoint is ${MCP_PATH}.`);
    if (!validateHost(req, res)) return;
    if (!validateOrigin(req, res)) return;
    if (!authorized(req.headers.authorization)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="toolsmith"');
      return reply(res, 401, "unauthorized", "A valid bearer token is required (Authorization: Bearer <token>).");
    }
    res.removeHeader("connection");
    void serveMcp(req, res);
  });

  // Requests in flight by client and JSON-RPC id, so a later notifications/cancelled
  // (which arrives as a separate POST, from the same session) or a dropped connection
  // can stop their runs.
  const inflight = new Map<string, AbortController>();
  async function serveMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = identities.of(req);
    if (req.method !== "POST") return requestContext.run({ client }, () => handle(req, res));
    const read = await readBody(req);
    if (!read.ok) {
      if (read.tooLarge) return reply(res, 413, "too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes. Send less code at once, or move data into the workspace.`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error: the body is not valid JSON." }, id: null }));
      return;
    }
    const messages = (Array.isArray(body) ? body : [body]) as Array<{ id?: unknown; method?: unknown; params?: { requestId?: unknown } }>;
    // A 2025-era client keeps the id it is given here and sends it with every later request.
    if (messages.some((m) => m?.method === "initialize")) res.setHeader(SESSION_HEADER, identities.issueSession());
    for (const m of messages) {
      if (m?.method === "notifications/cancelled") inflight.get(`${client}#${String(m.params?.requestId)}`)?.abort();
    }
    const controller = new AbortController();
    const keys = messages.filter((m) => m?.id !== undefined && typeof m.method === "string").map((m) => `${client}#${String(m.id)}`);
    for (const key of keys) inflight.set(key, controller);
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
      for (const key of keys) if (inflight.get(key) === controller) inflight.delete(key);
    });
    await requestContext.run({ client, signal: controller.signal }, () => handle(req, res, body));
  }
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_HTTP_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_HTTP_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${MCP_PATH}`,
    port,
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await mcp.close?.();
    },
  };
}

/** A refusal: the connection closes after it, so a refused client holds nothing. */
function reply(res: ServerResponse, status: number, error: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", connection: "close" });
  res.end(JSON.stringify({ error, message }));
}

import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { hostHeaderValidation, originValidation, toNodeHandler } from "@modelcontextprotocol/node";
import type { Toolsmith } from "../toolsmith.js";
import { createServer as createMcpServer } from "./create-server.js";
import { clientKeyOf, requestContext } from "./request-client.js";

export const DEFAULT_HTTP_PORT = 8765;
export const DEFAULT_HTTP_HOST = "127.0.0.1";
export const MCP_PATH = "/mcp";
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

export interface HttpServerOptions {
  toolsmith: Toolsmith;
  token: string;
  host?: string;
  port?: number;
  /** Extra host names clients may use in Host/Origin (e.g. a public name behind a proxy). */
  allowedHosts?: string[];
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

/** A fresh random bearer token (URL-safe). */
export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * Streamable HTTP at /mcp, guarded in this order: Host header (DNS rebinding),
 * Origin header (browsers), then the bearer token. Rejections carry a status and a
 * short generic message, never details about the server or the expected values.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const names = [...new Set([...LOOPBACK_NAMES, ...(isLoopback(host) ? [] : [host.includes(":") ? `[${host}]` : host]), ...(options.allowedHosts ?? [])])];
  const validateHost = hostHeaderValidation(names);
  const validateOrigin = originValidation(names);
  const expected = Buffer.from(options.token, "utf8");
  const mcp = createMcpHandler(() => createMcpServer(options.toolsmith), { onerror: (error) => options.log?.(`http: ${error.message}`) });
  const handle = toNodeHandler(mcp);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== MCP_PATH) return reply(res, 404, "not_found", `Not found. The MCP endpoint is ${MCP_PATH}.`);
    if (!validateHost(req, res)) return;
    if (!validateOrigin(req, res)) return;
    if (!authorized(req, expected)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="toolsmith"');
      return reply(res, 401, "unauthorized", "A valid bearer token is required (Authorization: Bearer <token>).");
    }
    void serveMcp(req, res);
  });

  // Requests in flight by client and JSON-RPC id, so a later notifications/cancelled
  // (which arrives as a separate POST) or a dropped connection can stop their runs.
  const inflight = new Map<string, AbortController>();
  async function serveMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = clientKeyOf(req);
    if (req.method !== "POST") return requestContext.run({ client }, () => handle(req, res));
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if ((error as Error).name === "BodyTooLarge") return reply(res, 413, "too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error: the body is not valid JSON." }, id: null }));
      return;
    }
    const messages = (Array.isArray(body) ? body : [body]) as Array<{ id?: unknown; method?: unknown; params?: { requestId?: unknown } }>;
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
  server.headersTimeout = 30_000;
  server.requestTimeout = 0;
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

/** Largest request body accepted (code and tests travel in it). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(Object.assign(new Error("body too large"), { name: "BodyTooLarge" }));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return false;
  const given = Buffer.from(match[1]!, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function reply(res: ServerResponse, status: number, error: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ error, message }));
}

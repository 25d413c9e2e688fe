import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";

export interface RequestContext {
  /** Who is asking, for fair scheduling of runs. */
  client: string;
  /** Aborted when the HTTP exchange ends early or the client cancels the request. */
  signal?: AbortSignal;
}

/** The HTTP request being served (absent on stdio, where the SDK's own signal suffices). */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** Header a client may send to be told apart from others sharing a connection pool. */
export const CLIENT_HEADER = "x-toolsmith-client";

/** An MCP session when there is one, else the client's own label, else its connection. */
export function clientKeyOf(req: IncomingMessage): string {
  const session = req.headers["mcp-session-id"];
  if (typeof session === "string" && session) return `session:${session}`;
  const label = req.headers[CLIENT_HEADER];
  if (typeof label === "string" && label) return `client:${label.slice(0, 100)}`;
  return `connection:${req.socket.remoteAddress}:${req.socket.remotePort}`;
}

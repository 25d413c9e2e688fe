import { AsyncLocalStorage } from "node:async_hooks";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

export interface RequestContext {
  /** Who is asking, for fair scheduling of runs and for matching a cancellation to its request. */
  client: string;
  /** Aborted when the HTTP exchange ends early or the client cancels the request. */
  signal?: AbortSignal;
}

/** The HTTP request being served (absent on stdio, where the SDK's own signal suffices). */
export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The 2025 transport's session header: the client repeats what `initialize`'s response gave it. */
export const SESSION_HEADER = "mcp-session-id";
/** Random bytes in a session id, and bytes of its signature. */
const SESSION_NONCE_BYTES = 16;
const SESSION_MAC_BYTES = 16;

/**
 * Tells HTTP clients apart without trusting anything they can choose. A 2025-era client is
 * given a session id with its `initialize` response (random, signed by this server) and
 * sends it on every later request, whichever connection carries it; any other request is
 * its TCP connection. A header a client can set freely (a label, a made-up session id)
 * would let one client split itself into many (to take more of the run queue) or pose as
 * another (to cancel its runs).
 */
export class ClientIdentities {
  private readonly key = randomBytes(32);
  private readonly connections = new WeakMap<Socket, string>();
  private nextConnection = 1;

  /** A new session id for a client that is initializing. */
  issueSession(): string {
    const nonce = randomBytes(SESSION_NONCE_BYTES).toString("base64url");
    return `${nonce}.${this.sign(nonce).toString("base64url")}`;
  }

  /** Who sent `req`: its session when this server issued the id, else its connection. */
  of(req: IncomingMessage): string {
    const session = req.headers[SESSION_HEADER];
    if (typeof session === "string" && this.issued(session)) return `session:${session}`;
    let connection = this.connections.get(req.socket);
    if (!connection) {
      connection = `connection:${this.nextConnection++}`;
      this.connections.set(req.socket, connection);
    }
    return connection;
  }

  private issued(session: string): boolean {
    const [nonce, mac, extra] = session.split(".");
    if (!nonce || !mac || extra !== undefined) return false;
    const given = Buffer.from(mac, "base64url");
    return given.length === SESSION_MAC_BYTES && timingSafeEqual(given, this.sign(nonce));
  }

  private sign(nonce: string): Buffer {
    return createHmac("sha256", this.key).update(nonce).digest().subarray(0, SESSION_MAC_BYTES);
  }
}

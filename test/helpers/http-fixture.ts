import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The longest a test HTTP server may live, whatever the test does. */
const MAX_SERVER_LIFETIME_MS = 5 * 60_000;

export interface Fixture {
  port: number;
  origin: string;
  /** Largest number of requests in flight at once, over the server's life. */
  maxInFlight: () => number;
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }>;
  close: () => Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, origin: string) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 with the given routes; closes itself after a few minutes at most. */
export async function startFixture(routes: Record<string, Handler>): Promise<Fixture> {
  let inFlight = 0;
  let maxInFlight = 0;
  const requests: Fixture["requests"] = [];
  let origin = "";
  const server: Server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", origin).pathname;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const handler = routes[path];
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    await handler(req, res, body, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const lifetime = setTimeout(() => server.close(), MAX_SERVER_LIFETIME_MS);
  lifetime.unref();
  return {
    port,
    origin,
    maxInFlight: () => maxInFlight,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json = (res: ServerResponse, status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

import { request } from "node:http";
import { hostname, networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answeredNames, startHttpServer, type RunningHttpServer } from "../../dist/server/http-server.js";
import { connect, makeHome, runCli, serveHttp, type Connected } from "../helpers.js";

const TOKEN = "allowed-hosts-token-0123456789";

/** A POST to the server on 127.0.0.1 with the Host (and Origin) a proxy or browser would send; its status. */
function postAs(port: number, host: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const req = request(
      { host: "127.0.0.1", port, path: "/mcp", method: "POST", timeout: 10_000, headers: { host, ...(origin ? { origin } : {}), authorization: `Bearer ${TOKEN}`, "content-type": "application/json", accept: "application/json, text/event-stream", "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

describe("names the HTTP server answers to", () => {
  let env: Connected;
  let cleanup: () => Promise<void>;
  let served: RunningHttpServer;

  beforeAll(async () => {
    const made = await makeHome();
    cleanup = made.cleanup;
    env = await connect(made.home, { http: { allowedHosts: ["mcp.example.com"], allowedOrigins: ["app.example.com"] } });
    served = await startHttpServer({ toolsmith: env.toolsmith, token: TOKEN, host: "127.0.0.1", port: 0, allowedHosts: env.toolsmith.httpSettings().allowedHosts, allowedOrigins: env.toolsmith.httpSettings().allowedOrigins });
  });
  afterAll(async () => {
    await served.close();
    await env.close();
    await cleanup();
  });

  it("a name from http.allowedHosts is served, as a reverse proxy forwards it", async () => {
    expect(await postAs(served.port, "mcp.example.com")).toBe(200);
    expect(await postAs(served.port, "mcp.example.com:443", "https://mcp.example.com")).toBe(200);
  });

  it("an origin from http.allowedOrigins is served; other names still get 403", async () => {
    expect(await postAs(served.port, "mcp.example.com", "https://app.example.com")).toBe(200);
    expect(await postAs(served.port, "evil.example.net")).toBe(403);
    expect(await postAs(served.port, "mcp.example.com", "https://evil.example.net")).toBe(403);
  });

  it("bound to every interface, it answers to the machine's own addresses and name", () => {
    const names = answeredNames("0.0.0.0", []);
    expect(names).toContain(hostname());
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => (i.address.includes(":") ? `[${i.address.replace(/%.*$/, "")}]` : i.address)));
    for (const address of addresses) expect(names).toContain(address);
    expect(names).not.toContain("0.0.0.0");
    expect(answeredNames("127.0.0.1", [])).not.toContain(hostname());
  });

  it("serve --http --allowed-host adds a name; a bad one is refused with a message", async () => {
    const { home, cleanup: done } = await makeHome();
    try {
      const served = await serveHttp(home, { args: ["--allowed-host", "proxy.example.org"], env: { TOOLSMITH_TOKEN: TOKEN } });
      try {
        expect(await postAs(served.port, "proxy.example.org")).toBe(200);
        expect(await postAs(served.port, "other.example.org")).toBe(403);
        expect(served.stderr()).toMatch(/answering to Host .*proxy\.example\.org/);
      } finally {
        await served.stop();
      }
    } finally {
      await done();
    }
    const bad = await runCli(["serve", "--http", "--port", "0", "--allowed-host", "https://x.example.org/"], { home: "/nonexistent/toolsmith-home" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--allowed-host takes a host name/);
  }, 120_000);
});

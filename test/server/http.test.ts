import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { syncBuiltinESMExports } from "node:module";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHome, runCli, serveHttp, type ServedHttp } from "../helpers.js";
import { startHttpServer } from "../../dist/server/http-server.js";
import { Toolsmith } from "../../dist/toolsmith.js";

const TOKEN = "test-token-0123456789abcdef";

const serve = (home: string, env: Record<string, string> = {}) => serveHttp(home, { env });

async function client(url: string, label: string, token = TOKEN, headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: label, version: "1.0.0" });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}`, ...headers } } }));
  return c;
}

function post(url: string, headers: Record<string, string>) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
  });
}

/** CPU ticks (user + system) the process has used so far. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

let home: string;
let cleanup: () => Promise<void>;
let served: ServedHttp;

beforeAll(async () => {
  ({ home, cleanup } = await makeHome({ limits: { timeoutMs: 20_000 } }));
  served = await serve(home, { TOOLSMITH_TOKEN: TOKEN });
});
afterAll(async () => {
  served.child.kill("SIGKILL");
  await served.exited;
  await cleanup();
});

describe("authentication and rebinding protection", () => {
  it("answers 401 without or with a wrong token, leaking nothing", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong-token-wrong-token" }, { Authorization: `Basic ${TOKEN}` }, { Authorization: `Bearer ${TOKEN}x` }]) {
      const res = await post(served.url, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      const text = await res.text();
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(home);
    }
  });

  it("answers 403 for a foreign Host or Origin, even with the token", async () => {
    // fetch cannot set Host; a raw request can, as a DNS-rebinding page's browser would send it.
    const wrongHost = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(served.url, { method: "POST", headers: { Host: "attacker.example", Authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("{}");
    });
    expect(wrongHost).toBe(403);
    const wrongOrigin = await post(served.url, { Authorization: `Bearer ${TOKEN}`, Origin: "https://attacker.example" });
    expect(wrongOrigin.status).toBe(403);
    const fine = await post(served.url, { Authorization: `Bearer ${TOKEN}`, Origin: "http://localhost:3000" });
    expect(fine.status).toBe(200);
  });

  it("is bound to 127.0.0.1 and serves only /mcp", async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const other = await fetch(served.url.replace("/mcp", "/admin"), { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(other.status).toBe(404);
  });

  it("generates a token into the home (mode 0600) and prints it once", async () => {
    const { home: fresh, cleanup: done } = await makeHome();
    try {
      const first = await serve(fresh);
      const token = readFileSync(join(fresh, "http-token"), "utf8").trim();
      expect(statSync(join(fresh, "http-token")).mode & 0o777).toBe(0o600);
      expect(first.stderr()).toContain(token);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      const second = await serve(fresh);
      expect(second.stderr()).not.toContain(token);
      const c = await client(second.url, "t", token);
      expect((await c.listTools()).tools).toHaveLength(3);
      await c.close();
      second.child.kill("SIGTERM");
      await second.exited;
    } finally {
      await done();
    }
  });

  it("refuses a weak TOOLSMITH_TOKEN", async () => {
    const r = await runCli(["serve", "--http", "--port", "0"], { home, env: { ...process.env, TOOLSMITH_TOKEN: "short" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("at least 16 characters");
  });
});

describe("a valid session", () => {
  it("lists three tools and runs code end to end", async () => {
    const c = await client(served.url, "e2e");
    expect((await c.listTools()).tools.map((t) => t.name)).toEqual(["search_library", "run_code", "save_integration"]);
    const r = (await c.callTool({ name: "run_code", arguments: { code: "export default [1, 2, 3].map((n) => n * n)" } })) as any;
    expect(r.structuredContent.result).toEqual([1, 4, 9]);
    await c.close();
  });

  it("sends progress() and console lines as progress notifications", async () => {
    const c = await client(served.url, "progress");
    const seen: string[] = [];
    const r = (await c.callTool(
      { name: "run_code", arguments: { code: 'import { progress, sleep } from "toolsmith";\nconsole.log("starting");\nawait progress("half way", 1, 2);\nawait sleep(150);\nconsole.warn("late line");\nawait progress("done", 2, 2);\nexport default "ok"' } },
      undefined,
      { onprogress: (p) => seen.push(String(p.message)) },
    )) as any;
    expect(r.structuredContent.result).toBe("ok");
    expect(seen).toEqual(["starting", "half way", "[warn] late line", "done"]);
    await c.close();
  });

  it("cancels a spinning run: the worker stops burning CPU and the next run works", async () => {
    const c = await client(served.url, "cancel");
    const controller = new AbortController();
    const spinning = c.callTool({ name: "run_code", arguments: { code: "while (true) {}", timeoutMs: 20_000 } }, undefined, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 400));
    controller.abort();
    await expect(spinning).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    const before = cpuTicks(served.child.pid!);
    await new Promise((r) => setTimeout(r, 1000));
    const used = cpuTicks(served.child.pid!) - before;
    // A worker still spinning would use ~100 ticks (one core) in that second.
    expect(used).toBeLessThan(40);
    const next = (await c.callTool({ name: "run_code", arguments: { code: "export default 'next'" } })) as any;
    expect(next.structuredContent.result).toBe("next");
    await c.close();
  });
});

describe("load", () => {
  it("serves 20 clients x 10 concurrent runs with no lost or mixed-up results", async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => client(served.url, `load-${i}`)));
    const results = await Promise.all(
      clients.flatMap((c, ci) =>
        Array.from({ length: 10 }, async (_, ri) => {
          const r = (await c.callTool({ name: "run_code", arguments: { code: `await new Promise((r) => setTimeout(r, ${(ci * 7 + ri * 3) % 20})); export default { c: ${ci}, r: ${ri}, v: ${ci} * 1000 + ${ri} }` } })) as any;
          return { ci, ri, body: r.structuredContent };
        }),
      ),
    );
    expect(results).toHaveLength(200);
    for (const { ci, ri, body } of results) {
      expect(body.ok, JSON.stringify(body)).toBe(true);
      expect(body.result).toEqual({ c: ci, r: ri, v: ci * 1000 + ri });
    }
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe("graceful shutdown", () => {
  it("lets a run in flight finish after SIGTERM, then exits", async () => {
    const { home: h, cleanup: done } = await makeHome();
    try {
      const s = await serve(h, { TOOLSMITH_TOKEN: TOKEN });
      const c = await client(s.url, "sigterm-run");
      const running = c.callTool({ name: "run_code", arguments: { code: 'import { sleep } from "toolsmith"; await sleep(1500); export default "finished"' } });
      await new Promise((r) => setTimeout(r, 400));
      s.child.kill("SIGTERM");
      const r = (await running) as any;
      expect(r.structuredContent.result).toBe("finished");
      expect(await s.exited).toBe(0);
      expect(s.stderr()).toContain("SIGTERM: no new requests");
    } finally {
      await done();
    }
  });

  it("never leaves the library mid-save on SIGTERM", async () => {
    const { home: h, cleanup: done } = await makeHome();
    try {
      const s = await serve(h, { TOOLSMITH_TOKEN: TOKEN });
      const c = await client(s.url, "sigterm-save");
      const saving = c.callTool({
        name: "save_integration",
        arguments: { name: "slow/save", description: "Saved while stopping", code: "export const v = (): number => 1;", test: 'import { sleep } from "toolsmith"; import { v } from "library/slow/save"; await sleep(1000); if (v() !== 1) throw new Error("bad");' },
      });
      await new Promise((r) => setTimeout(r, 400));
      s.child.kill("SIGTERM");
      const r = (await saving) as any;
      expect(r.isError, JSON.stringify(r)).toBeFalsy();
      expect(await s.exited).toBe(0);
      const lib = join(h, "library");
      expect(execFileSync("git", ["-C", lib, "status", "--porcelain"], { encoding: "utf8" })).toBe("");
      expect(execFileSync("git", ["-C", lib, "fsck", "--no-progress", "--no-dangling"], { encoding: "utf8" })).toBe("");
      expect(execFileSync("git", ["-C", lib, "log", "-1", "--format=%s"], { encoding: "utf8" })).toContain("slow/save");
    } finally {
      await done();
    }
  });
});

/** A server in this process, for what needs its options or a look inside (the CLI's is another process). */
async function inProcess(options: { config?: unknown; poolSize?: number; maxConnections?: number; headersTimeoutMs?: number } = {}) {
  const made = await makeHome(options.config);
  const toolsmith = Toolsmith.open({ home: made.home, poolSize: options.poolSize ?? 1 });
  await toolsmith.whenReady();
  const running = await startHttpServer({ toolsmith, token: TOKEN, port: 0, maxConnections: options.maxConnections, headersTimeoutMs: options.headersTimeoutMs });
  return {
    url: running.url,
    port: running.port,
    close: async () => {
      running.server.closeAllConnections();
      await running.close();
      await toolsmith.close();
      await made.cleanup();
    },
  };
}

/** A raw TCP exchange: sends `text`, collects what comes back until the server closes (or `maxWaitMs`). */
function rawExchange(port: number, text: string, maxWaitMs = 20_000): Promise<{ data: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closedByServer: false });
    }, maxWaitMs);
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ data, closedByServer: true });
    });
    if (text) socket.write(text);
  });
}

function rawPost(port: number, body: string, headers: Record<string, string>): string {
  const lines = Object.entries({ Host: `127.0.0.1:${port}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18", "Content-Length": String(Buffer.byteLength(body)), ...headers });
  return `POST /mcp HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body}`;
}

describe("hardening", () => {
  it("compares every bearer token, whatever its length, as 32-byte digests", async () => {
    const server = await inProcess();
    // The real timingSafeEqual, wrapped to record the lengths it compares (not a mock:
    // it still decides); Node's builtin ESM bindings follow the CommonJS export once synced.
    const real = crypto.timingSafeEqual;
    const compared: number[][] = [];
    crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => (compared.push([a.byteLength, b.byteLength]), real(a, b));
    syncBuiltinESMExports();
    try {
      const wrong = ["x", TOKEN.slice(0, -1), `${TOKEN}x`, "y".repeat(500), `${TOKEN.slice(0, -1)}?`];
      for (const token of wrong) expect((await post(server.url, { Authorization: `Bearer ${token}` })).status).toBe(401);
      expect(compared).toEqual(wrong.map(() => [32, 32]));
      expect((await post(server.url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      crypto.timingSafeEqual = real;
      syncBuiltinESMExports();
      await server.close();
    }
  });

  it("answers an oversized body with 413, declared or streamed, and keeps serving", async () => {
    const server = await inProcess();
    try {
      const declared = await fetch(server.url, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "x".repeat(6 * 1024 * 1024) });
      expect(declared.status).toBe(413);
      expect(await declared.json()).toEqual({ error: "too_large", message: expect.stringContaining("limited to 4194304 bytes") });
      const streamed = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(server.url, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "content-type": "application/json" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        const chunk = "y".repeat(64 * 1024);
        for (let i = 0; i < 96; i++) req.write(chunk);
        req.end();
      });
      expect(streamed).toBe(413);
      expect((await post(server.url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("drops connections that are slow to send headers, closes refused ones at once, and caps how many are open", async () => {
    const server = await inProcess({ headersTimeoutMs: 500, maxConnections: 4 });
    try {
      const slow = rawExchange(server.port, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const idle = [1, 2, 3].map(() => rawExchange(server.port, ""));
      await new Promise((r) => setTimeout(r, 100));
      // Beyond the cap: closed as they arrive, with no answer at all.
      const beyond = await Promise.all([1, 2].map(() => rawExchange(server.port, "")));
      for (const b of beyond) expect(b).toEqual({ data: "", closedByServer: true });
      for (const held of await Promise.all([slow, ...idle])) {
        expect(held.closedByServer).toBe(true);
        expect(held.data).toMatch(/^HTTP\/1\.1 408/);
      }
      const refused = await rawExchange(server.port, rawPost(server.port, "{}", { Authorization: "Bearer wrong-token-wrong-token" }));
      expect(refused.data).toMatch(/^HTTP\/1\.1 401/);
      expect(refused.data).toMatch(/\r\nconnection: close\r\n/i);
      expect(refused.closedByServer).toBe(true);
      expect((await post(server.url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("does not let a client pose as another to cancel its run", async () => {
    const server = await inProcess({ poolSize: 2 });
    try {
      // It labels itself as the README once told clients to.
      const victim = await client(server.url, "victim", TOKEN, { "X-Toolsmith-Client": "victim" });
      const running = victim.callTool({ name: "run_code", arguments: { code: 'import { sleep } from "toolsmith"; await sleep(1500); export default "finished"' } });
      await new Promise((r) => setTimeout(r, 400));
      // Its label, made-up session ids, every likely request id: none of it is the victim.
      for (const session of [undefined, "victim", "abc.def"]) {
        const cancels = [0, 1, 2, 3, 4, 5].map((requestId) => ({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason: "hijack" } }));
        const res = await fetch(server.url, {
          method: "POST",
          headers: { Authorization: `Bearer ${TOKEN}`, "content-type": "application/json", accept: "application/json, text/event-stream", "X-Toolsmith-Client": "victim", ...(session ? { "mcp-session-id": session } : {}) },
          body: JSON.stringify(cancels),
        });
        await res.text();
      }
      const r = (await running) as any;
      expect(r.structuredContent, JSON.stringify(r)).toMatchObject({ ok: true, result: "finished" });
      await victim.close();
    } finally {
      await server.close();
    }
  });

  it("counts runs pipelined on one connection as one client, whatever labels or session ids they carry", async () => {
    const server = await inProcess({ poolSize: 1, config: { limits: { maxQueuedRuns: 8, maxConcurrentRuns: 1 } } });
    try {
      const call = (i: number) =>
        rawPost(server.port, JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "run_code", arguments: { code: 'import { sleep } from "toolsmith"; await sleep(300); export default "slept"' } } }), {
          Authorization: `Bearer ${TOKEN}`,
          "X-Toolsmith-Client": `rotating-${i}`,
          "mcp-session-id": `made-up-${i}.x`,
          ...(i === 10 ? { Connection: "close" } : {}),
        });
      const flood = rawExchange(server.port, Array.from({ length: 10 }, (_, i) => call(i + 1)).join(""), 30_000);
      await new Promise((r) => setTimeout(r, 200));
      const bystander = await client(server.url, "bystander");
      const r = (await bystander.callTool({ name: "run_code", arguments: { code: "export default 'served'" } })) as any;
      expect(r.structuredContent, JSON.stringify(r)).toMatchObject({ ok: true, result: "served" });
      await bystander.close();
      const { data } = await flood;
      // One running, two waiting (a quarter of 8), the other seven refused as that client's share.
      expect(data.match(/"structuredContent":\{"ok":true,"result":"slept"/g)).toHaveLength(3);
      expect(data.match(/"structuredContent":\{"ok":false,"error":\{"name":"BusyError","message":"This client already has 2 runs waiting/g)).toHaveLength(7);
    } finally {
      await server.close();
    }
  });
});

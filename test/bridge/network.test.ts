import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, useServer } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

let api: Fixture;
let other: Fixture;

beforeAll(async () => {
  other = await startFixture({
    "/steal": (_req, res) => json(res, 200, { stolen: true }),
  });
  api = await startFixture({
    "/items": (_req, res) => json(res, 200, { items: [{ id: 1, name: "one" }, { id: 2, name: "two" }] }),
    "/echo": (req, res, body) => json(res, 200, { method: req.method, headers: req.headers, body, url: req.url }),
    "/slow": async (_req, res) => {
      await new Promise((r) => setTimeout(r, 200));
      json(res, 200, { slow: true });
    },
    "/hang": () => undefined,
    "/huge": (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(300_000)),
    "/bytes": (_req, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([0, 255, 1, 254, 128])),
    "/to-other": (_req, res) => res.writeHead(302, { location: `${other.origin}/steal` }).end(),
    "/to-items": (_req, res) => res.writeHead(301, { location: "/items" }).end(),
    "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
    "/auth": (req, res) => {
      if (req.headers.authorization === "Bearer s3cr3t-token-value") json(res, 200, { ok: true, who: "token" });
      else if (req.headers.authorization === `Basic ${Buffer.from("ada:pa55word-xyz").toString("base64")}`) json(res, 200, { ok: true, who: "basic" });
      else json(res, 401, { error: "unauthorized", got: req.headers.authorization ?? null });
    },
  });
});
afterAll(async () => {
  await api.close();
  await other.close();
});

const fetchCode = (body: string) => ({ code: body });

describe("fetch under the default policy", () => {
  const server = useServer();

  it("refuses 127.0.0.1, localhost and other special addresses, saying which setting allows them", async () => {
    for (const url of [`${api.origin}/items`, `http://localhost:${api.port}/items`, "http://[::1]:9/", "http://169.254.169.254/latest/meta-data", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.1/"]) {
      const reply = await server.env.call("run_code", fetchCode(`export default await (await fetch(${JSON.stringify(url)})).text()`));
      expect(reply.isError, url).toBe(true);
      expect(reply.body.error.name).toBe("NetworkRefusedError");
      expect(reply.body.error.message).toMatch(/network\.allow/);
    }
  });

  it("refuses non-http schemes and credentials in URLs", async () => {
    const file = await server.env.call("run_code", fetchCode('export default await fetch("file:///etc/passwd")'));
    expect(file.body.error.message).toContain("http: and https: only");
    const creds = await server.env.call("run_code", fetchCode(`export default await fetch("http://user:pw@example.com/")`));
    expect(creds.body.error.message).toContain("credentials in the URL");
  });
});

describe("fetch with localhost named explicitly", () => {
  it("allows localhost:PORT when listed, and still refuses 127.0.0.1 on another port", async () => {
    const made = await makeHome();
    const env = await connect(made.home, { network: { allow: ["*", `localhost:${api.port}`] } });
    try {
      const ok = await env.call("run_code", fetchCode(`export default (await fetch("http://localhost:${api.port}/items")).status`));
      expect(ok.isError, ok.text).toBe(false);
      expect(ok.body.result).toBe(200);
      const refused = await env.call("run_code", fetchCode(`export default (await fetch("http://localhost:${other.port}/steal")).status`));
      expect(refused.body.error.message).toContain("loopback");
    } finally {
      await env.close();
      await made.cleanup();
    }
  });
});

describe("fetch with 127.0.0.1 allowed", () => {
  const server = useServer(() => ({ network: { allow: [`127.0.0.1:${api.port}`], maxResponseBytes: 100_000, requestTimeoutMs: 1000, maxRequestsPerRun: 20 } }));

  it("gets JSON with status, headers and body methods", async () => {
    const reply = await server.env.call(
      "run_code",
      fetchCode(`const r = await fetch("${api.origin}/items");
export default { status: r.status, ok: r.ok, type: r.headers.get("Content-Type"), data: await r.json() };`),
    );
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({ status: 200, ok: true, type: "application/json", data: { items: [{ id: 1, name: "one" }, { id: 2, name: "two" }] } });
  });

  it("sends methods, headers and every body kind", async () => {
    const reply = await server.env.call(
      "run_code",
      fetchCode(`const post = async (body: any, headers: Record<string, string> = {}) => (await fetch("${api.origin}/echo", { method: "POST", body, headers })).json();
const a = await post(JSON.stringify({ x: 1 }), { "content-type": "application/json", "X-Custom": "yes" });
const b = await post(new URLSearchParams({ q: "a b", n: "1" }));
const c = await post(new TextEncoder().encode("bytes!"));
const put = await (await fetch("${api.origin}/echo", { method: "put", body: "plain" })).json();
export default { a: [a.body, a.headers["content-type"], a.headers["x-custom"]], b: [b.body, b.headers["content-type"]], c: c.body, put: [put.method, put.body] };`),
    );
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({
      a: ['{"x":1}', "application/json", "yes"],
      b: ["q=a+b&n=1", "application/x-www-form-urlencoded;charset=UTF-8"],
      c: "bytes!",
      put: ["PUT", "plain"],
    });
  });

  it("returns binary bodies through arrayBuffer()", async () => {
    const reply = await server.env.call("run_code", fetchCode(`const r = await fetch("${api.origin}/bytes"); export default Array.from(new Uint8Array(await r.arrayBuffer()));`));
    expect(reply.body.result).toEqual([0, 255, 1, 254, 128]);
  });

  it("runs Promise.all over many fetches concurrently", async () => {
    const before = api.maxInFlight();
    const reply = await server.env.call("run_code", fetchCode(`const rs = await Promise.all(Array.from({ length: 6 }, () => fetch("${api.origin}/slow").then((r) => r.json())));
export default rs.length;`));
    expect(reply.body.result).toBe(6);
    expect(Math.max(before, api.maxInFlight())).toBeGreaterThanOrEqual(6);
  });

  it("follows redirects within policy and refuses one to a host not allowed", async () => {
    const ok = await server.env.call("run_code", fetchCode(`const r = await fetch("${api.origin}/to-items"); export default { redirected: r.redirected, url: r.url, n: (await r.json()).items.length };`));
    expect(ok.body.result).toEqual({ redirected: true, url: `${api.origin}/items`, n: 2 });
    const refused = await server.env.call("run_code", fetchCode(`export default await (await fetch("${api.origin}/to-other")).json()`));
    expect(refused.isError).toBe(true);
    expect(refused.body.error.message).toContain(`127.0.0.1:${other.port}`);
    expect(other.requests).toHaveLength(0);
    const loop = await server.env.call("run_code", fetchCode(`export default await fetch("${api.origin}/loop")`));
    expect(loop.body.error.message).toContain("Too many redirects");
  });

  it("caps response size, request time and requests per run", async () => {
    const huge = await server.env.call("run_code", fetchCode(`export default (await (await fetch("${api.origin}/huge")).text()).length`));
    expect(huge.body.error.message).toContain("network.maxResponseBytes");
    const hang = await server.env.call("run_code", fetchCode(`export default await fetch("${api.origin}/hang")`));
    expect(hang.body.error.message).toContain("timed out after 1000 ms");
    const many = await server.env.call("run_code", fetchCode(`for (let i = 0; i < 25; i++) await fetch("${api.origin}/items"); export default "done"`));
    expect(many.body.error.message).toContain("network.maxRequestsPerRun");
  });

  it("aborts requests in flight when the run ends", async () => {
    const reply = await server.env.call("run_code", { code: `export default await fetch("${api.origin}/hang")`, timeoutMs: 300 });
    expect(reply.body.error.name).toBe("TimeoutError");
    await expect(server.env.call("run_code", fetchCode(`export default (await fetch("${api.origin}/items")).status`))).resolves.toMatchObject({ body: { result: 200 } });
  });

  it("bounds sleep() by the run's deadline", async () => {
    const reply = await server.env.call("run_code", { code: 'import { sleep } from "toolsmith"; await sleep(60_000); export default 1', timeoutMs: 300 });
    expect(reply.body.error.name).toBe("TimeoutError");
    const short = await server.env.call("run_code", { code: 'import { sleep } from "toolsmith"; await sleep(20); export default "slept"' });
    expect(short.body.result).toBe("slept");
  });
});

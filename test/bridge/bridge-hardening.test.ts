import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { brotliCompressSync, deflateSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCliSync, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

/** A value the URL parser, encodeURIComponent and form encoding each spell differently. */
const QUIRKY = `it's a "quirky" secret/value`;
const TOKEN = "tok3n-Abc123-xyz";

/** A port on 127.0.0.1 with nothing listening (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every spelling of `value` a test checks for: raw, the URL parser's, encodeURIComponent, form encoding, hex, base64. */
function spellings(value: string): string[] {
  const url = new URL("http://h/");
  url.search = value;
  const path = new URL("http://h/");
  path.pathname = `/${value}`;
  const bytes = Buffer.from(value);
  return [value, url.search.slice(1), path.pathname.slice(1), encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), bytes.toString("hex"), bytes.toString("base64")];
}

function leaks(text: string, value: string): string[] {
  return spellings(value).filter((s) => text.includes(s));
}

/** The echo body a bound host sends back: its Authorization header. */
const echoed = (req: { headers: Record<string, unknown> }) => `auth=${String(req.headers.authorization ?? "")}`;

/** /big answers once it has this many requests waiting, or once the gate opens. */
const HELD_UNTIL_REQUESTS = 21;
let heldRequests = 0;
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();

let api: Fixture;
let other: Fixture;
let dead: number | undefined;
let home: string;
let cleanup: () => Promise<void>;
let env: Connected;

beforeAll(async () => {
  api = await startFixture({
    "/hang": () => undefined,
    "/echo": (req, res) => json(res, 200, { auth: req.headers.authorization ?? null }),
    "/echo-negotiated": (req, res) => {
      const body = Buffer.from(echoed(req));
      if (String(req.headers["accept-encoding"] ?? "").includes("gzip")) res.writeHead(200, { "content-type": "application/octet-stream", "content-encoding": "gzip" }).end(gzipSync(body));
      else res.writeHead(200, { "content-type": "text/plain" }).end(body);
    },
    "/echo-forced": (req, res) => {
      // A server that compresses whatever the client asked for.
      const encoding = new URL(req.url ?? "/", "http://h").searchParams.get("enc") ?? "gzip";
      const body = Buffer.from(echoed(req));
      const packed = encoding === "br" ? brotliCompressSync(body) : encoding === "deflate" ? deflateSync(body) : gzipSync(body);
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": encoding }).end(packed);
    },
    "/echo-binary": (req, res) => {
      const auth = String(req.headers.authorization ?? "");
      const parts = [Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(`hex:${Buffer.from(auth).toString("hex")}|HEX:${Buffer.from(auth).toString("hex").toUpperCase()}|`), Buffer.from(`b64:${Buffer.from(auth).toString("base64")}|url:${encodeURIComponent(auth)}`)];
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.concat(parts));
    },
    "/echo-range": (req, res) => {
      const body = Buffer.from(echoed(req));
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ""));
      if (!range) return void res.writeHead(200, { "content-type": "text/plain" }).end(body);
      const [from, to] = [Number(range[1]), Math.min(Number(range[2]), body.length - 1)];
      res.writeHead(206, { "content-type": "text/plain", "content-range": `bytes ${from}-${to}/${body.length}` }).end(body.subarray(from, to + 1));
    },
    "/big": async (_req, res) => {
      heldRequests++;
      if (heldRequests >= HELD_UNTIL_REQUESTS) openGate();
      await gate;
      res.writeHead(200, { "content-type": "text/plain" }).end("b".repeat(3_500_000));
    },
    "/slow": async (_req, res) => {
      await new Promise((r) => setTimeout(r, 150));
      json(res, 200, { slow: true });
    },
  });
  other = await startFixture({ "/collect": (_req, res, body) => json(res, 200, { got: body.length }) });
  // Found once the fixtures listen: a port freed before them can be handed to one of them
  // (then "refused" connects, and the secret bound to it is bound to that fixture too).
  for (let tries = 0; tries < 10 && (dead === undefined || dead === api.port || dead === other.port); tries++) dead = await deadPort();
  expect([api.port, other.port]).not.toContain(dead);
  ({ home, cleanup } = await makeHome({
    network: { allow: [`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`, `127.0.0.1:${dead}`, "192.0.2.1"], requestTimeoutMs: 3000, maxResponseBytes: 4 * 1024 * 1024 },
  }));
  expect(runCliSync(["secret", "set", "QUIRKY", "--host", `127.0.0.1:${dead}`, "--host", `127.0.0.1:${api.port}`], { home, input: QUIRKY }).code).toBe(0);
  expect(runCliSync(["secret", "set", "LOCAL_KEY", "--host", "127.0.0.1"], { home, input: "local-key-value" }).code).toBe(0);
  expect(runCliSync(["secret", "set", "API_TOKEN", "--host", `127.0.0.1:${api.port}`], { home, input: TOKEN }).code).toBe(0);
  expect(runCliSync(["secret", "set", "DOC_KEY", "--host", "192.0.2.1"], { home, input: "doc-key-value-123" }).code).toBe(0);
  env = await connect(home);
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await other?.close();
  await cleanup?.();
});

describe("fetch errors never carry a substituted secret (finding 1)", () => {
  const cases = [
    { name: "connection refused", url: () => `http://127.0.0.1:${dead}/p/" + secret("QUIRKY") + "?k=" + secret("QUIRKY") + "` },
    { name: "request timeout", url: () => `${api.origin}/hang?k=" + secret("QUIRKY") + "` },
  ];
  it.each(cases)("$name: the message names the request as written, and forwarding it leaks nothing", async ({ url }) => {
    const before = other.requests.length;
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
let message = "no error";
try { await fetch("${url()}"); } catch (e) { message = String(e.message); }
// Sent on to a host the secret is not bound to (refused if it still holds the placeholder).
await fetch("${other.origin}/collect", { method: "POST", body: message }).catch(() => undefined);
export default message;`,
    });
    expect(reply.isError, reply.text).toBe(false);
    const forwarded = other.requests.slice(before).map((r) => r.body).join("\n");
    expect(leaks(forwarded, QUIRKY), forwarded).toEqual([]);
    expect(leaks(reply.text, QUIRKY), reply.text).toEqual([]);
    expect(reply.body.result).toContain("tsm_secret_QUIRKY_");
  });
});

describe("response bodies reach the guest only redacted (finding 2)", () => {
  const bearer = (path: string, init = "") => `import { secret } from "toolsmith";
const r = await fetch("${api.origin}${path}", { headers: { Authorization: "Bearer " + secret("API_TOKEN")${init} } });
const bytes = new Uint8Array(await r.arrayBuffer());
export default { status: r.status, encoding: r.headers.get("content-encoding"), bytes: Array.from(bytes) };`;

  /** What the guest got, decompressed the way a guest that inflates by itself would. */
  const received = (result: { encoding: string | null; bytes: number[] }) => {
    const raw = Buffer.from(result.bytes);
    return result.encoding === "gzip" ? gunzipSync(raw).toString("latin1") : raw.toString("latin1");
  };

  it("a guest asking for gzip gets the host-decoded, redacted body", async () => {
    const reply = await env.call("run_code", { code: bearer("/echo-negotiated", ', "Accept-Encoding": "gzip"') });
    expect(reply.isError, reply.text).toBe(false);
    const body = received(reply.body.result);
    expect(leaks(body, TOKEN)).toEqual([]);
    expect(body).toBe("auth=Bearer [secret:API_TOKEN]");
  });

  it.each(["gzip", "deflate", "br"])("a server that sends Content-Encoding %s regardless is decoded on the host", async (enc) => {
    const reply = await env.call("run_code", { code: bearer(`/echo-forced?enc=${enc}`) });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result.encoding).toBeNull();
    expect(Buffer.from(reply.body.result.bytes).toString("utf8")).toBe("auth=Bearer [secret:API_TOKEN]");
  });

  it("binary bodies are redacted in every form: raw, hex, base64, URL-encoded", async () => {
    const reply = await env.call("run_code", { code: bearer("/echo-binary") });
    expect(reply.isError, reply.text).toBe(false);
    const body = Buffer.from(reply.body.result.bytes).toString("latin1");
    expect(leaks(body, TOKEN), body).toEqual([]);
    expect(body.toUpperCase()).not.toContain(Buffer.from(TOKEN).toString("hex").toUpperCase());
    expect(body).toContain("[secret:API_TOKEN]");
  });

  it("a Range request to a host a secret is bound to is refused, so no slice of an echo escapes redaction", async () => {
    const reply = await env.call("run_code", {
      code: `import { secret } from "toolsmith";
const parts = [];
for (let at = 0; at < 40; at += 3) {
  const r = await fetch("${api.origin}/echo-range", { headers: { Authorization: "Bearer " + secret("API_TOKEN"), Range: "bytes=" + at + "-" + (at + 2) } });
  parts.push(await r.text());
}
// Reversed, so that redacting the run's result cannot hide what the guest got.
export default parts.join("").split("").reverse().join("");`,
    });
    expect(reply.text).not.toContain([...TOKEN].reverse().join(""));
    expect(reply.isError, reply.text).toBe(true);
    expect(reply.body.error.message).toContain("Range");
  });
});

describe("a run's host calls are bounded in bytes and number (finding 3)", () => {
  it("many concurrent calls queue (at most limits.maxConcurrentHostCalls at once) and all complete", async () => {
    const reply = await env.call("run_code", {
      code: `const all = await Promise.all(Array.from({ length: 40 }, () => fetch("${api.origin}/slow").then((r) => r.json())));
export default all.length;`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toBe(40);
    expect(api.maxInFlight()).toBeLessThanOrEqual(16);
  });

  it("replies a spinning guest does not take stop being fetched once the budget is full", async () => {
    // /big holds its answers until 21 requests wait (more than the budget ever lets start) or a few seconds pass,
    // so what is counted is how many requests the host starts, not how fast this machine moves bytes.
    heldRequests = 0;
    gate = new Promise<void>((resolve) => (openGate = resolve));
    const opener = setTimeout(() => openGate(), 3000);
    const before = api.requests.filter((r) => r.url === "/big").length;
    const reply = await env.call("run_code", {
      code: `for (let i = 0; i < 60; i++) fetch("${api.origin}/big").catch(() => {});
for (;;) {}`,
      timeoutMs: 6000,
    });
    clearTimeout(opener);
    openGate();
    expect(reply.body.error.name).toBe("TimeoutError");
    const served = api.requests.filter((r) => r.url === "/big").length - before;
    // About 15 at once (64 MiB, limits.hostBytesInFlightMb, over 4 MiB reserved per fetch; at most 16,
    // limits.maxConcurrentHostCalls), then, as 3.5 MB replies pile up untaken, a few more: never the 60 asked for.
    expect(served).toBeGreaterThanOrEqual(10);
    expect(served).toBeLessThan(HELD_UNTIL_REQUESTS);
  });

  it("workspace.read refuses a file beyond its cap, saying how to fix it", async () => {
    mkdirSync(join(home, "workspace"), { recursive: true });
    writeFileSync(join(home, "workspace", "huge.txt"), "h".repeat(17 * 1024 * 1024));
    const reply = await env.call("run_code", { code: 'import { workspace } from "toolsmith"; export default (await workspace.read("huge.txt")).length' });
    expect(reply.isError, reply.text.slice(0, 300)).toBe(true);
    expect(reply.body.error.name).toBe("WorkspaceError");
    expect(reply.body.error.message).toMatch(/16 MiB/);
  });
});

describe("the workspace quota holds (finding 4)", () => {
  let small: Connected;
  let made: { home: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    made = await makeHome({ limits: { workspaceMb: 1 } });
    small = await connect(made.home);
  });
  afterAll(async () => {
    await small.close();
    await made.cleanup();
  });

  const used = (dir: string): number => {
    let total = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      total += entry.isDirectory() ? used(full) : statSync(full).size;
    }
    return total;
  };

  it("concurrent writes cannot race past it", async () => {
    const reply = await small.call("run_code", {
      code: `import { workspace } from "toolsmith";
const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => workspace.write("race/" + i + ".txt", "x".repeat(300000))));
export default outcomes.map((o) => o.status);`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result.filter((s: string) => s === "fulfilled").length).toBeLessThanOrEqual(3);
    expect(used(join(made.home, "workspace"))).toBeLessThanOrEqual(1024 * 1024);
  });

  it("empty files and directories count against it", async () => {
    const reply = await small.call("run_code", {
      code: `import { workspace } from "toolsmith";
await workspace.remove("race");
let made = 0, error = "";
try { for (let i = 0; i < 400; i++) { await workspace.write("empty/" + i + "/a/b/c/d/e/f/g/h/f.txt", ""); made++; } } catch (e) { error = e.message; }
export default { made, error };`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result.made).toBeLessThan(400);
    expect(reply.body.result.error).toContain("quota");
  });

  it("deep paths are refused", async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `d${i}`).join("/");
    const reply = await small.call("run_code", { code: `import { workspace } from "toolsmith"; export default await workspace.write(${JSON.stringify(`${deep}/f.txt`)}, "x")` });
    expect(reply.isError, reply.text).toBe(true);
    expect(reply.body.error.message).toMatch(/deep/);
  });
});

describe("progress messages are redacted and capped (finding 5)", () => {
  it("redacts each message and caps its length, count and total per run", async () => {
    const seen: string[] = [];
    const report = await env.toolsmith.run(
      `import { secret, progress } from "toolsmith";
const echo = await (await fetch("${api.origin}/echo", { headers: { Authorization: "Bearer " + secret("API_TOKEN") } })).json();
await progress("got " + echo.auth);
await progress("y".repeat(100000));
for (let i = 0; i < 3000; i++) await progress("step " + i);
export default "done";`,
      { onProgress: (message) => seen.push(message) },
    );
    expect(report.ok, JSON.stringify(report).slice(0, 300)).toBe(true);
    expect(seen[0]).toBe("got Bearer [secret:API_TOKEN]");
    expect(seen.join("\n")).not.toContain(TOKEN);
    expect(Math.max(...seen.map((m) => m.length))).toBeLessThanOrEqual(1000);
    expect(seen.length).toBeLessThanOrEqual(1001);
    expect(seen.join("").length).toBeLessThanOrEqual(100_000);
  });
});

describe("a secret bound to a host goes over https, to its port, unless said otherwise (finding 6)", () => {
  it("refuses plain http and other ports to a bare host, before anything is sent", async () => {
    for (const url of ["http://192.0.2.1/", "https://192.0.2.1:8443/"]) {
      const reply = await env.call("run_code", { code: `import { secret } from "toolsmith"; export default (await fetch("${url}?k=" + secret("DOC_KEY"))).status` });
      expect(reply.isError, url).toBe(true);
      expect(reply.body.error.name, `${url}: ${reply.body.error.message}`).toBe("SecretRefusedError");
      expect(reply.body.error.message).toContain("https");
      expect(reply.body.error.message).toContain("toolsmith secret set DOC_KEY");
    }
  });

  it("lets a loopback literal take plain http on any port (local testing)", async () => {
    const reply = await env.call("run_code", { code: `import { secret } from "toolsmith"; export default (await fetch("${api.origin}/echo", { headers: { Authorization: secret("LOCAL_KEY") } })).status` });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toBe(200);
  });
});

describe("secret host entries: scheme and port rules (finding 6)", () => {
  const at = (url: string, address?: string) => {
    const u = new URL(url);
    return { scheme: u.protocol.slice(0, -1) as "http" | "https", hostname: u.hostname.replace(/^\[|\]$/g, ""), port: u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80, address };
  };
  const table: Array<[string[], string, boolean]> = [
    [["api.example.com"], "https://api.example.com/", true],
    [["api.example.com"], "http://api.example.com/", false],
    [["api.example.com"], "https://api.example.com:8443/", false],
    [["api.example.com:8443"], "https://api.example.com:8443/", true],
    [["api.example.com:8443"], "http://api.example.com:8443/", false],
    [["api.example.com:*"], "https://api.example.com:9000/", true],
    [["https://api.example.com"], "https://api.example.com/", true],
    [["https://api.example.com"], "https://api.example.com:8443/", false],
    [["http://api.example.com:8080"], "http://api.example.com:8080/", true],
    [["http://api.example.com:8080"], "https://api.example.com:8080/", false],
    [["http://api.example.com"], "http://api.example.com/", true],
    [["*.example.com"], "https://x.example.com/", true],
    [["*.example.com"], "http://x.example.com/", false],
    [["127.0.0.1"], "http://127.0.0.1:3000/", true],
    [["127.0.0.1:3000"], "http://127.0.0.1:3001/", false],
    [["localhost"], "http://localhost:8080/", true],
    [["127.0.0.1"], "http://localhost:8080/", true],
    [["[::1]"], "http://[::1]:9/", true],
    [["10.1.2.3"], "http://10.1.2.3/", false],
    [["*"], "http://127.0.0.1/", false],
  ];
  // Imported where used, so that the rest of this file runs against builds without the module.
  const rules = () => import("../../dist/bridge/secrets/secret-hosts.js");
  it.each(table)("%j -> %s: %s", async (entries, url, allowed) => {
    const { secretHostsAllow } = await rules();
    const target = at(url, url.includes("localhost") ? "127.0.0.1" : undefined);
    expect(secretHostsAllow(entries, target)).toBe(allowed);
  });

  it("validates entries, naming what is wrong", async () => {
    const { validateSecretHosts } = await rules();
    expect(() => validateSecretHosts(["https://api.example.com:8443", "http://[::1]:3000", "api.example.com:*"])).not.toThrow();
    expect(() => validateSecretHosts(["ftp://api.example.com"])).toThrow(/http:\/\/ and https:\/\//);
    expect(() => validateSecretHosts(["https://api.example.com/path"])).toThrow(/not a URL/);
  });
});

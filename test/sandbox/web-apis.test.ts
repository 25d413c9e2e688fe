import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";

/** The longest the test server may live, whatever the tests do. */
const MAX_SERVER_LIFETIME_MS = 2 * 60_000;

/** What the server saw of the slow requests: resolved when it sees each one's connection close. */
const slow = new Map<string, { arrived: Promise<void>; closed: Promise<void>; markArrived: () => void; markClosed: () => void }>();
function slowEntry(id: string) {
  let entry = slow.get(id);
  if (!entry) {
    let markArrived = () => {};
    let markClosed = () => {};
    const arrived = new Promise<void>((resolve) => (markArrived = resolve));
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    entry = { arrived, closed, markArrived, markClosed };
    slow.set(id, entry);
  }
  return entry;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const body = await readBody(req);
  const id = url.searchParams.get("id") ?? "";
  if (url.pathname === "/slow") {
    // Never answers: only the client closing the connection ends it (or the server's close).
    const entry = slowEntry(id);
    res.on("close", () => entry.markClosed());
    entry.markArrived();
    return;
  }
  if (url.pathname === "/arrived") {
    await slowEntry(id).arrived;
    res.writeHead(200, { "content-type": "text/plain" }).end("arrived");
    return;
  }
  if (url.pathname === "/form") {
    // Node's own multipart parser (undici's Response.formData) reads what the guest sent.
    const form = await new Response(body, { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
    const fields: unknown[] = [];
    for (const [name, value] of form) {
      if (typeof value === "string") fields.push({ name, value });
      else fields.push({ name, filename: value.name, type: value.type, size: value.size, sha256: sha256(new Uint8Array(await value.arrayBuffer())) });
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ contentType: req.headers["content-type"], fields }));
    return;
  }
  if (url.pathname === "/form-reply") {
    const form = new FormData();
    form.append("greeting", "héllo\nworld");
    form.append("data", new Blob([BINARY], { type: "application/octet-stream" }), "bytes.bin");
    const reply = new Response(form);
    res.writeHead(200, { "content-type": reply.headers.get("content-type")! }).end(Buffer.from(await reply.arrayBuffer()));
    return;
  }
  if (url.pathname === "/raw") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ type: req.headers["content-type"] ?? null, sha256: sha256(body), size: body.length }));
    return;
  }
  res.writeHead(404).end();
}

let server: Server;
let origin = "";
let env: Connected;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  setTimeout(() => server.close(), MAX_SERVER_LIFETIME_MS).unref();
  const config = { network: { allow: [`127.0.0.1:${port}`] } };
  const made = await makeHome(config);
  cleanup = made.cleanup;
  env = await connect(made.home, config);
});
afterAll(async () => {
  await env?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await cleanup?.();
});

async function run(code: string): Promise<any> {
  const reply = await env.call("run_code", { code });
  expect(reply.isError, reply.text).toBe(false);
  return reply.body.result;
}

describe("AbortController with fetch: an aborted fetch stops on the host", () => {
  it("abort() rejects the fetch with an AbortError and the server sees its connection closed", async () => {
    const result = await run(`
const controller = new AbortController();
const pending = fetch("${origin}/slow?id=abort", { signal: controller.signal });
// Abort only once the server has the request: it answers /arrived when /slow came in.
await (await fetch("${origin}/arrived?id=abort")).text();
controller.abort();
let outcome = "resolved";
try { await pending; } catch (e) { outcome = (e as Error).name + " " + (e instanceof DOMException) + " " + (e as DOMException).code; }
export default { outcome, reason: controller.signal.reason.name };`);
    expect(result).toEqual({ outcome: "AbortError true 20", reason: "AbortError" });
    await slowEntry("abort").closed;
  });

  it("AbortSignal.timeout rejects with a TimeoutError and also closes the connection; a custom reason is what the fetch rejects with", async () => {
    const result = await run(`
const pending = fetch("${origin}/slow?id=timeout", { signal: AbortSignal.timeout(50) });
let timeout = "";
try { await pending; } catch (e) { timeout = (e as Error).name; }
const early = new AbortController();
early.abort(new Error("changed my mind"));
let custom = "";
try { await fetch("${origin}/raw", { signal: early.signal }); } catch (e) { custom = (e as Error).message; }
export default { timeout, custom };`);
    expect(result).toEqual({ timeout: "TimeoutError", custom: "changed my mind" });
    await slowEntry("timeout").arrived;
    await slowEntry("timeout").closed;
  });

  it("aborting after the response came changes nothing; AbortSignal.any follows the first abort; listeners, onabort and throwIfAborted work", async () => {
    const result = await run(`
const controller = new AbortController();
const response = await fetch("${origin}/raw", { method: "POST", body: "x", signal: controller.signal });
controller.abort();
const a = new AbortController(), b = new AbortController();
const any = AbortSignal.any([a.signal, b.signal]);
const seen: string[] = [];
any.addEventListener("abort", (e) => seen.push("listener:" + e.type));
any.onabort = () => seen.push("onabort");
b.abort("b wins");
a.abort("a too late");
let thrown: unknown;
try { any.throwIfAborted(); } catch (e) { thrown = e; }
const target = new EventTarget();
let count = 0;
const stop = new AbortController();
target.addEventListener("ping", () => count++, { signal: stop.signal });
target.addEventListener("ping", () => count += 10, { once: true });
target.dispatchEvent(new Event("ping"));
stop.abort();
target.dispatchEvent(new Event("ping"));
let illegal = "";
try { new (AbortSignal as any)(); } catch (e) { illegal = (e as Error).name; }
export default { status: response.status, body: (await response.json()).size, reason: any.reason, seen, thrown, count, illegal };`);
    expect(result).toEqual({ status: 200, body: 1, reason: "b wins", seen: ["onabort", "listener:abort"], thrown: "b wins", count: 11, illegal: "TypeError" });
  });
});

describe("FormData and Blob bodies", () => {
  it("a FormData body is multipart/form-data that Node's parser reads field by field, binary files intact", async () => {
    const result = await run(`
const form = new FormData();
form.append("title", "Quarterly report");
form.append("note", "line one\\nline \\"two\\"");
form.append("unicode", "héllo ✓");
form.append("data", new Blob([Uint8Array.from({ length: 256 }, (_, i) => i)], { type: "application/octet-stream" }), "bytes.bin");
form.append("text", new File(["plain file"], "notes.txt", { type: "text/plain" }));
form.append("blob", new Blob(["no name"]));
export default await (await fetch("${origin}/form", { method: "POST", body: form })).json();`);
    expect(result.contentType).toMatch(/^multipart\/form-data; boundary=----toolsmithFormBoundary[0-9a-f]{24}$/);
    expect(result.fields).toEqual([
      { name: "title", value: "Quarterly report" },
      { name: "note", value: 'line one\r\nline "two"' },
      { name: "unicode", value: "héllo ✓" },
      { name: "data", filename: "bytes.bin", type: "application/octet-stream", size: 256, sha256: sha256(BINARY) },
      { name: "text", filename: "notes.txt", type: "text/plain", size: 10, sha256: sha256(new TextEncoder().encode("plain file")) },
      { name: "blob", filename: "blob", type: "application/octet-stream", size: 7, sha256: sha256(new TextEncoder().encode("no name")) },
    ]);
  });

  it("Response.formData() reads a multipart reply made by Node; Blob bodies send their bytes and type; blob() reads a body back", async () => {
    const result = await run(`
const form = await (await fetch("${origin}/form-reply")).formData();
const file = form.get("data") as File;
const bytes = await file.bytes();
const raw = await (await fetch("${origin}/raw", { method: "POST", body: new Blob(["ab", new Uint8Array([0, 255]), new Blob(["c"])], { type: "Application/X-Test" }) })).json();
const blob = await new Response("hello blob", { headers: { "content-type": "text/plain" } }).blob();
const urlencoded = await new Response(new URLSearchParams({ a: "1", b: "x y" })).formData();
export default {
  greeting: form.get("greeting"), name: file.name, type: file.type, size: file.size, sum: bytes.reduce((s, b) => s + b, 0),
  raw, blob: { size: blob.size, type: blob.type, text: await blob.text(), slice: await blob.slice(-4).text() },
  urlencoded: [...urlencoded.entries()],
};`);
    expect(result).toEqual({
      greeting: "héllo\r\nworld", name: "bytes.bin", type: "application/octet-stream", size: 256, sum: (255 * 256) / 2,
      raw: { type: "application/x-test", sha256: sha256(new Uint8Array([97, 98, 0, 255, 99])), size: 5 },
      blob: { size: 10, type: "text/plain", text: "hello blob", slice: "blob" },
      urlencoded: [["a", "1"], ["b", "x y"]],
    });
  });
});

describe("structuredClone, queueMicrotask, performance.now", () => {
  it("structuredClone copies deeply (cycles, Map, Set, Date, typed arrays, errors) and refuses functions", async () => {
    const result = await run(`
const shared = { n: 1 };
const original: any = { when: new Date(86400000), map: new Map([["k", shared]]), set: new Set([1, 2]), bytes: new Uint16Array([1, 65535]), re: /a+/gi, err: new RangeError("bad"), list: [shared, shared] };
original.self = original;
const copy = structuredClone(original);
copy.list[0].n = 2;
let fn = "";
try { structuredClone({ f() {} }); } catch (e) { fn = (e as Error).name; }
export default {
  distinct: copy !== original && copy.map.get("k") !== shared, cycle: copy.self === copy, sharedKept: copy.list[0] === copy.list[1] && copy.map.get("k") === copy.list[0],
  originalUntouched: shared.n, date: copy.when.toISOString(), set: [...copy.set], bytes: [...copy.bytes], bytesType: copy.bytes.constructor.name,
  re: String(copy.re), err: copy.err instanceof RangeError && copy.err.message, fn,
};`);
    expect(result).toEqual({
      distinct: true, cycle: true, sharedKept: true, originalUntouched: 1, date: "1970-01-02T00:00:00.000Z", set: [1, 2], bytes: [1, 65535],
      bytesType: "Uint16Array", re: "/a+/gi", err: "bad", fn: "DataCloneError",
    });
  });

  it("queueMicrotask runs after the current job and before timers; its errors are logged; performance.now is fractional and moves forward", async () => {
    const reply = await env.call("run_code", {
      code: `
const order: string[] = [];
setTimeout(() => order.push("timeout"), 0);
queueMicrotask(() => order.push("microtask"));
queueMicrotask(() => { throw new Error("boom"); });
Promise.resolve().then(() => order.push("promise"));
order.push("sync");
const t0 = performance.now();
await new Promise((resolve) => setTimeout(resolve, 20));
const t1 = performance.now();
export default { order, forward: t1 > t0, waited: t1 - t0 >= 15, sinceStart: t0 >= 0 && t0 < 60000, origin: Math.abs(performance.timeOrigin + t1 - Date.now()) < 1000 };`,
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(reply.body.result).toEqual({ order: ["sync", "microtask", "promise", "timeout"], forward: true, waited: true, sinceStart: true, origin: true });
    expect(reply.body.logs.some((line: { text: string }) => line.text.includes("Uncaught in queueMicrotask callback: Error: boom"))).toBe(true);
  });
});

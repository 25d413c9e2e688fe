import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from "./otlp-receiver.js";

const FIXTURE = join(import.meta.dirname, "..", "fixtures", "upstream-fixture.mjs");
const TOKEN = "tr4ce-s3cret-v4lue";
/** The caller's trace: a W3C traceparent as an MCP client would send in _meta. */
const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let receiver: OtlpReceiver;
let api: Fixture;
let env: Connected;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  api = await startFixture({
    "/data/tr4ce-s3cret-v4lue": (req, res) => json(res, 200, { seen: req.headers.authorization === `Bearer ${TOKEN}`, echo: TOKEN }),
    "/missing": (_req, res) => json(res, 404, { error: "nope" }),
  });
  const config = {
    network: { allow: [`127.0.0.1:${api.port}`] },
    mcpServers: { fixture: { command: process.execPath, args: [FIXTURE, "stdio"] } },
    telemetry: { otlpEndpoint: receiver.endpoint, serviceName: "toolsmith-under-test" },
  };
  const made = await makeHome(config);
  cleanup = made.cleanup;
  writeFileSync(join(made.home, "secrets.json"), JSON.stringify({ secrets: { API_TOKEN: { value: TOKEN, hosts: [`127.0.0.1:${api.port}`] } } }), { mode: 0o600 });
  env = await connect(made.home, config);
  await env.toolsmith.upstreamsSettled();
});

afterAll(async () => {
  await env?.close();
  await api?.close();
  await receiver?.close();
  await cleanup?.();
});

const CODE = `
import { secret, workspace } from "toolsmith";
import { meta } from "mcp/fixture";
const res = await fetch("http://127.0.0.1:${"${PORT}"}/data/" + secret("API_TOKEN") + "?key=" + secret("API_TOKEN") + "&page=2", { headers: { Authorization: "Bearer " + secret("API_TOKEN") } });
const body = await res.json();
const missing = await fetch("http://127.0.0.1:${"${PORT}"}/missing");
const upstream = await meta({});
await workspace.write("traces/out.txt", "hello");
export default { seen: body.seen, missing: missing.status, upstream };
`;

describe("traces of a run_code call", () => {
  let result: any;
  let spans: ReceivedSpan[];

  beforeAll(async () => {
    const reply = (await env.client.callTool({ name: "run_code", arguments: { code: CODE.replaceAll("${PORT}", String(api.port)) }, _meta: { traceparent: TRACEPARENT } })) as any;
    expect(reply.isError, JSON.stringify(reply.structuredContent)).toBeFalsy();
    result = reply.structuredContent.result;
    spans = await receiver.waitFor((all) => all.some((s) => s.name === "run_code" && s.traceId === CALLER_TRACE));
    spans = spans.filter((s) => s.traceId === CALLER_TRACE);
  });

  it("exports the run span, continuing the caller's trace from _meta.traceparent", () => {
    const run = spans.find((s) => s.name === "run_code")!;
    expect(run.parentSpanId).toBe(CALLER_SPAN);
    expect(run.attributes["toolsmith.trigger"]).toBe("tool-call");
    expect(run.attributes["toolsmith.run.ok"]).toBe(true);
    expect(run.resource["service.name"]).toBe("toolsmith-under-test");
    expect(run.kind).toBe(2); // SPAN_KIND_SERVER
  });

  it("exports a child span per fetch with method, host, path (no query), status and size", () => {
    const run = spans.find((s) => s.name === "run_code")!;
    const fetches = spans.filter((s) => s.attributes["toolsmith.op"] === "fetch");
    expect(fetches).toHaveLength(2);
    const [data, missing] = [fetches.find((s) => s.attributes["url.path"] !== "/missing")!, fetches.find((s) => s.attributes["url.path"] === "/missing")!];
    expect(data).toMatchObject({ name: "GET", parentSpanId: run.spanId, kind: 3 });
    expect(data.attributes).toMatchObject({ "http.request.method": "GET", "server.address": "127.0.0.1", "server.port": api.port, "url.path": "/data/[secret:API_TOKEN]", "http.response.status_code": 200 });
    expect(data.attributes["http.response.body.size"]).toBeGreaterThan(10);
    expect(JSON.stringify(data.attributes)).not.toContain("page=2");
    expect(missing.attributes["http.response.status_code"]).toBe(404);
    expect(missing.status.code).toBe(2); // STATUS_CODE_ERROR: a 4xx answer fails a client span
  });

  it("exports the upstream MCP call and the workspace write", () => {
    const call = spans.find((s) => s.attributes["toolsmith.op"] === "mcp.call")!;
    expect(call.name).toBe("tools/call meta");
    expect(call.attributes).toMatchObject({ "toolsmith.mcp.server": "fixture", "gen_ai.tool.name": "meta" });
    expect(call.status.code ?? 0).not.toBe(2);
    const write = spans.find((s) => s.attributes["toolsmith.op"] === "workspace.write")!;
    expect(write.attributes).toMatchObject({ "toolsmith.workspace.path": "traces/out.txt", "toolsmith.workspace.bytes": 5 });
  });

  it("passes the trace on: traceparent header on fetches, _meta.traceparent on upstream calls", () => {
    const sent = api.requests.find((r) => r.url.startsWith("/data/"))!;
    const header = W3C.exec(String(sent.headers.traceparent));
    expect(header, String(sent.headers.traceparent)).not.toBeNull();
    const dataSpan = spans.find((s) => s.attributes["url.path"] === "/data/[secret:API_TOKEN]")!;
    expect(header![1]).toBe(CALLER_TRACE);
    expect(header![2]).toBe(dataSpan.spanId);
    expect(result.seen).toBe(true);
    const echoed = W3C.exec(String(result.upstream.meta.traceparent));
    expect(echoed, JSON.stringify(result.upstream)).not.toBeNull();
    expect(echoed![1]).toBe(CALLER_TRACE);
    expect(echoed![2]).toBe(spans.find((s) => s.attributes["toolsmith.op"] === "mcp.call")!.spanId);
  });

  it("never exports a secret value", () => {
    expect(receiver.bodies.length).toBeGreaterThan(0);
    for (const body of receiver.bodies) expect(body).not.toContain(TOKEN);
  });

  it("records the run locally with the same ids and spans", async () => {
    const [latest] = await env.toolsmith.runs({ limit: 1 });
    expect(latest).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN, ok: true, trigger: { kind: "tool-call" } });
    expect(latest!.spanId).toBe(spans.find((s) => s.name === "run_code")!.spanId);
    expect(latest!.spans.map((s) => s.attributes["toolsmith.op"]).sort()).toEqual(["fetch", "fetch", "mcp.call", "workspace.write"]);
    expect(JSON.stringify(latest)).not.toContain(TOKEN);
  });
});

describe("a failed run", () => {
  it("is exported as failed, with a new trace when the traceparent is malformed, and the redacted error", async () => {
    const code = `import { secret } from "toolsmith";
const res = await fetch("http://127.0.0.1:${api.port}/data/" + secret("API_TOKEN"));
const body = await res.json();
throw new Error("leaked " + body.echo);`;
    const reply = (await env.client.callTool({ name: "run_code", arguments: { code }, _meta: { traceparent: "00-not-a-trace-01" } })) as any;
    expect(reply.isError).toBe(true);
    const [latest] = await env.toolsmith.runs({ limit: 1 });
    expect(latest!.ok).toBe(false);
    expect(latest!.traceId).not.toBe(CALLER_TRACE);
    expect(latest!.parentSpanId).toBeUndefined();
    expect(latest!.error!.message).toContain("[secret:API_TOKEN]");
    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === latest!.traceId && s.name === "run_code"));
    const run = spans.find((s) => s.traceId === latest!.traceId && s.name === "run_code")!;
    expect(run.parentSpanId).toBe("");
    expect(run.status.code).toBe(2);
    expect(run.status.message).toContain("[secret:API_TOKEN]");
    for (const body of receiver.bodies) expect(body).not.toContain(TOKEN);
  });
});

import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCli, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { startOtlpReceiver, type OtlpReceiver } from "./otlp-receiver.js";
import { runsCommand } from "../../dist/cli/commands/runs.js";

/** `toolsmith runs` in this process (the command gets its environment and streams from a CliContext); its stdout. */
async function runs(home: string, flags: { failed?: boolean; integration?: string; limit?: string; json?: boolean } = {}, positionals: string[] = []): Promise<string> {
  let stdout = "";
  const ctx = { args: [], env: { TOOLSMITH_HOME: home }, stdout: (t: string) => void (stdout += t), stderr: () => undefined, readStdin: async () => "", readSecret: async () => "", nodePath: process.execPath };
  expect(await runsCommand(ctx, positionals, flags)).toBe(0);
  return stdout;
}

const W3C = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

let api: Fixture;
let receiver: OtlpReceiver;
let home: string;
let cleanup: () => Promise<void>;
let env: Connected | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  api = await startFixture({ "/hello": (_req, res) => json(res, 200, { hello: "world" }) });
  receiver = await startOtlpReceiver();
  // The SDK's own environment variables must not turn export on: only telemetry.otlpEndpoint does.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${receiver.endpoint}/v1/traces`;
  ({ home, cleanup } = await makeHome({ network: { allow: [`127.0.0.1:${api.port}`] } }));
  env = await connect(home);
  const runs = [
    `import { parseCsv } from "library/csv"; export default parseCsv("a,b\\n1,2")`,
    `import { workspace } from "toolsmith"; await workspace.write("x.txt", "abc"); throw new TypeError("on purpose")`,
    `const res = await fetch("http://127.0.0.1:${api.port}/hello"); export default await res.json()`,
  ];
  for (const code of runs) await env.call("run_code", { code });
});

afterAll(async () => {
  process.env = savedEnv;
  await env?.close();
  await api?.close();
  await receiver?.close();
  await cleanup?.();
});

describe("tracing off (no telemetry.otlpEndpoint)", () => {
  it("exports nothing and registers no tracer provider, yet records runs and passes a traceparent on", async () => {
    expect(trace.getTracer("probe").startSpan("probe").isRecording()).toBe(false);
    const sent = api.requests.find((r) => r.url === "/hello")!;
    expect(String(sent.headers.traceparent)).toMatch(W3C);
    const runs = await env!.toolsmith.runs();
    expect(runs).toHaveLength(3);
    expect(String(sent.headers.traceparent).split("-")[1]).toBe(runs[0]!.traceId);
    await env!.close();
    env = undefined;
    expect(receiver.bodies).toEqual([]);
  });
});

describe("toolsmith runs", () => {
  it("lists the last runs newest first with their spans and integrations", async () => {
    const blocks = (await runs(home)).split(/\n(?=\d{4}-)/);
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toMatch(/ok .* tool-call {2}trace [0-9a-f]{32}/);
    expect(blocks[0]).toMatch(new RegExp(`fetch GET 127\\.0\\.0\\.1:${api.port}/hello → 200, 17 bytes {2}ok`));
    expect(blocks[1]).toContain("FAILED");
    expect(blocks[1]).toContain("error: TypeError: on purpose");
    expect(blocks[1]).toContain("workspace write x.txt, 3 bytes  ok");
    expect(blocks[2]).toMatch(/integrations: csv@[0-9a-f]{12}/);
  });

  it("filters with --failed and --integration, and prints records with --json", async () => {
    const failed = JSON.parse(await runs(home, { failed: true, json: true }));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ok: false, error: { name: "TypeError" }, trigger: { kind: "tool-call" } });
    const csv = JSON.parse(await runs(home, { integration: "csv", json: true }));
    expect(csv).toHaveLength(1);
    expect(csv[0].integrations).toEqual([{ name: "csv", version: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
    expect(JSON.parse(await runs(home, { limit: "2", json: true }))).toHaveLength(2);
    expect(await runs(home, { failed: true, integration: "dates" })).toBe("No failed runs that imported dates recorded yet.\n");
  });

  it("refuses bad options with a message saying what to change", async () => {
    await expect(runs(home, { limit: "0" })).rejects.toThrow("--limit must be a whole number from 1 to 1000, not '0'");
    await expect(runs(home, { integration: "../x" })).rejects.toThrow("is not a valid integration name");
    await expect(runs(home, {}, ["extra"])).rejects.toThrow("runs takes no arguments");
  });

  it("works as the real command: flags parsed, exit code 2 on bad usage", async () => {
    const failed = await runCli(["runs", "--failed", "--json"], { home });
    expect(failed.code, failed.stderr).toBe(0);
    expect(JSON.parse(failed.stdout)).toHaveLength(1);
    const bad = await runCli(["runs", "--limit", "x"], { home });
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage: toolsmith runs") });
  });

  it("records 'toolsmith run' as a cli run continuing TRACEPARENT", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const run = await runCli(["run", "-"], { home, input: "export default 41 + 1", env: { ...process.env, TRACEPARENT: traceparent } });
    expect(run.code, run.stderr).toBe(0);
    const [latest] = JSON.parse((await runCli(["runs", "--limit", "1", "--json"], { home })).stdout);
    expect(latest).toMatchObject({ name: "toolsmith run", trigger: { kind: "cli" }, traceId: "0af7651916cd43dd8448eb211c80319c", parentSpanId: "b7ad6b7169203331", ok: true });
  });
});

describe("toolsmith://runs", () => {
  it("is listed among the resources and reads as the last runs with their spans", async () => {
    const server = await connect(home);
    try {
      const { resources } = await server.client.listResources();
      expect(resources.map((r) => r.uri)).toContain("toolsmith://runs");
      const read = await server.client.readResource({ uri: "toolsmith://runs" });
      const content = read.contents[0] as { mimeType?: string; text: string };
      expect(content.mimeType).toBe("application/json");
      const { runs } = JSON.parse(content.text);
      expect(runs.length).toBe(4);
      expect(runs[0].trigger.kind).toBe("cli");
      expect(runs[1].spans[0].attributes).toMatchObject({ "toolsmith.op": "fetch", "url.path": "/hello", "http.response.status_code": 200 });
    } finally {
      await server.close();
    }
  });
});

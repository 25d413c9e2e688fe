import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { startOtlpReceiver, type OtlpReceiver } from "./otlp-receiver.js";

let api: Fixture;
let receiver: OtlpReceiver;
let home: string;
let cleanup: () => Promise<void>;
let env: Connected;

beforeAll(async () => {
  api = await startFixture({ "/hello": (_req, res) => json(res, 200, { hello: "world" }) });
  receiver = await startOtlpReceiver();
  ({ home, cleanup } = await makeHome());
  env = await connect(home, { network: { allow: [`127.0.0.1:${api.port}`] }, telemetry: { otlpEndpoint: receiver.endpoint } });
});

afterAll(async () => {
  await env?.close();
  await api?.close();
  await receiver?.close();
  await cleanup?.();
});

describe("test runs of saves and verifies are traced like other runs", () => {
  it("a save's test run gets a run span (trigger save) with its fetch, and verify's (trigger test)", async () => {
    const code = `/** Says hello. */\nexport async function hello(): Promise<unknown> {\n  const res = await fetch("http://127.0.0.1:${api.port}/hello");\n  return res.json();\n}\n`;
    const test = `import { hello } from "library/demo/hello";\nconst got = (await hello()) as { hello: string };\nif (got.hello !== "world") throw new Error("no hello");`;
    const saved = await env.call("save_integration", { name: "demo/hello", description: "Says hello", code, test, hosts: [`127.0.0.1:${api.port}`] });
    expect(saved.isError, saved.text).toBe(false);
    const [save] = await env.toolsmith.runs();
    expect(save).toMatchObject({ name: "save", trigger: { kind: "save", id: "demo/hello" }, ok: true });
    expect(save!.integrations.map((i) => i.name)).toContain("demo/hello");
    expect(save!.spans.map((s) => s.name)).toContain("GET");
    await env.toolsmith.verify("demo/hello");
    const [verify] = await env.toolsmith.runs();
    expect(verify).toMatchObject({ name: "test", trigger: { kind: "test", id: "demo/hello" }, ok: true });
    // Exported too: the run spans with their trigger, and the fetch as a child of the save's run.
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "test"));
    const saveSpan = spans.find((s) => s.name === "save")!;
    expect(saveSpan.attributes).toMatchObject({ "toolsmith.trigger": "save", "toolsmith.trigger.id": "demo/hello" });
    expect(spans.some((s) => s.parentSpanId === saveSpan.spanId && s.traceId === saveSpan.traceId)).toBe(true);
  });
});

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

const TOKEN = "real-token-value-7f3a";
let api: Fixture;
let env: Connected;
let cleanup: () => Promise<void>;

/** A write function as an agent would save it: POST with the secret in a header. */
const WRITER = (origin: string) => `import { secret } from "toolsmith";
/** Creates an item; resolves to the created item. */
export async function createItem(title: string): Promise<{ id: number; title: string }> {
  const response = await fetch("${origin}/items", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer " + secret("API_TOKEN") },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw new Error("create failed: " + response.status);
  return response.json();
}`;
const WRITER_TEST = (origin: string) => `import { createItem } from "library/svc/writer";
import { json, recorder, withFakeFetch } from "library/testing/http";
import { assertEqual } from "library/testing/assert";
import { secret } from "toolsmith";
const seen = recorder(async (request) => json({ id: 1, ...(await request.json()) }, 201));
assertEqual(await withFakeFetch(seen, () => createItem("first")), { id: 1, title: "first" }, "created");
assertEqual(seen.calls.map((c) => [c.method, c.url]), [["POST", "${origin}/items"]], "one POST to the service");
assertEqual(seen.calls[0]!.headers.authorization, "Bearer " + secret("API_TOKEN"), "the placeholder, not the value");
export default seen.calls[0]!.headers.authorization;`;

beforeAll(async () => {
  api = await startFixture({ "/items": (_req, res, body) => json(res, 201, { id: 99, ...JSON.parse(body || "{}") }) });
  let home: string;
  ({ home, cleanup } = await makeHome({ network: { allow: [`127.0.0.1:${api.port}`] } }));
  writeFileSync(join(home, "secrets.json"), JSON.stringify({ secrets: { API_TOKEN: { value: TOKEN, hosts: [`127.0.0.1:${api.port}`] } } }), { mode: 0o600 });
  env = await connect(home);
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await cleanup?.();
});

describe("library/testing/http: withFakeFetch", () => {
  it("is a verified starter of a new home", async () => {
    const r = (await env.call("search_library", { query: "fake fetch http test" })).body.results.find((x: { name: string }) => x.name === "testing/http");
    expect(r).toMatchObject({ verified: true, import: 'import { withFakeFetch, json, recorder } from "library/testing/http";' });
  });

  it("a write function's test passes against handlers; no request reaches the real service; the secret stays a placeholder", async () => {
    const saved = await env.call("save_integration", { name: "svc/writer", description: "Creates items in the service", code: WRITER(api.origin), test: WRITER_TEST(api.origin), hosts: [`127.0.0.1:${api.port}`], secrets: ["API_TOKEN"] });
    expect(saved.isError, saved.text).toBe(false);
    expect(saved.body.verified).toBe(true);
    expect(api.requests).toEqual([]);
    const verified = await env.call("run_code", { code: 'import { verify } from "toolsmith";\nexport default await verify("svc/writer");' });
    expect(verified.body.result).toMatchObject({ passed: true, assertions: 3 });
    expect(verified.body.result.needsLiveApi).toBeUndefined();
    expect(api.requests).toEqual([]);
  });

  it("in run_code: the handler sees the placeholder (never the value); outside the call the real fetch is back", async () => {
    const r = await env.call("run_code", {
      code: `import { createItem } from "library/svc/writer";
import { withFakeFetch, json } from "library/testing/http";
import { secret } from "toolsmith";
let header = "";
const faked = await withFakeFetch((request) => { header = request.headers.get("authorization") ?? ""; return json({ id: 5, title: "fake" }); }, () => createItem("x"));
const real = await createItem("live");
export default { faked, real, placeholder: header === "Bearer " + secret("API_TOKEN"), leaked: header.includes(${JSON.stringify(TOKEN)}) };`,
    });
    expect(r.isError, r.text).toBe(false);
    expect(r.body.result).toEqual({ faked: { id: 5, title: "fake" }, real: { id: 99, title: "live" }, placeholder: true, leaked: false });
    // Only the call made outside withFakeFetch reached the service, with the real token.
    expect(api.requests.map((q) => [q.method, q.body])).toEqual([["POST", '{"title":"live"}']]);
    expect(api.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a test that exports needsLiveApi is reported as needing the live API", async () => {
    const saved = await env.call("save_integration", {
      name: "svc/writer",
      description: "Creates items in the service",
      code: WRITER(api.origin),
      test: 'import { createItem } from "library/svc/writer";\nexport const needsLiveApi = true;\nif ((await createItem("t")).id !== 99) throw new Error("no id");',
      hosts: [`127.0.0.1:${api.port}`],
      secrets: ["API_TOKEN"],
    });
    expect(saved.isError, saved.text).toBe(false);
    const verified = await env.call("run_code", { code: 'import { verify } from "toolsmith";\nexport default await verify("svc/writer");' });
    expect(verified.body.result).toMatchObject({ passed: true, needsLiveApi: true, assertions: 0 });
  });
});

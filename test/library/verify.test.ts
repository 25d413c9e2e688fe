import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, makeHome, runCli, type Connected } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";

/** The API under the integration: "v1" answers { items }, "v2" renamed the field to { data }. */
let mode: "v1" | "v2" = "v1";
let api: Fixture;
let home: string;
let cleanup: () => Promise<void>;
let env: Connected;
/** Written to the home's config.json: the CLI (another process) reads it too. */
const config = () => ({ network: { allow: [`127.0.0.1:${api.port}`] } });

const ITEMS = (origin: string) => `/** Titles of the items the service lists. */
export async function titles(): Promise<string[]> {
  const body = (await (await fetch("${origin}/items")).json()) as { items: Array<{ title: string }> };
  return body.items.map((i) => i.title);
}`;
const ITEMS_TEST = `import { titles } from "library/svc/items";
import { assertEqual, assert } from "library/testing/assert";
const got = await titles();
assert(Array.isArray(got), "titles is a list");
assertEqual(got, ["a", "b"], "the service's titles");`;
const REPORT = `import { titles } from "library/svc/items";
export async function report(): Promise<string> {
  return (await titles()).join(", ");
}`;
const REPORT_TEST = `import { report } from "library/svc/report";
if ((await report()) !== "a, b") throw new Error("unexpected report");`;

const verify = async (name: string) => env.call("run_code", { code: `import { verify } from "toolsmith";\nexport default await verify(${JSON.stringify(name)});` });
const found = async (name: string) => (await env.call("search_library", { query: "svc" })).body.results.find((r: { name: string }) => r.name === name);

beforeAll(async () => {
  api = await startFixture({ "/items": (_req, res) => (mode === "v1" ? json(res, 200, { items: [{ title: "a" }, { title: "b" }] }) : json(res, 200, { data: [{ title: "a" }] })) });
  ({ home, cleanup } = await makeHome(config()));
  env = await connect(home);
  for (const [name, code, test] of [["svc/items", ITEMS(api.origin), ITEMS_TEST], ["svc/report", REPORT, REPORT_TEST]] as const) {
    const saved = await env.call("save_integration", { name, description: `${name}: lists the service's items`, code, test, hosts: [`127.0.0.1:${api.port}`] });
    expect(saved.isError, saved.text).toBe(false);
  }
});
afterAll(async () => {
  await env?.close();
  await api?.close();
  await cleanup?.();
});

describe("verify(name) re-runs saved tests and records the outcome", () => {
  it("passes while the API behaves, with the assertions counted and dependents re-run", async () => {
    const r = await verify("svc/items");
    expect(r.isError, r.text).toBe(false);
    expect(r.body.result).toMatchObject({ name: "svc/items", passed: true, assertions: 2, dependents: [{ name: "svc/report", passed: true }] });
    expect(r.body.result.durationMs).toBeGreaterThan(0);
    expect(r.body.result.error).toBeUndefined();
    const items = await found("svc/items");
    expect(items.verified).toBe(true);
    expect(items.lastVerification).toMatchObject({ passed: true });
    expect(Date.parse(items.lastVerification.at)).not.toBeNaN();
    expect((await found("svc/report")).lastVerification).toMatchObject({ passed: true });
  });

  it("fails once the API changes under it; search shows it beside the save-time verified", async () => {
    mode = "v2";
    const before = (await env.toolsmith.history()).length;
    const r = await verify("svc/items");
    expect(r.isError, r.text).toBe(false);
    const result = r.body.result;
    expect(result).toMatchObject({ name: "svc/items", passed: false, assertions: 0 });
    expect(result.error).toMatch(/^TypeError: .*\(svc\/items\.test\.ts:\d+:\d+\)|\(library\/svc\/items:\d+:\d+\)$/);
    expect(result.dependents).toEqual([expect.objectContaining({ name: "svc/report", passed: false, error: expect.stringMatching(/TypeError/) })]);
    const items = await found("svc/items");
    expect(items).toMatchObject({ verified: true, lastVerification: { passed: false, error: result.error } });
    expect((await found("svc/report")).lastVerification.passed).toBe(false);
    // Recording an outcome changes nothing in the library.
    expect((await env.toolsmith.history()).length).toBe(before);
  });

  it("the record survives a restart", async () => {
    await env.close();
    env = await connect(home);
    expect((await found("svc/items")).lastVerification).toMatchObject({ passed: false, error: expect.stringMatching(/TypeError/) });
  });

  it("toolsmith verify in another process records an outcome the running server shows", async () => {
    mode = "v1";
    expect((await verify("svc/items")).body.result.passed).toBe(true);
    mode = "v2";
    // One CLI process (they are slow to start on a busy machine): a failing dependent test, exit code 1, --json.
    const failing = await runCli(["verify", "svc/report", "--json"], { home });
    expect(failing.code, failing.stderr).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({ name: "svc/report", passed: false, assertions: 0, dependents: [] });
    expect((await found("svc/report")).lastVerification).toMatchObject({ passed: false, error: expect.stringMatching(/TypeError/) });
    expect((await found("svc/items")).lastVerification).toMatchObject({ passed: true });
    mode = "v1";
  });

  it("a new save starts over: lastVerification belongs to the version it ran against", async () => {
    mode = "v2";
    expect((await verify("svc/report")).body.result.passed).toBe(false);
    mode = "v1";
    const saved = await env.call("save_integration", { name: "svc/report", description: "svc/report: the items as one line", code: `${REPORT}\n`, test: REPORT_TEST, hosts: [`127.0.0.1:${api.port}`] });
    expect(saved.isError, saved.text).toBe(false);
    const report = await found("svc/report");
    expect(report.verified).toBe(true);
    expect(report.lastVerification).toBeUndefined();
  });

  it("refuses what it cannot verify with a VerifyError that says what to do", async () => {
    const missing = await verify("svc/nope");
    expect(missing.isError).toBe(true);
    expect(missing.body.error).toMatchObject({ name: "VerifyError", message: expect.stringContaining("No saved integration is named 'svc/nope'") });
    const untested = await env.call("save_integration", { name: "svc/untested", description: "no test", code: "export const one = 1;" });
    expect(untested.isError, untested.text).toBe(false);
    const r = await verify("svc/untested");
    expect(r.body.error.message).toContain("saved without a test");
    const bad = await env.call("run_code", { code: 'import { verify } from "toolsmith";\nexport default await verify("Bad Name");' });
    expect(bad.body.error).toMatchObject({ name: "VerifyError", message: expect.stringContaining("not an integration name") });
    const cli = await runCli(["verify"], { home });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain("verify takes one integration name");
  });
});

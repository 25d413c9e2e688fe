import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { approvalClient, openHome, type ApprovalClient } from "./approvals-clients.js";
import type { Toolsmith } from "../../dist/toolsmith.js";

/**
 * approvals.trusted: a saved integration listed there makes its own covered requests
 * unasked; everything else (the run's own code, drafts, callbacks, forgeries) is asked.
 * A real MCP client answers "deny" and counts questions; a local HTTP server counts POSTs.
 */
let api: Fixture;
let home: { home: string; cleanup: () => Promise<void> };
let toolsmith: Toolsmith;
let c: ApprovalClient;

/** The integration's code: a POST to the covered host, an upstream tool call a rule covers, and a function that runs a caller's callback. */
const integration = (origin: string) => `
import { echo as upstreamEcho } from "mcp/fixture";
export async function echo(text: string): Promise<unknown> {
  return await upstreamEcho({ text });
}
export async function refund(body: string): Promise<number> {
  return (await fetch("${origin}/refunds", { method: "POST", body })).status;
}
export async function refundAt(url: string, body: string): Promise<number> {
  return (await fetch(url, { method: "POST", body })).status;
}
/** Handing out its own fetch lends its trust (documented): the integration chose to. */
export const ownFetch = (url: string, init: RequestInit) => fetch(url, init);
export async function run<T>(callback: () => Promise<T>): Promise<T> {
  return await callback();
}
`;
const integrationTest = `
import { withFakeFetch, json } from "library/testing/http";
import { refund } from "library/pay/refund";
const status = await withFakeFetch(() => json({ ok: true }), () => refund("test"));
if (status !== 200) throw new Error("expected 200");
`;

beforeAll(async () => {
  api = await startFixture({ "/refunds": (_req, res, body) => json(res, 200, { body }) });
  home = await makeHome();
  toolsmith = await openHome(home.home, {
    network: { allow: ["127.0.0.1", "127.0.0.2"] },
    approvals: { rules: [{ fetch: { hosts: ["127.0.0.1", "127.0.0.2"] } }, { tools: ["fixture/echo"] }], trusted: ["pay/*"], timeoutSeconds: 30 },
    mcpServers: { fixture: { command: process.execPath, args: [join(import.meta.dirname, "..", "fixtures", "upstream-fixture.mjs"), "stdio"] } },
  });
  for (const name of ["pay/refund", "shop/refund"]) {
    const saved = await toolsmith.save({ name, description: "Refunds a charge", code: integration(api.origin), test: integrationTest.replace("pay/refund", name), hosts: ["127.0.0.1"] });
    expect(saved, JSON.stringify(saved)).toMatchObject({ ok: true });
  }
  c = await approvalClient(toolsmith, { era: "legacy" });
  c.person = () => "deny";
});
afterAll(async () => {
  await c?.close();
  await toolsmith?.close();
  await home?.cleanup();
  await api?.close();
});

const posts = () => api.requests.filter((r) => r.method === "POST").map((r) => r.body);
async function auditLog(): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(join(home.home, "state", "approvals.jsonl"), "utf8").catch(() => "");
  return text.trim() ? text.trim().split("\n").map((line) => JSON.parse(line)) : [];
}

/** Runs `code`; returns its body and how many questions and POSTs it caused. */
async function attempt(code: string, modules?: Record<string, string>) {
  const asked = c.questions.length;
  const sent = posts().length;
  const result = modules
    ? ((await c.client.callTool({ name: "run_code", arguments: { code, modules } })) as any)
    : await c.runCode(code).then((r) => ({ structuredContent: r.body }));
  const body = result.structuredContent ?? JSON.parse(result.content?.[0]?.text ?? "null");
  return { body, questions: c.questions.slice(asked), posts: posts().slice(sent) };
}

describe("approvals.trusted", () => {
  it("a trusted saved integration's own POST goes out unasked, and the log names it", async () => {
    const { body, questions, posts } = await attempt(`import { refund } from "library/pay/refund";\nexport default await refund("trusted");`);
    expect(body.result).toBe(200);
    expect(questions).toEqual([]);
    expect(posts).toEqual(["trusted"]);
    expect((await auditLog()).at(-1)).toMatchObject({ caller: "library/pay/refund", decision: "trusted", rule: "approvals.rules[0]", what: `POST ${api.origin}/refunds` });
  });

  it("a trusted integration loaded by dynamic import() is trusted too", async () => {
    const { body, questions, posts } = await attempt(`const { refund } = await import("library/pay/refund");\nexport default await refund("dynamic");`);
    expect(body.result).toBe(200);
    expect(questions).toEqual([]);
    expect(posts).toEqual(["dynamic"]);
  });

  it("an integration that hands out its own fetch lends its trust with it (to its declared hosts only)", async () => {
    const { body, questions, posts } = await attempt(`import { ownFetch } from "library/pay/refund";\nexport default (await ownFetch("${api.origin}/refunds", { method: "POST", body: "lent" })).status;`);
    expect(body.result).toBe(200);
    expect(questions).toEqual([]);
    expect(posts).toEqual(["lent"]);
  });

  it("a save's test is never trusted, even under a trusted name: its real POST is refused and nothing is sent", async () => {
    const sent = posts().length;
    const saved = await toolsmith.save({
      name: "pay/live",
      description: "Refunds for real in its test",
      code: integration(api.origin),
      test: `import { refund } from "library/pay/live";\nawait refund("from a test");`,
      hosts: ["127.0.0.1"],
    });
    expect(saved.ok).toBe(false);
    expect(JSON.stringify(saved)).toContain("ApprovalDeniedError");
    expect(posts().length).toBe(sent);
  });

  it("an integration not listed is asked, and the question names it", async () => {
    const { body, questions, posts } = await attempt(`import { refund } from "library/shop/refund";\nexport default await refund("untrusted");`);
    expect(body.error.name).toBe("ApprovalDeniedError");
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain("the saved integration library/shop/refund");
    expect(posts).toEqual([]);
    expect((await auditLog()).at(-1)).toMatchObject({ caller: "library/shop/refund", decision: "denied" });
  });

  it("the trusted integration's own upstream tool call is unasked; the same call from the run's code, or another integration, is asked", async () => {
    const trusted = await attempt(`import { echo } from "library/pay/refund";\nexport default await echo("from pay");`);
    expect(JSON.stringify(trusted.body.result)).toContain("from pay");
    expect(trusted.questions).toEqual([]);
    expect((await auditLog()).at(-1)).toMatchObject({ caller: "library/pay/refund", decision: "trusted", kind: "tool", what: "fixture/echo" });
    const main = await attempt(`import { echo } from "mcp/fixture";\nimport "library/pay/refund";\nexport default await echo({ text: "from main" });`);
    expect(main.body.error.name).toBe("ApprovalDeniedError");
    expect(main.questions).toHaveLength(1);
    expect(main.questions[0]).toContain("the agent's code (run_code)");
    const other = await attempt(`import { echo } from "library/shop/refund";\nexport default await echo("from shop");`);
    expect(other.body.error.name).toBe("ApprovalDeniedError");
    expect(other.questions[0]).toContain("the saved integration library/shop/refund");
  });

  it("a trusted integration's request to a host it did not declare (hosts) is asked, also when guest code bends it there", async () => {
    const local = api.origin.replace("127.0.0.1", "127.0.0.2");
    const direct = await attempt(`import { refundAt } from "library/pay/refund";\nexport default await refundAt("${local}/refunds", "undeclared");`);
    expect(direct.body.error.name).toBe("ApprovalDeniedError");
    expect(direct.questions).toHaveLength(1);
    expect(direct.questions[0]).toContain("the saved integration library/pay/refund");
    const bent = await attempt(`
      import { refund } from "library/pay/refund";
      (Object.prototype as any).toJSON = function () {
        return typeof this.url === "string" ? Object.assign(Object.create(null), this, { url: "${local}/refunds", bodyText: "bent" }) : this;
      };
      export default await refund("innocent");`);
    expect(bent.body.error?.name, JSON.stringify(bent.body)).toBe("ApprovalDeniedError");
    expect(bent.questions).toHaveLength(1);
    expect(bent.questions[0]).toContain(`POST ${local}/refunds`);
    expect(direct.posts.concat(bent.posts)).toEqual([]);
  });

  it("the same POST from the run's own code is asked", async () => {
    const { body, questions, posts } = await attempt(`export default (await fetch("${api.origin}/refunds", { method: "POST", body: "main" })).status;`);
    expect(body.error.name).toBe("ApprovalDeniedError");
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain("the agent's code (run_code)");
    expect(posts).toEqual([]);
    expect((await auditLog()).at(-1)).toMatchObject({ caller: "main", decision: "denied" });
  });

  it("a draft shadowing the trusted integration is asked, named as a draft", async () => {
    const { body, questions, posts } = await attempt(`import { refund } from "library/pay/refund";\nexport default await refund("draft");`, { "library/pay/refund": integration(api.origin) });
    expect(body.error.name).toBe("ApprovalDeniedError");
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain("an unsaved draft of library/pay/refund");
    expect(posts).toEqual([]);
    expect((await auditLog()).at(-1)).toMatchObject({ caller: "draft:library/pay/refund", decision: "denied" });
  });

  it("the run's callback called by the trusted integration is the run's: asked", async () => {
    const { body, questions, posts } = await attempt(
      `import { run } from "library/pay/refund";\nexport default await run(async () => (await fetch("${api.origin}/refunds", { method: "POST", body: "callback" })).status);`,
    );
    expect(body.error.name).toBe("ApprovalDeniedError");
    expect(questions).toHaveLength(1);
    expect(posts).toEqual([]);
  });

  it("withFakeFetch in the run fakes the trusted integration's requests too: nothing is sent", async () => {
    const { body, questions, posts } = await attempt(
      `import { refund } from "library/pay/refund";\nimport { withFakeFetch, json } from "library/testing/http";\nexport default await withFakeFetch(() => json({}, 201), () => refund("faked"));`,
    );
    expect(body.result).toBe(201);
    expect(questions).toEqual([]);
    expect(posts).toEqual([]);
  });

  /** Each is written against ORIGIN, the local API's origin (known once it listens). */
  const forgeries: Record<string, string> = {
    "a function renamed after the integration's": `
      const refund = { async refund() { return (await fetch("ORIGIN/refunds", { method: "POST", body: "renamed" })).status; } }.refund;
      Object.defineProperty(refund, "name", { value: "refund" });
      export default await refund();`,
    "a forged stack (Error.prepareStackTrace, a stack getter)": `
      (Error as any).prepareStackTrace = () => "    at refund (library/pay/refund:2:10)";
      Object.defineProperty(Error.prototype, "stack", { get: () => "    at refund (library/pay/refund:2:10)", configurable: true });
      export default (await fetch("ORIGIN/refunds", { method: "POST", body: "stack" })).status;`,
    "globalThis.fetch reassigned before the integration loads": `
      const real = globalThis.fetch;
      globalThis.fetch = (input: any, init?: any) => real(input, { ...init, body: "reassigned" });
      const { refund } = await import("library/pay/refund");
      export default await refund("ignored");`,
    "the toolsmith module's internals": `
      import { __internal } from "toolsmith";
      const tried: string[] = [];
      for (const token of ["", "main", "library/pay/refund", "0".repeat(32)]) {
        try { (__internal as any).bindCaller(token); tried.push("bound " + token); } catch (e) { tried.push((e as Error).message.slice(0, 20)); }
      }
      if (tried.some((t) => t.startsWith("bound"))) throw new Error("bound: " + tried.join());
      export default await (__internal as any).hostCall("fetch", { url: "ORIGIN/refunds", method: "POST", headers: [], bodyText: "internal", redirect: "follow" });`,
    "tokens read from function sources and the module graph": `
      import * as mod from "library/pay/refund";
      import { __internal } from "toolsmith";
      const sources = [String(mod.refund), String(mod.run), String(fetch), String((__internal as any).bindCaller), String(Function.prototype.toString.call(mod.refund))].join("\\n");
      const tokens = sources.match(/[0-9a-f]{32}/g) ?? [];
      for (const token of tokens) {
        try { const caps = (__internal as any).bindCaller(token); await caps.fetch("ORIGIN/refunds", { method: "POST", body: "token" }); } catch {}
      }
      export default (await fetch("ORIGIN/refunds", { method: "POST", body: "sources" })).status;`,
    "importing the integration's own upstream instance by name": `
      let got: unknown;
      try { got = await import("mcp/fixture#for:library/pay/refund"); } catch (e) { got = (e as Error).message; }
      export default (await fetch("ORIGIN/refunds", { method: "POST", body: String(got).slice(0, 40) })).status;`,
    "the integration's module re-imported dynamically, then main's own fetch": `
      const mod = await import("library/pay/refund");
      (globalThis as any).fetch = (globalThis as any).fetch.bind(mod);
      export default (await fetch("ORIGIN/refunds", { method: "POST", body: "rebound" })).status;`,
  };
  for (const [name, code] of Object.entries(forgeries)) {
    it(`forging: ${name} is asked`, async () => {
      const { body, questions, posts } = await attempt(code.replaceAll("ORIGIN", api.origin));
      expect(body.error?.name, JSON.stringify(body)).toBe("ApprovalDeniedError");
      expect(questions.length).toBeGreaterThanOrEqual(1);
      expect(questions.every((q) => q.includes("the agent's code (run_code)"))).toBe(true);
      expect(posts).toEqual([]);
    });
  }

  it("after a reassigned globalThis.fetch is put back, the trusted integration is trusted again", async () => {
    const { body, questions, posts } = await attempt(`
      import { refund } from "library/pay/refund";
      const real = globalThis.fetch;
      globalThis.fetch = (input: any, init?: any) => real(input, init);
      let first: unknown;
      try { first = await refund("wrapped"); } catch (e) { first = (e as Error).name; }
      globalThis.fetch = real;
      export default [first, await refund("restored")];`);
    expect(body.result).toEqual(["ApprovalDeniedError", 200]);
    expect(questions).toHaveLength(1);
    expect(posts).toEqual(["restored"]);
  });
});

describe("approvals.trusted through a 2026-era client (input_required rounds)", () => {
  let modern: ApprovalClient;
  beforeAll(async () => {
    modern = await approvalClient(toolsmith, { era: "modern" });
    modern.person = () => "deny";
  });
  afterAll(() => modern?.close());

  it("the trusted integration's POST is unasked; main's is asked and names the agent's code", async () => {
    const sent = posts().length;
    const trusted = await modern.runCode(`import { refund } from "library/pay/refund";\nexport default await refund("modern trusted");`);
    expect(trusted.body.result).toBe(200);
    expect(modern.questions).toEqual([]);
    const main = await modern.runCode(`export default (await fetch("${api.origin}/refunds", { method: "POST", body: "modern main" })).status;`);
    expect(main.body.error.name).toBe("ApprovalDeniedError");
    expect(modern.questions).toHaveLength(1);
    expect(modern.questions[0]).toContain("the agent's code (run_code)");
    expect(posts().slice(sent)).toEqual(["modern trusted"]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../http-fixture.js";
import { approvalClient } from "./approvals-clients.js";

let api: Fixture;
beforeAll(async () => {
  api = await startFixture({ "/refunds": (_req, res, body) => json(res, 200, { refunded: true, body }), "/items": (_req, res) => json(res, 200, [1, 2]) });
});
afterAll(() => api.close());

const config = (extra: Record<string, unknown> = {}) => ({
  network: { allow: ["127.0.0.1"] },
  approvals: { rules: [{ fetch: { hosts: ["127.0.0.1"] } }], timeoutSeconds: 5, ...extra },
});

const post = (origin: string, body = '{"amount":5}') => `export default await (async () => {
  const r = await fetch("${origin}/refunds", { method: "POST", body: ${JSON.stringify(body)} });
  return r.status;
})();`;

describe.each(["legacy", "modern"] as const)("approvals over elicitation (%s era)", (era) => {
  it("asks before a POST; allow once sends it, deny throws ApprovalDeniedError and sends nothing; GET is not asked", async () => {
    const { home, cleanup } = await makeHome();
    const c = await approvalClient(home, config(), { era });
    try {
      const before = api.requests.length;
      c.answers.splice(0, c.answers.length, "once");
      const allowed = await c.runCode(post(api.origin));
      expect(allowed.body.result).toBe(200);
      expect(api.requests.length).toBe(before + 1);
      expect(c.questions.at(-1)).toContain(`POST ${api.origin}/refunds`);
      expect(c.questions.at(-1)).toContain("approvals.rules[0]");

      c.answers.splice(0, c.answers.length, "deny");
      const denied = await c.runCode(post(api.origin));
      expect(denied.isError).toBe(true);
      expect(denied.body.error.name).toBe("ApprovalDeniedError");
      expect(denied.body.error.message).toContain("approvals.rules[0]");
      expect(api.requests.length).toBe(before + 1);

      const asked = c.questions.length;
      const got = await c.runCode(`export default (await fetch("${api.origin}/items")).status;`);
      expect(got.body.result).toBe(200);
      expect(c.questions.length).toBe(asked);

      const log = (await readFile(join(home, "state", "approvals.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
      expect(log.map((r) => r.decision)).toEqual(["allowed-once", "denied"]);
      expect(log[0]).toMatchObject({ kind: "fetch", rule: "approvals.rules[0]", what: `POST ${api.origin}/refunds` });
    } finally {
      await c.close();
      await cleanup();
    }
  });
});

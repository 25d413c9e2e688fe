import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { approvalClient, openHome, until, type ApprovalClient } from "./approvals-clients.js";
import type { Toolsmith } from "../../dist/toolsmith.js";

/** A question unanswered this long is a denial (short: one test waits it out). */
const APPROVAL_TIMEOUT_SECONDS = 3;

let api: Fixture;
let home: { home: string; cleanup: () => Promise<void> };
let toolsmith: Toolsmith;
beforeAll(async () => {
  api = await startFixture({ "/refunds": (_req, res, body) => json(res, 200, { refunded: true, body }), "/items": (_req, res) => json(res, 200, [1, 2]) });
  home = await makeHome();
  toolsmith = await openHome(home.home, {
    network: { allow: ["127.0.0.1"] },
    approvals: { rules: [{ fetch: { hosts: ["127.0.0.1"] } }], timeoutSeconds: APPROVAL_TIMEOUT_SECONDS },
  });
});
afterAll(async () => {
  await toolsmith?.close();
  await home?.cleanup();
  await api?.close();
});

const posts = () => api.requests.filter((r) => r.method === "POST");
const post = (body: string, times = 1) => `export default await (async () => {
  const out = [];
  for (let i = 0; i < ${times}; i++) out.push((await fetch("${api.origin}/refunds", { method: "POST", body: ${JSON.stringify(body)} })).status);
  return out;
})();`;
async function auditLog(): Promise<any[]> {
  const text = await readFile(join(home.home, "state", "approvals.jsonl"), "utf8").catch(() => "");
  if (!text.trim()) return [];
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

describe.each(["legacy", "modern"] as const)("approvals through a v2 client (%s era)", (era) => {
  let c: ApprovalClient;
  beforeAll(async () => {
    c = await approvalClient(toolsmith, { era });
  });
  afterAll(() => c?.close());

  it("allow once sends the POST; deny and decline throw ApprovalDeniedError and send nothing; a GET is not asked", async () => {
    const sent = posts().length;
    c.person = () => "once";
    const allowed = await c.runCode(post(`{"era":"${era}","n":1}`));
    expect(allowed.body.result).toEqual([200]);
    expect(posts().length).toBe(sent + 1);
    const question = c.questions.at(-1)!;
    expect(question).toContain(`POST ${api.origin}/refunds`);
    expect(question).toContain("approvals.rules[0]");
    expect(question).toContain(`{"era":"${era}","n":1}`);

    for (const answer of ["deny", "decline"] as const) {
      c.person = () => answer;
      const denied = await c.runCode(post(`{"era":"${era}","n":2}`));
      expect(denied.isError).toBe(true);
      expect(denied.body.error.name).toBe("ApprovalDeniedError");
      expect(denied.body.error.message).toContain("approvals.rules[0]");
      expect(posts().length).toBe(sent + 1);
    }
    const asked = c.questions.length;
    const got = await c.runCode(`export default (await fetch("${api.origin}/items")).status;`);
    expect(got.body.result).toBe(200);
    expect(c.questions.length).toBe(asked);
    const log = (await auditLog()).filter((r) => r.what === `POST ${api.origin}/refunds`).slice(-3);
    expect(log.map((r) => r.decision)).toEqual(["allowed-once", "denied", "denied"]);
    expect(log[0]).toMatchObject({ kind: "fetch", rule: "approvals.rules[0]", caller: "main" });
  });

  it("allow for this run covers later calls of the same run only", async () => {
    c.person = () => "run";
    const sent = posts().length;
    const asked = c.questions.length;
    const first = await c.runCode(post("x", 3));
    expect(first.body.result).toEqual([200, 200, 200]);
    expect(c.questions.length).toBe(asked + 1);
    c.person = () => "deny";
    const next = await c.runCode(post("y"));
    expect(next.body.error.name).toBe("ApprovalDeniedError");
    expect(posts().length).toBe(sent + 3);
    expect(c.questions.length).toBe(asked + 2);
  });

  it("an unanswered question is a denial after approvals.timeoutSeconds; a late allow sends nothing", async () => {
    const sent = posts().length;
    const records = (await auditLog()).length;
    // The person answers "allow" only once the server has recorded the timeout.
    c.person = async () => {
      await until(() => timedOutSince(records), "the timeout", 30_000);
      return "once";
    };
    let timedOut = false;
    const timedOutSince = (count: number) => {
      void auditLog().then((log) => (timedOut = log.slice(count).some((r) => r.decision === "timed-out")));
      return timedOut;
    };
    const result = await c.runCode(post("late"));
    expect(result.body.error.name).toBe("ApprovalDeniedError");
    expect(result.body.error.message).toContain("approvals.timeoutSeconds");
    expect(posts().length).toBe(sent);
    expect((await auditLog()).slice(records).map((r) => r.decision)).toEqual(["timed-out"]);
  });

  it("time waiting for a person does not count against the run's time limit", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    c.person = async () => {
      await released;
      return "once";
    };
    const asked = c.questions.length;
    const sent = posts().length;
    // The run may compute for 800 ms; the person answers after 1.5 s.
    const pending = c.runCode(post("slow person"), { timeoutMs: 800 });
    await until(() => c.questions.length > asked, "the question");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    release();
    const result = await pending;
    expect(result.body.ok).toBe(true);
    expect(result.body.result).toEqual([200]);
    expect(posts().length).toBe(sent + 1);
  });

  it("concurrent runs each wait on their own question", async () => {
    c.person = (message) => (message.includes("alpha") ? "once" : "deny");
    const sent = posts().length;
    const [a, b] = await Promise.all([c.runCode(post("alpha")), c.runCode(post("beta"))]);
    expect(a.body.result).toEqual([200]);
    expect(b.body.error.name).toBe("ApprovalDeniedError");
    expect(posts().slice(sent).map((r) => r.body)).toEqual(["alpha"]);
  });

  it("a client without elicitation gets a refusal naming the rule and the setting", async () => {
    const mute = await approvalClient(toolsmith, { era, elicitation: false });
    try {
      const sent = posts().length;
      const result = await mute.runCode(post("unaskable"));
      expect(result.body.error.name).toBe("ApprovalDeniedError");
      expect(result.body.error.message).toMatch(/approvals\.rules\[0\].*elicitation|elicitation.*approvals\.rules\[0\]/s);
      expect(posts().length).toBe(sent);
      expect((await auditLog()).at(-1)).toMatchObject({ decision: "unaskable" });
    } finally {
      await mute.close();
    }
  });
});

describe("a cancelled run cancels its question (legacy era)", () => {
  it("nothing is sent and the question is recorded as cancelled", async () => {
    const c = await approvalClient(toolsmith, { era: "legacy" });
    try {
      c.person = () => "ignore";
      const sent = posts().length;
      const asked = c.questions.length;
      const abort = new AbortController();
      const pending = c.runCode(post("cancel me"), { signal: abort.signal }).catch((error: Error) => error);
      await until(() => c.questions.length > asked, "the question");
      abort.abort();
      await pending;
      // The server settles the question as cancelled at once (not at the approval timeout).
      let last: any;
      await until(() => {
        void auditLog().then((log) => (last = log.at(-1)));
        return last?.decision === "cancelled";
      }, "the cancelled record", 2_000);
      expect(last).toMatchObject({ decision: "cancelled" });
      expect(posts().length).toBe(sent);
    } finally {
      await c.close();
    }
  });
});

describe("toolsmith approvals (CLI)", () => {
  it("lists every recorded question with its decision, as text and as JSON", async () => {
    const { runCli } = await import("../helpers.js");
    const records = await auditLog();
    expect(records.length).toBeGreaterThan(5);
    const asJson = await runCli(["approvals", "--json", "--limit", "1000"], { home: home.home });
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toEqual(records);
    const asText = await runCli(["approvals", "--limit", "2"], { home: home.home });
    expect(asText.code).toBe(0);
    const lines = asText.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(records.at(-1).decision);
    expect(lines[1]).toContain(records.at(-1).what);
    const bad = await runCli(["approvals", "--limit", "zero"], { home: home.home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--limit must be a positive whole number");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectStdio, makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { until, type PersonAnswer } from "./approvals-clients.js";

let api: Fixture;
beforeAll(async () => {
  api = await startFixture({ "/orders": (_req, res, body) => json(res, 201, { order: body }) });
});
afterAll(() => api?.close());

/** `toolsmith serve` as a child process on a fresh home, with an SDK 1.x client whose person answers from `person`. */
async function spawnServer(person: () => PersonAnswer) {
  const made = await makeHome();
  await writeFile(
    join(made.home, "config.json"),
    JSON.stringify({ network: { allow: ["127.0.0.1"] }, approvals: { rules: [{ fetch: { hosts: ["127.0.0.1"], methods: ["*"] } }], timeoutSeconds: 60 } }),
  );
  const questions: string[] = [];
  const { client, transport, stderr } = await connectStdio(made.home, {
    name: "approvals-stdio",
    clientOptions: { capabilities: { elicitation: { form: {} } } },
    prepare: (client) =>
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        questions.push(String(request.params.message));
        const answer = person();
        if (answer === "ignore") return new Promise<never>(() => undefined);
        if (answer === "decline") return { action: "decline" };
        return { action: "accept", content: { decision: answer } };
      }),
  });
  const runCode = async (code: string) => {
    const result: any = await client.callTool({ name: "run_code", arguments: { code } }, undefined, { timeout: 120_000 });
    return result.structuredContent ?? JSON.parse(result.content[0].text);
  };
  const log = async () => (await readFile(join(made.home, "state", "approvals.jsonl"), "utf8").catch(() => "")).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return { made, transport, client, questions, runCode, log, stderr };
}

const order = (body: string) => `export default (await fetch("${api.origin}/orders", { method: "PUT", body: ${JSON.stringify(body)} })).status;`;

describe("approvals over stdio (toolsmith serve, SDK 1.x client)", () => {
  it("asks mid-call: allow sends, deny does not", async () => {
    let answer: PersonAnswer = "once";
    const s = await spawnServer(() => answer);
    try {
      const sent = api.requests.length;
      expect((await s.runCode(order("stdio allowed"))).result).toBe(201);
      answer = "deny";
      expect((await s.runCode(order("stdio denied"))).error.name).toBe("ApprovalDeniedError");
      expect(api.requests.slice(sent).map((r) => r.body)).toEqual(["stdio allowed"]);
      expect(s.questions).toHaveLength(2);
    } finally {
      await s.client.close();
      await s.made.cleanup();
    }
  });

  it("SIGTERM while a question waits: the server exits promptly and nothing is sent", async () => {
    const s = await spawnServer(() => "ignore");
    try {
      const sent = api.requests.length;
      const pending = s.runCode(order("never")).catch((error: Error) => error);
      await until(() => s.questions.length === 1, "the question");
      const pid = s.transport.pid!;
      const exited = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          try {
            process.kill(pid, 0);
          } catch {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      process.kill(pid, "SIGTERM");
      // Well within the approval timeout (60 s): shutdown does not wait for the person.
      await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error("the server did not exit after SIGTERM")), 30_000))]);
      await pending;
      expect(api.requests.length).toBe(sent);
      expect((await s.log()).map((r) => r.decision)).not.toContain("allowed-once");
    } finally {
      await s.client.close().catch(() => undefined);
      await s.made.cleanup();
    }
  });
});

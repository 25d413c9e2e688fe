import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as HttpTransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from "@modelcontextprotocol/client";
import { startHttpServer, type RunningHttpServer } from "../../dist/server/http-server.js";
import type { Toolsmith } from "../../dist/toolsmith.js";
import { makeHome } from "../helpers.js";
import { json, startFixture, type Fixture } from "../helpers/http-fixture.js";
import { openHome, type PersonAnswer } from "./approvals-clients.js";

const TOKEN = "approvals-http-test-token";
const MODULES = join(import.meta.dirname, "..", "..", "node_modules", "@modelcontextprotocol");

let api: Fixture;
let made: { home: string; cleanup: () => Promise<void> };
let toolsmith: Toolsmith;
let http: RunningHttpServer;
beforeAll(async () => {
  api = await startFixture({ "/charges": (_req, res, body) => json(res, 200, { charged: body }) });
  made = await makeHome();
  toolsmith = await openHome(made.home, {
    network: { allow: ["127.0.0.1"] },
    approvals: { rules: [{ fetch: { hosts: ["127.0.0.1"], methods: ["POST", "DELETE"] } }], timeoutSeconds: 30 },
    mcpServers: {
      memory: { command: process.execPath, args: [join(MODULES, "server-memory", "dist", "index.js")], env: { MEMORY_FILE_PATH: join(made.home, "memory.jsonl") } },
    },
  });
  http = await startHttpServer({ toolsmith, token: TOKEN, port: 0 });
});
afterAll(async () => {
  http?.server.closeAllConnections();
  await http?.close();
  await toolsmith?.close();
  await made?.cleanup();
  await api?.close();
});

const headers = { Authorization: `Bearer ${TOKEN}` };

/** An SDK 1.x client over Streamable HTTP whose person answers from `person`. */
async function clientV1(person: () => PersonAnswer, questions: string[]) {
  const client = new ClientV1({ name: "approvals-v1", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    questions.push(String(request.params.message));
    const answer = person();
    if (answer === "decline") return { action: "decline" };
    return { action: "accept", content: { decision: answer } };
  });
  await client.connect(new HttpTransportV1(new URL(http.url), { requestInit: { headers } }));
  return client;
}

async function runCode(client: { callTool: (...args: any[]) => Promise<any> }, code: string): Promise<any> {
  const result = await client.callTool({ name: "run_code", arguments: { code } }, undefined, { timeout: 120_000 });
  const body = result.structuredContent ?? JSON.parse(result.content[0].text);
  if (process.env.DEBUG_APPROVALS) console.error(JSON.stringify(body));
  return body;
}

const charge = (body: string) => `export default (await fetch("${api.origin}/charges", { method: "POST", body: ${JSON.stringify(body)} })).status;`;

/** A v2 client on the 2026 revision over Streamable HTTP (questions arrive as input_required rounds). */
async function clientV2(person: () => PersonAnswer, questions: string[]) {
  const client = new ClientV2({ name: "approvals-v2", version: "1.0.0" }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } });
  client.setRequestHandler("elicitation/create", async (request: any) => {
    questions.push(String(request.params.message));
    const answer = person();
    if (answer === "decline") return { action: "decline" };
    return { action: "accept", content: { decision: answer } };
  });
  await client.connect(new HttpTransportV2(new URL(http.url), { requestInit: { headers } }));
  if (client.getProtocolEra() !== "modern") throw new Error("expected the 2026 revision");
  return client;
}

describe("approvals over Streamable HTTP", () => {
  it("an SDK 1.x client (2025 era, served statelessly) cannot be asked: a refusal naming the rule and the way out; nothing is sent", async () => {
    const questions: string[] = [];
    const client = await clientV1(() => "once", questions);
    try {
      const sent = api.requests.length;
      const refused = await runCode(client, charge("v1"));
      expect(refused.error.name).toBe("ApprovalDeniedError");
      expect(refused.error.message).toContain("approvals.rules[0]");
      expect(refused.error.message).toContain("2026-07-28");
      expect(api.requests.length).toBe(sent);
      expect(questions).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it("an upstream tool annotated destructiveHint: true waits for approval; the upstream server only sees allowed calls", async () => {
    const questions: string[] = [];
    let answer: PersonAnswer = "deny";
    const client = await clientV2(() => answer, questions);
    try {
      const create = await runCode(
        client,
        `import { create_entities } from "mcp/memory";
         export default await create_entities({ entities: [{ name: "invoice-7", entityType: "invoice", observations: ["open"] }] });`,
      );
      expect(create.ok).toBe(true);
      expect(questions).toHaveLength(0);
      const remove = `import { delete_entities } from "mcp/memory"; export default await delete_entities({ entityNames: ["invoice-7"] });`;
      const graph = `import { read_graph } from "mcp/memory"; export default (await read_graph({})).entities.map((e) => e.name);`;
      const denied = await runCode(client, remove);
      expect(denied.error.name).toBe("ApprovalDeniedError");
      expect(denied.error.message).toContain("approvals.destructiveTools");
      expect(questions[0]).toContain("memory/delete_entities");
      expect(questions[0]).toContain("invoice-7");
      expect((await runCode(client, graph)).result).toContain("invoice-7");
      answer = "once";
      expect((await runCode(client, remove)).ok).toBe(true);
      expect((await runCode(client, graph)).result).not.toContain("invoice-7");
      expect(questions).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it("a v2 client on the 2026 revision gets input_required rounds; the paused run resumes (it is not re-run)", async () => {
    const questions: string[] = [];
    const client = await clientV2(() => (questions.length === 1 ? "once" : "deny"), questions);
    try {
      const sent = api.requests.length;
      // Two requests in one run, a log line before each: a re-run would repeat the first line and request.
      const result = await runCode(
        client,
        `console.log("start");
         const first = (await fetch("${api.origin}/charges", { method: "POST", body: "modern 1" })).status;
         console.log("between");
         let second;
         try { await fetch("${api.origin}/charges", { method: "POST", body: "modern 2" }); } catch (e) { second = e.name; }
         export default { first, second };`,
      );
      expect(result.result).toEqual({ first: 200, second: "ApprovalDeniedError" });
      expect(result.logs.map((l: { text: string }) => l.text)).toEqual(["start", "between"]);
      expect(api.requests.slice(sent).map((r) => r.body)).toEqual(["modern 1"]);
      expect(questions).toHaveLength(2);
    } finally {
      await client.close();
    }
  });
});

import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServer } from "../../dist/server/create-server.js";
import { Toolsmith } from "../../dist/toolsmith.js";
import { parseConfig } from "../../dist/config/load-config.js";

/** How a test's person answers an approval question. */
export type PersonAnswer = "once" | "run" | "deny" | "decline" | "ignore";

export interface ApprovalClient {
  toolsmith: Toolsmith;
  /** Every question the client was shown (the elicitation message). */
  questions: string[];
  /** The answer the next questions get (a queue; the last one repeats). */
  answers: PersonAnswer[];
  runCode(code: string, timeoutMs?: number, signal?: AbortSignal): Promise<{ isError: boolean; body: any }>;
  close(): Promise<void>;
}

/**
 * A real v2 MCP client, in-process, with an elicitation handler that answers from
 * `answers` ("ignore" never answers). `era` picks the protocol: "legacy" (2025,
 * server-to-client elicitation requests) or "modern" (2026, input_required rounds).
 * `elicitation: false` declares no elicitation capability.
 */
export async function approvalClient(home: string, config: unknown, options: { era: "legacy" | "modern"; elicitation?: boolean }): Promise<ApprovalClient> {
  const toolsmith = Toolsmith.open({ home, config: parseConfig(JSON.stringify(config)) });
  await toolsmith.whenReady();
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  // As `toolsmith serve` does: the opening message picks the era, the factory makes the server.
  const served = serveStdio(() => createServer(toolsmith), { transport: serverTransport as never });
  const elicitation = options.elicitation ?? true;
  const client = new Client(
    { name: "approvals-test", version: "1.0.0" },
    {
      capabilities: elicitation ? { elicitation: { form: {} } } : {},
      ...(options.era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {}),
    },
  );
  const questions: string[] = [];
  const answers: PersonAnswer[] = ["once"];
  if (elicitation) {
    client.setRequestHandler("elicitation/create", async (request: any) => {
      questions.push(String(request.params.message));
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer === "ignore") return new Promise(() => undefined);
      if (answer === "decline") return { action: "decline" };
      return { action: "accept", content: { decision: answer } };
    });
  }
  await client.connect(clientTransport);
  return {
    toolsmith,
    questions,
    answers,
    async runCode(code, timeoutMs, signal) {
      const result = (await client.callTool({ name: "run_code", arguments: { code, ...(timeoutMs ? { timeoutMs } : {}) } }, { signal, timeout: 120_000 })) as any;
      return { isError: result.isError === true, body: result.structuredContent ?? JSON.parse(result.content?.[0]?.text ?? "null") };
    },
    async close() {
      await client.close();
      await served.close();
      await toolsmith.close();
    },
  };
}

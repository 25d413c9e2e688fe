import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createServer } from "../../dist/server/create-server.js";
import { Toolsmith } from "../../dist/toolsmith.js";
import { parseConfig } from "../../dist/config/load-config.js";

/** How a test's person answers an approval question ("ignore": never). */
export type PersonAnswer = "once" | "run" | "deny" | "decline" | "ignore";
/** Decides the answer from the question's text; may take its time. */
export type Person = (message: string) => PersonAnswer | Promise<PersonAnswer>;

export async function openHome(home: string, config: unknown): Promise<Toolsmith> {
  const toolsmith = Toolsmith.open({ home, config: parseConfig(JSON.stringify(config)) });
  await toolsmith.whenReady();
  return toolsmith;
}

export interface ApprovalClient {
  client: Client;
  /** Every question the client was shown (the elicitation message), in order. */
  questions: string[];
  /** Who answers; replace it per test. */
  person: Person;
  runCode(code: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ isError: boolean; body: any }>;
  close(): Promise<void>;
}

/**
 * A real v2 MCP client, in-process, served the way `toolsmith serve` serves stdio
 * (serveStdio: the opening message picks the era). `era`: "legacy" (2025: the server
 * sends elicitation requests mid-call) or "modern" (2026: input_required rounds, the
 * client retries with the answer). `elicitation: false` declares no elicitation capability.
 */
export async function approvalClient(toolsmith: Toolsmith, options: { era: "legacy" | "modern"; elicitation?: boolean }): Promise<ApprovalClient> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const served = serveStdio(() => createServer(toolsmith), { transport: serverTransport as never });
  const elicitation = options.elicitation ?? true;
  const client = new Client(
    { name: "approvals-test", version: "1.0.0" },
    {
      capabilities: elicitation ? { elicitation: { form: {} } } : {},
      ...(options.era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {}),
    },
  );
  const self: ApprovalClient = {
    client,
    questions: [],
    person: () => "once",
    async runCode(code, { timeoutMs, signal } = {}) {
      const result = (await client.callTool({ name: "run_code", arguments: { code, ...(timeoutMs ? { timeoutMs } : {}) } }, { signal, timeout: 120_000 })) as any;
      return { isError: result.isError === true, body: result.structuredContent ?? JSON.parse(result.content?.[0]?.text ?? "null") };
    },
    async close() {
      await client.close();
      await served.close();
    },
  };
  if (elicitation) {
    client.setRequestHandler("elicitation/create", async (request: any) => {
      const message = String(request.params.message);
      self.questions.push(message);
      const answer = await self.person(message);
      if (answer === "ignore") return new Promise(() => undefined);
      if (answer === "decline") return { action: "decline" };
      return { action: "accept", content: { decision: answer } };
    });
  }
  await client.connect(clientTransport);
  if (client.getProtocolEra() !== options.era) throw new Error(`expected the ${options.era} era, got ${client.getProtocolEra()}`);
  return self;
}

/** Resolves once `predicate` holds, checking on every turn of the event loop (bounded). */
export async function until(predicate: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > maxMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import type { ServerContext } from "@modelcontextprotocol/server";
import type { ApprovalAnswer, ApprovalQuestion, Asker } from "../bridge/approvals/approval-gate.js";

/** The client-side wait for an elicitation answer: longer than any approval timeout, which ends it first (see ApprovalGate). */
const ELICITATION_REQUEST_TIMEOUT_MS = 25 * 60 * 60 * 1000;

/** The form a person answers: one choice of three. */
export const APPROVAL_FORM = {
  type: "object" as const,
  properties: {
    decision: {
      type: "string" as const,
      title: "Decision",
      oneOf: [
        { const: "once", title: "Allow once" },
        { const: "run", title: "Allow for this run" },
        { const: "deny", title: "Deny" },
      ],
    },
  },
  required: ["decision"],
};

/** What a person reads: what will happen, who asks, which rule, and the choices. */
export function approvalMessage(question: ApprovalQuestion, timeoutSeconds: number): string {
  const who = callerInWords(question.caller);
  const scope = question.kind === "fetch" ? "the same method to the same host" : "the same tool";
  const lines = [
    `Approve this ${question.kind === "fetch" ? "request" : "upstream tool call"}?`,
    `${question.kind === "fetch" ? "Request" : "Tool"}: ${question.what}`,
    `Asked by: ${who}, run ${question.runId}`,
    `Rule: ${question.rule.setting} (${question.rule.describe})`,
  ];
  if (question.preview !== undefined) lines.push(`${question.kind === "fetch" ? "Body" : "Arguments"}:`, question.preview);
  lines.push(`"Allow for this run" also allows ${scope} for the rest of this run. No answer within ${timeoutSeconds} s counts as Deny; nothing is sent unless you allow it.`);
  return lines.join("\n");
}

/** Who asks, for a person: a saved integration, a draft (never trusted), or the agent's own code. */
export function callerInWords(caller: string): string {
  if (caller.startsWith("library/")) return `the saved integration ${caller}`;
  if (caller.startsWith("draft:")) return `an unsaved draft of ${caller.slice("draft:".length)} (run_code modules)`;
  return "the agent's code (run_code)";
}

/** The decision in an elicitation result: only an accepted "once" or "run" allows; anything else denies. */
export function answerOf(result: unknown): ApprovalAnswer {
  const r = result as { action?: unknown; content?: { decision?: unknown } } | undefined;
  if (r?.action !== "accept") return "deny";
  const decision = r.content?.decision;
  return decision === "once" || decision === "run" ? decision : "deny";
}

/**
 * Asks through a 2025-era server-to-client `elicitation/create` request, sent while the
 * `run_code` call is in progress (the run waits at its host call meanwhile).
 */
export function elicitationAsker(ctx: ServerContext, timeoutSeconds: number): Asker {
  return async (question, signal) => {
    const result = await ctx.mcpReq.elicitInput(
      { mode: "form", message: approvalMessage(question, timeoutSeconds), requestedSchema: APPROVAL_FORM },
      { signal, timeout: ELICITATION_REQUEST_TIMEOUT_MS },
    );
    return { answer: answerOf(result) };
  };
}

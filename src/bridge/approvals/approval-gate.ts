import { randomUUID } from "node:crypto";
import type { RunClock } from "../../sandbox/worker-pool.js";
import type { ApprovalDecision, ApprovalLog } from "./approval-log.js";
import type { MatchedRule } from "./approval-rules.js";

/** The error a guest gets for a denied, timed-out, cancelled or unaskable request: nothing was sent. */
export class ApprovalDeniedError extends Error {
  override name = "ApprovalDeniedError";
}

/** What a person is asked to approve. Everything in it is already redacted (secrets as `[secret:NAME]`). */
export interface ApprovalQuestion {
  runId: string;
  /** Whose code made the call: `main` (the agent's code), `library/<name>` or `draft:library/<name>` (see docs/approvals.md). */
  caller: string;
  rule: MatchedRule;
  kind: "fetch" | "tool";
  /** `POST https://api.stripe.com/v1/refunds` or `github/delete_repo`. */
  what: string;
  /** The request body, or the tool's arguments, cut to a readable length. */
  preview?: string;
}

export type ApprovalAnswer = "once" | "run" | "deny";

/** The caller of a call made by the run's own code (not by a saved integration's). */
export const MAIN_CALLER = "main";

/** An answer, or why nobody can be asked (said in the guest's error). */
export type AskResult = { answer: ApprovalAnswer } | { unaskable: string };

/**
 * Puts a question to a person (through the MCP client). Must settle soon after `signal`
 * aborts (timeout or cancelled run); how it settles then does not matter.
 */
export type Asker = (question: ApprovalQuestion, signal: AbortSignal) => Promise<AskResult>;

export interface GateCheck {
  question: Omit<ApprovalQuestion, "runId">;
  /** What "allow for this run" covers: the same method and host (fetch) or the same tool. */
  scope: string;
  signal: AbortSignal;
  clock?: RunClock;
}

const WHAT_TO_DO_AFTER_DENIAL = "Nothing was sent. Do not retry it in this run: tell the user what you wanted to do and why, and let them decide.";

/**
 * One run's approvals. Every matching call is either covered by an earlier "allow for
 * this run" or put to a person; the decision is appended to the audit log before the
 * call goes on, so nothing is sent without a recorded allow (a failed write denies).
 */
export class ApprovalGate {
  private readonly allowedForRun = new Set<string>();

  constructor(
    private readonly runId: string,
    private readonly log: ApprovalLog,
    private readonly timeoutMs: number,
    private readonly asker: Asker | undefined,
  ) {}

  /** Resolves when the call may go on; throws ApprovalDeniedError when it must not. */
  async check({ question: asked, scope, signal, clock }: GateCheck): Promise<void> {
    const question: ApprovalQuestion = { ...asked, runId: this.runId };
    const rule = `${question.rule.setting}: ${question.rule.describe}`;
    if (this.allowedForRun.has(scope)) {
      await this.record(question, "allowed-by-earlier-answer", 0);
      return;
    }
    if (!this.asker) {
      await this.record(question, "unaskable", 0);
      throw new ApprovalDeniedError(unaskableMessage(question, rule, "this MCP client cannot ask a person (it does not support elicitation)"));
    }
    if (signal.aborted) throw new ApprovalDeniedError(`The run ended before ${question.what} could be approved. ${WHAT_TO_DO_AFTER_DENIAL}`);
    const started = performance.now();
    const resume = clock?.pause();
    const asking = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      asking.abort();
    }, this.timeoutMs);
    const onRunEnd = () => asking.abort();
    signal.addEventListener("abort", onRunEnd, { once: true });
    let result: AskResult | undefined;
    try {
      result = await Promise.race([this.asker(question, asking.signal), aborted(asking.signal)]);
    } catch {
      // The client failed to answer (it disconnected, or answered with an error): a denial.
      result = { answer: "deny" };
    } finally {
      // Past the timeout or the run's end, whatever the asker said (a late answer included) does not count.
      if (asking.signal.aborted) result = undefined;
      clearTimeout(timer);
      signal.removeEventListener("abort", onRunEnd);
      resume?.();
    }
    const waitedMs = Math.round(performance.now() - started);
    const decision: ApprovalDecision =
      result === undefined ? (timedOut ? "timed-out" : "cancelled") : "unaskable" in result ? "unaskable" : result.answer === "once" ? "allowed-once" : result.answer === "run" ? "allowed-for-run" : "denied";
    await this.record(question, decision, waitedMs);
    if (decision === "allowed-once") return;
    if (decision === "allowed-for-run") {
      this.allowedForRun.add(scope);
      return;
    }
    if (decision === "timed-out") {
      throw new ApprovalDeniedError(
        `Nobody answered the approval question for ${question.what} (${rule}) within ${Math.round(this.timeoutMs / 1000)} s (approvals.timeoutSeconds in config.json), so it counts as denied. ${WHAT_TO_DO_AFTER_DENIAL}`,
      );
    }
    if (decision === "cancelled") throw new ApprovalDeniedError(`The run was cancelled while ${question.what} waited for approval. Nothing was sent.`);
    if (decision === "unaskable") throw new ApprovalDeniedError(unaskableMessage(question, rule, (result as { unaskable: string }).unaskable));
    throw new ApprovalDeniedError(`A person denied ${question.what} (${rule}). ${WHAT_TO_DO_AFTER_DENIAL}`);
  }

  /** A call that approvals.trusted lets through unasked: recorded (as `trusted`) before it goes on. */
  async pass(question: Omit<ApprovalQuestion, "runId">): Promise<void> {
    await this.record({ ...question, runId: this.runId }, "trusted", 0);
  }

  /** Appends the decision; a decision that cannot be recorded is a denial (nothing unrecorded is sent). */
  private async record(question: ApprovalQuestion, decision: ApprovalDecision, waitedMs: number): Promise<void> {
    try {
      await this.log.append({
        at: new Date().toISOString(),
        runId: question.runId,
        caller: question.caller,
        rule: question.rule.setting,
        kind: question.kind,
        what: question.what,
        decision,
        waitedMs,
      });
    } catch {
      throw new ApprovalDeniedError(`The approval decision for ${question.what} could not be written to the audit log (state/approvals.jsonl), so the call was not made. Nothing was sent. A person should check that the toolsmith home is writable.`);
    }
  }
}

function unaskableMessage(question: ApprovalQuestion, rule: string, why: string): string {
  return (
    `${question.what} needs a person's approval (${rule}), and ${why}. Nothing was sent. ` +
    `Use a client that supports MCP elicitation, or ask the user to change ${question.rule.setting} in config.json` +
    `${question.caller.startsWith("library/") ? ` or add "${question.caller.slice("library/".length)}" to approvals.trusted` : ""}.`
  );
}

function aborted(signal: AbortSignal): Promise<undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
}

/** A short id naming one run in questions and in the audit log. */
export function newRunId(): string {
  // randomUUID draws from a cached pool (one randomBytes per 128 ids, not one per run); its first 12 hex digits are all random.
  return randomUUID().replace(/-/g, "").slice(0, 12);
}

import { randomBytes } from "node:crypto";
import { createRequestStateCodec, inputRequired, type InputRequiredResult, type ServerContext } from "@modelcontextprotocol/server";
import type { ApprovalQuestion, Asker, AskResult } from "../bridge/approvals/approval-gate.js";
import { APPROVAL_FORM, answerOf, approvalMessage } from "./approval-asker.js";

/** How long a finished run's report waits for its client to come back for it, beyond the approval timeout. */
const FINISHED_REPORT_KEPT_MS = 60_000;
/** The key of the one embedded question in an input_required result. */
export const APPROVAL_INPUT_KEY = "approval";

interface Pending {
  question: ApprovalQuestion;
  settle: (result: AskResult) => void;
}

/** A run started by a 2026-era `run_code` call, alive across the call's rounds. */
interface LiveRun<R> {
  key: string;
  report: Promise<R>;
  /** Questions not yet answered, oldest first; the first is the one asked. */
  pending: Pending[];
  /** Wakes the round waiting for the run's next question or its end. */
  wake: (() => void) | undefined;
  cancel: AbortController;
  dropTimer: NodeJS.Timeout | undefined;
}

export type RoundOutcome<R> = { done: R } | { ask: InputRequiredResult } | { gone: string };

/**
 * Runs that wait for a person on the 2026 protocol revision, where the server cannot
 * send its own request mid-call: the call answers `input_required` (the question, and a
 * signed `requestState` naming the paused run), and the client's retry carries the
 * answer. The run stays paused in memory between rounds and is resumed, never re-run.
 * A run whose client never comes back gets the approval timeout's denial and ends; its
 * report is dropped a minute after.
 */
export class PausedRuns<R> {
  private readonly runs = new Map<string, LiveRun<R>>();
  private readonly codec = createRequestStateCodec<{ run: string }>({ key: randomBytes(32) });

  constructor(private readonly timeoutSeconds: number) {}

  /** Starts a run with an asker that parks questions here, and plays its first round. */
  async start(signal: AbortSignal, begin: (asker: Asker, signal: AbortSignal) => Promise<R>): Promise<RoundOutcome<R>> {
    const live: LiveRun<R> = {
      key: randomBytes(16).toString("base64url"),
      report: undefined as unknown as Promise<R>,
      pending: [],
      wake: undefined,
      cancel: new AbortController(),
      dropTimer: undefined,
    };
    const asker: Asker = (question, askSignal) =>
      new Promise<AskResult>((resolve) => {
        const entry: Pending = { question, settle: resolve };
        live.pending.push(entry);
        // Timed out or cancelled: the gate has decided; the question leaves the queue.
        askSignal.addEventListener("abort", () => this.settle(live, entry, { answer: "deny" }), { once: true });
        live.wake?.();
      });
    live.report = begin(asker, live.cancel.signal);
    this.runs.set(live.key, live);
    return this.round(live, signal);
  }

  /** A retried call: the answer to the run's current question, then its next round. */
  async resume(ctx: ServerContext, signal: AbortSignal): Promise<RoundOutcome<R>> {
    let key: string;
    try {
      key = (await this.codec.verify(String(ctx.mcpReq.requestState()), ctx)).run;
    } catch {
      return { gone: "The requestState of this run_code call is not one this server issued (or it expired). Run the code again." };
    }
    const live = this.runs.get(key);
    // The signed, random run key is the capability: a 2026-era HTTP client has no session, and its
    // retry may come on another connection, so who asks cannot be compared.
    if (!live) {
      return { gone: "The paused run this call resumes is gone (it ended after its approval timed out, or the server restarted). Nothing more was sent for it. Run the code again if it is still needed." };
    }
    const current = live.pending[0];
    if (current) this.settle(live, current, { answer: answerOf(ctx.mcpReq.inputResponses?.[APPROVAL_INPUT_KEY]) });
    return this.round(live, signal);
  }

  /** Cancels every live run (the server is stopping): their questions count as cancelled. */
  cancelAll(): void {
    for (const live of this.runs.values()) live.cancel.abort();
  }

  private settle(live: LiveRun<R>, entry: Pending, result: AskResult): void {
    const at = live.pending.indexOf(entry);
    if (at < 0) return;
    live.pending.splice(at, 1);
    entry.settle(result);
  }

  /** Waits for the run's next question or its end; a cancelled call cancels the run. */
  private async round(live: LiveRun<R>, signal: AbortSignal): Promise<RoundOutcome<R>> {
    clearTimeout(live.dropTimer);
    const onCancel = () => live.cancel.abort();
    signal.addEventListener("abort", onCancel, { once: true });
    try {
      const next = await Promise.race([
        live.report.then((report) => ({ report })),
        new Promise<{ question: true }>((resolve) => {
          if (live.pending.length > 0) return resolve({ question: true });
          live.wake = () => resolve({ question: true });
        }),
      ]);
      live.wake = undefined;
      if ("report" in next) {
        this.runs.delete(live.key);
        return { done: next.report };
      }
      const question = live.pending[0]!.question;
      // Until the client comes back, the approval timeout runs; after the run ends, its report waits a little.
      live.report.then(() => {
        live.dropTimer = setTimeout(() => this.runs.delete(live.key), FINISHED_REPORT_KEPT_MS);
        live.dropTimer.unref();
      }, () => undefined);
      const requestState = await this.codec.mint({ run: live.key });
      return {
        ask: inputRequired({
          inputRequests: {
            [APPROVAL_INPUT_KEY]: inputRequired.elicit({ mode: "form", message: approvalMessage(question, this.timeoutSeconds), requestedSchema: APPROVAL_FORM }),
          },
          requestState,
        }),
      };
    } finally {
      signal.removeEventListener("abort", onCancel);
    }
  }
}

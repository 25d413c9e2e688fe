import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Readable by its owner only, like the rest of `state/`: a question quotes what a run was about to send. */
const LOG_FILE_MODE = 0o600;
const LOG_DIR_MODE = 0o700;

/** How a question ended. */
export type ApprovalDecision =
  | "allowed-once"
  | "allowed-for-run"
  /** An earlier "allow for this run" covered it: nobody was asked again. */
  | "allowed-by-earlier-answer"
  /** Made by a saved integration listed in approvals.trusted: nobody was asked. */
  | "trusted"
  | "denied"
  | "timed-out"
  | "cancelled"
  /** The client cannot ask a person (no elicitation): refused. */
  | "unaskable";

/** One line of `state/approvals.jsonl`: written when the question is settled, before anything is sent. */
export interface ApprovalRecord {
  at: string;
  runId: string;
  /** `main` (the agent's code), `library/<name>` (a saved integration's own code) or `draft:library/<name>` (a run_code draft's). */
  caller: string;
  /** `approvals.rules[0]`, `approvals.destructiveTools`. */
  rule: string;
  kind: "fetch" | "tool";
  /** `POST https://api.stripe.com/v1/refunds` or `github/delete_repo`. */
  what: string;
  decision: ApprovalDecision;
  /** Milliseconds between the question and its answer. */
  waitedMs: number;
}

/**
 * The audit trail of approvals: one JSON line per settled question, appended in the order
 * questions settle. Appends are serialized so lines never interleave.
 */
export class ApprovalLog {
  private tail: Promise<void> = Promise.resolve();
  private dirReady = false;

  constructor(readonly path: string) {}

  /** Appends `record`; resolves once it is on disk (the call it guards waits for it). */
  append(record: ApprovalRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const write = this.tail.then(async () => {
      if (!this.dirReady) {
        await mkdir(dirname(this.path), { recursive: true, mode: LOG_DIR_MODE });
        this.dirReady = true;
      }
      await appendFile(this.path, line, { mode: LOG_FILE_MODE });
    });
    this.tail = write.catch(() => undefined);
    return write;
  }

  /** Every record, oldest first; a line that does not parse (a torn write) is skipped. */
  static async read(path: string): Promise<ApprovalRecord[]> {
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw error;
    });
    const records: ApprovalRecord[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as ApprovalRecord);
      } catch {
        // A line cut by a crash mid-write: the rest of the log is still good.
      }
    }
    return records;
  }
}

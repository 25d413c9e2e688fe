import type { LogEntry } from "../protocol.js";

/** How often buffered log lines are sent to the main thread, so they survive a hard stop. */
const LOG_FLUSH_INTERVAL_MS = 100;
const LOG_LEVELS = new Set(["log", "info", "warn", "error", "debug"]);

/**
 * One run's console lines: capped at `maxChars` (the cut is said in a last warning line)
 * and sent to the main thread in batches as the run goes, so lines written before a hard
 * stop are not lost with the worker.
 */
export class RunLogs {
  private readonly pending: LogEntry[] = [];
  private chars = 0;
  private lastFlush = Date.now();
  /** Whether the cap was reached: later lines are dropped (and the guest stops formatting them). */
  truncated = false;

  constructor(
    private readonly maxChars: number,
    private readonly send: (logs: LogEntry[]) => void,
  ) {}

  add(level: string, text: string): void {
    if (this.truncated) return;
    const room = this.maxChars - this.chars;
    if (text.length > room) {
      if (room > 0) this.pending.push({ level: "warn", text: text.slice(0, room) });
      this.pending.push({ level: "warn", text: `[logs truncated at ${this.maxChars} characters (limits.maxLogChars)]` });
      this.truncated = true;
      this.chars = this.maxChars;
    } else {
      this.pending.push({ level: LOG_LEVELS.has(level) ? (level as LogEntry["level"]) : "log", text });
      this.chars += text.length;
    }
    this.flush(false);
  }

  /** Sends the buffered lines if the last batch went long enough ago (or `force`: now, before a host call). */
  flush(force: boolean): void {
    if (this.pending.length === 0) return;
    const now = Date.now();
    if (!force && now - this.lastFlush < LOG_FLUSH_INTERVAL_MS) return;
    this.lastFlush = now;
    this.send(this.pending.splice(0));
  }

  /** The lines not sent yet, which travel with the run's outcome. */
  takeRest(): LogEntry[] {
    return this.pending.splice(0);
  }
}

/**
 * Messages between the main thread and a sandbox worker. Everything crossing the
 * boundary is plain data; guest values travel as JSON text.
 */

/** A compiled ES module the guest may import, keyed by its specifier (e.g. `library/csv`). */
export interface GuestModule {
  specifier: string;
  js: string;
  /**
   * Set by the host for a module whose own `fetch` calls carry its name to the host
   * (`library/<name>` for a saved integration, `draft:library/<name>` for a run_code draft):
   * see src/sandbox/worker/caller-bindings.ts. Absent: its calls are the run's (`main`).
   */
  caller?: string;
}

export interface RunRequest {
  type: "run";
  runId: number;
  /** Transpiled JavaScript of the agent's module. */
  main: GuestModule;
  /** Every module reachable from `main` by static import, already transpiled. */
  modules: GuestModule[];
  /** Epoch milliseconds at which the run must stop. */
  deadline: number;
  timeoutMs: number;
  memoryMb: number;
  maxLogChars: number;
  maxHostCalls: number;
  /** The result's JSON budget: the guest stops serializing (and marks the cut) past it. */
  maxOutputChars: number;
  /** What the host grants the run (see RunHost in run-host.ts, whose plain part this is). */
  host: RunHostGrant;
}

/** What the worker is told of a run's host: plain data (the handler and the redaction stay on the main thread). */
export interface RunHostGrant {
  /** Names of the async host functions this run may call (others are refused in the worker). */
  hostFunctions: readonly string[];
  /** Names of configured secrets (never values) and this run's placeholder nonce. */
  secretNames: readonly string[];
  secretNonce: string;
}

export interface HostCallReply {
  type: "hostReply";
  runId: number;
  callId: number;
  ok: boolean;
  /** JSON text of the value when ok, else an error. */
  json?: string;
  error?: GuestErrorInfo;
}

export interface CancelRequest {
  type: "cancel";
  runId: number;
  reason: string;
}

/**
 * Moves the run's deadline: null stops the clock (the run waits for a person's approval,
 * which does not count against its time limit), a number starts it again.
 */
export interface ClockUpdate {
  type: "clock";
  runId: number;
  deadline: number | null;
}

export type ToWorker = RunRequest | HostCallReply | CancelRequest | ClockUpdate;

export interface GuestErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export interface LogEntry {
  level: "log" | "info" | "warn" | "error" | "debug";
  text: string;
}

export type RunOutcome =
  | { ok: true; resultJson: string; /** The guest already cut the result to fit the output cap. */ truncated?: boolean }
  | { ok: false; error: GuestErrorInfo };

export interface RunFinished {
  type: "done";
  runId: number;
  outcome: RunOutcome;
  logs: LogEntry[];
  logsTruncated: boolean;
  /** The QuickJS module hit an abort and must not be reused. */
  poisoned: boolean;
}

export interface HostCallRequest {
  type: "hostCall";
  runId: number;
  callId: number;
  name: string;
  argsJson: string;
  /** Whose code made the call, from the worker's own record (absent: the run's own code, `main`). */
  caller?: string;
}

/** A batch of log lines flushed before the run ends, so they survive a hard stop. */
export interface LogFlush {
  type: "logs";
  runId: number;
  logs: LogEntry[];
}

export type FromWorker = RunFinished | HostCallRequest | LogFlush;

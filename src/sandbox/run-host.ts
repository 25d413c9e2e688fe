import { redactDeep, type Redactor } from "../util/redact-deep.js";
import type { RunHostGrant } from "./protocol.js";
import type { ReplyBacklog } from "./reply-backlog.js";

/** Stops the run's wall-clock limit (time waiting for a person does not count); the returned function starts it again. */
export interface RunClock {
  pause(): () => void;
}

/** What a host call knows about the run it serves. */
export interface HostCallContext {
  clock: RunClock;
  /**
   * Whose code made the call, as the worker recorded it (see caller-bindings.ts):
   * `library/<name>` for a saved integration's own fetch, `draft:library/<name>` for a
   * run_code draft's; absent for the run's own code.
   */
  caller?: string;
}

/** Serves one host call; `backlog` is what the run's worker has been sent and not taken yet. */
export type HostCallHandler = (name: string, argsJson: string, signal: AbortSignal, backlog: ReplyBacklog, context?: HostCallContext) => Promise<string | undefined>;

/**
 * What the host gives one run, carried as one value from the caller (the bridge, a save's
 * test) through the sandbox and the pool: the async host functions the guest may call and
 * their handler, the secrets' names and placeholder nonce, and the redaction of what the
 * run gives back. Only its plain part (RunHostGrant) crosses to the worker.
 */
export interface RunHost {
  /** Names of the async host functions this run may call (others are refused in the worker). */
  hostFunctions: readonly string[];
  onHostCall: HostCallHandler;
  /** Names of configured secrets (never values); the guest's `secret(name)` makes placeholders with the nonce. */
  secretNames?: readonly string[];
  secretNonce?: string;
  /** The secret vault's redaction: applied by the sandbox to the run's report and to its logs as they stream. */
  redactor?: Redactor;
  /**
   * Saved integrations' (and drafts') own fetch calls reach onHostCall with their name as
   * the caller (HostCallContext.caller), for approvals. Off: every call is the run's own.
   */
  attributeCallers?: boolean;
}

/** What the worker is told of a run's host (none: no host functions, no secrets). */
export function grantOf(host: RunHost | undefined): RunHostGrant {
  return { hostFunctions: host?.hostFunctions ?? [], secretNames: host?.secretNames ?? [], secretNonce: host?.secretNonce ?? "" };
}

/**
 * `value` as the run's caller may see it: every secret value the host's redactor knows
 * replaced by `[secret:NAME]`. The one place a run's output (report, streamed logs) is redacted.
 */
export function redactForHost<T>(value: T, host: RunHost | undefined): T {
  return host?.redactor ? redactDeep(value, host.redactor) : value;
}

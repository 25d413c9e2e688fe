import type { BuiltinEntry } from "./builtin-entry.js";

const importOf = (name: string) => `import { ${name} } from "toolsmith";`;

/**
 * The exports of the `toolsmith` module (`runtime/toolsmith-module.ts`), one entry each, as they
 * appear inside `declare module "toolsmith"`. Host errors are plain Errors whose `name`
 * says what happened (`bridge/host-bridge.ts`, GUEST_FACING_ERRORS): there are no error
 * classes at run time, so `instanceof` cannot be used and the entry declares only types.
 */
export const TOOLSMITH_ENTRIES: readonly BuiltinEntry[] = [
  {
    kind: "builtin",
    name: "secret",
    description:
      "secret(name): a placeholder string for a configured secret, returned synchronously (no await needed); the host puts the real value into requests to that secret's hosts only.",
    import: importOf("secret"),
    signature: `/**
 * A placeholder for the configured secret \`name\`, returned synchronously (a string,
 * not a promise). Put it anywhere in a fetch's URL, headers or body, whole or inside a
 * longer string ("Bearer " + secret("API_TOKEN")); the host substitutes the real value
 * only in requests to the hosts the secret is bound to, and refuses the request
 * (SecretRefusedError) if it is headed anywhere else. Guest code never sees the value,
 * and a value echoed back in a response, log or result reads "[secret:NAME]".
 * Throws an Error naming the configured secrets when \`name\` is not one of them;
 * a person adds one with \`toolsmith secret set NAME --host <api host>\`.
 * An integration lists the secrets it uses in save_integration's \`secrets\`.
 */
export function secret(name: string): string;`,
  },
  {
    kind: "builtin",
    name: "sleep",
    description: "sleep(ms): a promise that resolves after ms milliseconds (bounded by the run's time limit).",
    import: importOf("sleep"),
    signature: `/** Resolves after ms milliseconds. The run's time limit still applies: a sleep past it ends the run with a TimeoutError. */
export function sleep(ms: number): Promise<void>;`,
  },
  {
    kind: "builtin",
    name: "progress",
    description: "progress(message, progress?, total?): reports progress of a long run to the MCP client.",
    import: importOf("progress"),
    signature: `/**
 * Reports progress to the client (shown when it asked for progress notifications;
 * otherwise a no-op). progress and total are numbers such as items done and items
 * overall. Resolves once the host has passed it on. It counts as a host call
 * (limits.maxHostCalls), so report every few items rather than every one.
 */
export function progress(message: string, progress?: number, total?: number): Promise<void>;`,
  },
  {
    kind: "builtin",
    name: "basicAuth",
    description: 'basicAuth(username, password): an HTTP Basic Authorization header value; works with secret() placeholders.',
    import: importOf("basicAuth"),
    signature: `/**
 * "Basic " + base64(username + ":" + password), for an Authorization header. Either part
 * may be (or contain) a secret() placeholder: the host substitutes the real value inside
 * the base64 when the request goes to that secret's hosts.
 */
export function basicAuth(username: string, password: string): string;`,
  },
  {
    kind: "builtin",
    name: "workspace",
    description:
      "workspace.read/write/readJson/writeJson/list/remove: text files kept between runs under the workspace folder, so large data stays out of the model's context.",
    import: importOf("workspace"),
    signature: `/** A file or folder in the workspace. */
export interface WorkspaceEntry {
  /** Relative to the workspace folder (not to the listed folder), with "/" separators. */
  path: string;
  type: "file" | "directory";
  /** Bytes; 0 for a directory. */
  size: number;
}
/**
 * Text files kept between runs (and shared by all runs) under the toolsmith home's
 * workspace/ folder. Paths are relative to it, with "/" ("data/items.json"); absolute
 * paths, ".." that leads outside, and symbolic links are refused. Every failure rejects
 * with an Error named "WorkspaceError" whose message says what to do.
 */
export const workspace: {
  /** The file's text (UTF-8). Rejects with WorkspaceError if it does not exist or is a directory. */
  read(path: string): Promise<string>;
  /**
   * Replaces the file with text, atomically, creating missing folders. Rejects with
   * WorkspaceError past the workspace quota (limits.workspaceMb) or when a part of the
   * path is a file. Resolves to the cleaned path and the bytes written.
   */
  write(path: string, text: string): Promise<{ path: string; bytes: number }>;
  /** read() then JSON.parse: rejects with a SyntaxError when the file is not JSON. */
  readJson(path: string): Promise<any>;
  /** write() of JSON.stringify(value, null, 2). */
  writeJson(path: string, value: unknown): Promise<{ path: string; bytes: number }>;
  /**
   * The entries directly inside a folder (default: the workspace itself), sorted by path,
   * not recursive, symbolic links left out, at most 10,000. Rejects with WorkspaceError
   * if the folder does not exist.
   */
  list(path?: string): Promise<WorkspaceEntry[]>;
  /** Removes a file or a whole folder. Resolves to \`{ removed: false }\` if nothing was there; the workspace itself cannot be removed. */
  remove(path: string): Promise<{ removed: boolean }>;
};`,
  },
  {
    kind: "builtin",
    name: "library",
    description:
      "library.remove(name, { force? }) and library.rename(from, to, { force? }): take an integration out of the library or rename it, one commit each (run_code only, not in a save's test).",
    import: importOf("library"),
    signature: `/** How a dependent's test went after a remove or rename (null: it has no test). */
export interface DependentOutcome {
  name: string;
  passed: boolean | null;
  error?: string;
}
/**
 * The saved library itself (run_code only; a save's test cannot call it). Each call is one
 * git commit, so history keeps the old version; integrations that import the changed one
 * are re-tested and their verified state updated. Removing or renaming an integration that
 * others import is refused (an Error named "LibraryError" naming them) unless
 * { force: true }; forced, the dependents whose tests fail are marked unverified, and
 * their code is not edited.
 */
export const library: {
  /** Deletes an integration (its history stays in git). */
  remove(name: string, options?: { force?: boolean }): Promise<{ version: string; removed: string; dependents: DependentOutcome[] }>;
  /** Moves an integration to a new name in one commit (git follows the file); its own test is re-run under the new name. */
  rename(from: string, to: string, options?: { force?: boolean }): Promise<{ version: string; from: string; to: string; verified: boolean; dependents: DependentOutcome[] }>;
};`,
  },
  {
    kind: "builtin",
    name: "verify",
    description:
      "verify(name): re-runs a saved integration's test and its dependents' tests now (e.g. after the API changed) and records the outcome, shown by search as lastVerification (run_code only).",
    import: importOf("verify"),
    signature: `/** How one integration's test went in a verify (passed null: it has no test). */
export interface VerifiedDependent {
  name: string;
  passed: boolean | null;
  error?: string;
}
/**
 * Re-runs the saved test of integration \`name\` against the library and the services as
 * they are now, then the tests of every integration that imports it, with the network
 * limited to what each declares (as a save's test). Each outcome is recorded on this
 * machine and shown by search_library as \`lastVerification: { passed, at, error? }\`,
 * distinct from \`verified\` (its test passed when it was saved); nothing in the library
 * changes. Resolves also when a test fails (passed: false, error says what and where);
 * rejects with an Error named "VerifyError" when there is no such integration or it has
 * no test. \`assertions\` counts the checks of library/testing/assert in a passing test.
 * \`needsLiveApi\` is true when the test exports \`needsLiveApi = true\` (it calls the
 * real service). Tests run within this run's time limit (run_code only; a save's test
 * cannot call it). Try a fix first as a draft: run_code's \`modules\`.
 */
export function verify(name: string): Promise<{
  name: string;
  passed: boolean;
  assertions: number;
  durationMs: number;
  error?: string;
  dependents: VerifiedDependent[];
  needsLiveApi?: true;
}>;`,
  },
  {
    kind: "builtin",
    name: "schedules",
    description:
      "schedules.set(id, { cron, tz?, integration, export, args?, catchUp? }), list(), remove(id), runNow(id): run a saved integration's export on a cron with a time zone, fired by the running server; outcomes in the workspace under runs/<id>/.",
    import: importOf("schedules"),
    signature: `/** A schedule: which export of which saved integration runs when. */
export interface ScheduleOptions {
  /** 5 fields "minute hour day-of-month month day-of-week" ("0 9 * * MON": Mondays at 9), or 6 with seconds first. */
  cron: string;
  /** IANA time zone the cron is read in ("Europe/Berlin"); default UTC. */
  tz?: string;
  /** A saved integration, e.g. "reports/weekly". */
  integration: string;
  /** The function it exports to call. */
  export: string;
  /** Arguments passed to it (JSON values), default none. */
  args?: unknown[];
  /** After the server was down at a due time, run once when it is back (default true: config schedules.catchUp). */
  catchUp?: boolean;
}
/** A schedule's latest run: its outcome file is workspace "runs/<runId>.json". */
export interface ScheduleRunSummary {
  runId: string;
  ok: boolean;
  /** ISO time it started. */
  at: string;
  error?: string;
}
export interface ScheduleInfo extends ScheduleOptions {
  id: string;
  /** The next due time (ISO, UTC). */
  next?: string;
  lastRun?: ScheduleRunSummary;
  running: boolean;
}
/** A run's outcome, also kept as workspace "runs/<runId>.json" with logs and versions. */
export interface ScheduleRunOutcome {
  runId: string;
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; stack?: string };
  durationMs: number;
}
/**
 * Schedules of this toolsmith home (schedules.json), fired by the running MCP server
 * (stdio or HTTP) with the same limits, network policy and secrets as run_code. Runs of
 * one schedule never overlap (a due time that comes while the previous run goes on is
 * skipped). Each run's outcome is written to the workspace as runs/<id>/<timestamp>.json
 * ({ ok, result?, error?, startedAt, durationMs, logs, versions }), the latest kept
 * (config schedules.keepRuns); failures show in search_library's usage figures. Ids are
 * lower-case letters, digits, ".", "_" and "-". Refusals reject with an Error named
 * "ScheduleError" whose message says what to fix.
 */
export const schedules: {
  /** Adds or replaces a schedule; the integration and export must exist. */
  set(id: string, options: ScheduleOptions): Promise<{ id: string; created: boolean; next?: string }>;
  /** Every schedule; an entry of schedules.json that cannot be used appears as { id, problem }. */
  list(): Promise<Array<ScheduleInfo | { id: string; problem: string }>>;
  remove(id: string): Promise<{ removed: boolean }>;
  /** Runs it once now and resolves to the outcome (ScheduleError while a run of it is going on). */
  runNow(id: string): Promise<ScheduleRunOutcome>;
};`,
  },
  {
    kind: "builtin",
    name: "hooks",
    description:
      "hooks.set(id, { integration, export, reply? }) → { path, secret }, list(), remove(id): webhooks; a signed POST /hooks/<id> to the HTTP server runs the export with { method, headers, body }.",
    import: importOf("hooks"),
    signature: `/** What a hook's export is called with. */
export interface HookRequest {
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON when the content type is JSON, else the text. */
  body: unknown;
}
export interface HookInfo {
  id: string;
  /** The URL path on the HTTP server: "/hooks/<id>". */
  path: string;
  integration: string;
  export: string;
  reply: "sync" | "async";
}
/**
 * Webhooks of this toolsmith home (hooks.json). A POST to the HTTP server's /hooks/<id>
 * runs the export (one argument: a HookRequest) like run_code would. The sender signs
 * each request: header X-Toolsmith-Timestamp (Unix seconds, within 5 minutes) and
 * X-Toolsmith-Signature: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + raw body);
 * anything else gets 401 and nothing runs, and a signature is accepted once. Reply
 * "sync" (default): the export's result as JSON, or 202 { runId } when it takes longer
 * than config hooks.replyTimeoutMs; "async": 202 at once. Outcomes are kept like
 * schedules' under runs/<id>/. Refusals reject with an Error named "HookError".
 */
export const hooks: {
  /** Adds or updates a hook. secret is returned only when the hook is created: give it to the sender now. */
  set(id: string, options: { integration: string; export: string; reply?: "sync" | "async" }): Promise<{ path: string; secret?: string; created: boolean }>;
  /** Every hook (never its secret); an entry of hooks.json that cannot be used appears as { id, problem }. */
  list(): Promise<Array<HookInfo | { id: string; problem: string }>>;
  remove(id: string): Promise<{ removed: boolean }>;
};`,
  },
  {
    kind: "builtin",
    name: "errors",
    description:
      "The names of errors the host raises in guest code (NetworkRefusedError, FetchError, SecretRefusedError, WorkspaceError, LimitError, UpstreamError, UpstreamToolError, …): catch them and test error.name.",
    import: 'import type { HostErrorName } from "toolsmith";',
    signature: `/**
 * The \`name\` of an Error the host raises in guest code. They are plain Errors (no
 * classes to import: test \`error.name\`, not instanceof), each with a message that says
 * how to fix it:
 * - "NetworkRefusedError": fetch to a host outside network.allow, to a private or loopback
 *   address, or past network.maxRequestsPerRun; during a save's test, a host or secret the
 *   integration does not declare;
 * - "SecretRefusedError": a secret headed for a host it is not bound to;
 * - "ApprovalDeniedError": a fetch or mcp/<server> call that needs a person's approval
 *   (approvals in config.json) was denied, not answered in time, or could not be asked;
 *   nothing was sent. The message names the rule; do not retry it in the same run;
 * - "FetchError": the request failed (DNS, connection, timeout, redirects, response too large);
 * - "WorkspaceError": a workspace call failed (missing file, bad path, quota);
 * - "UpstreamToolError": an mcp/<server> tool answered with an error;
 * - "UpstreamError": the upstream MCP server could not be reached or failed;
 * - "UnavailableError": the capability is not configured here (e.g. no upstream servers);
 * - "LibraryError": library.remove/rename refused (others import it) or could not commit;
 * - "VerifyError": verify(name) found no such integration, or it has no test;
 * - "ScheduleError" / "HookError": schedules.* / hooks.* refused (bad id, cron, unknown integration);
 * - "LimitError": the run made more host calls than limits.maxHostCalls;
 * - "HostError": the host failed for a reason it does not disclose.
 * A run that passes its time or memory limit ends with "TimeoutError" or "MemoryError";
 * guest code cannot catch those.
 */
export type HostErrorName =
  | "NetworkRefusedError"
  | "ApprovalDeniedError"
  | "SecretRefusedError"
  | "FetchError"
  | "WorkspaceError"
  | "UpstreamToolError"
  | "UpstreamError"
  | "UnavailableError"
  | "LimitError"
  | "LibraryError"
  | "VerifyError"
  | "ScheduleError"
  | "HookError"
  | "HostError";
/** An Error raised by the host: \`catch (e) { if ((e as HostError).name === "FetchError") … }\`. */
export interface HostError extends Error {
  name: HostErrorName;
}`,
  },
];

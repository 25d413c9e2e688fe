import { DEFAULT_LIMITS, type Limits, type NetworkSettings } from "../config/schema.js";
import type { HostCallContext, HostCallHandler, RunHost } from "../sandbox/run-host.js";
import { ApprovalGate, MAIN_CALLER, type Asker } from "./approvals/approval-gate.js";
import type { ApprovalLog } from "./approvals/approval-log.js";
import { argumentsPreview, bodyPreview, showSecrets } from "./approvals/approval-preview.js";
import type { ApprovalRules } from "./approvals/approval-rules.js";
import { RunCrypto } from "./crypto/run-crypto.js";
import { FetchError, hostFetch, type GuestFetchRequest, type PreparedRequest } from "./network/http-fetch.js";
import { NetworkPolicy, NetworkRefusedError, type CheckedTarget } from "./network/network-policy.js";
import { ProgressReporter } from "./progress-reporter.js";
import { RunBudget, type CallCost } from "./run-budget.js";
import { SecretRefusedError, SecretVault, type SecretTarget } from "./secrets/secret-vault.js";
import type { UpstreamHub } from "./upstream/upstream-hub.js";
import { MAX_WORKSPACE_FILE_BYTES, type Workspace } from "./workspace/workspace.js";
import type { RunSpans, TraceSpan } from "../telemetry/run-trace.js";
import { fetchSpanAttributes, fetchSpanName, fetchOutcomeAttributes, HTTP_ERROR_STATUS } from "./network/fetch-span.js";

/** What a host call other than fetch and workspace.read is expected to reply at most, for the run's budget (the real size counts once it is sent). */
const SMALL_REPLY_CHARS = 64 * 1024;
/** A fetch reply beyond its body: status, headers, URL. */
const FETCH_REPLY_OVERHEAD_CHARS = 64 * 1024;

/** The limits the bridge applies per run. */
export type BridgeLimits = Pick<Limits, "maxConcurrentHostCalls" | "hostBytesInFlightMb">;

/** The caller of a host call: the integration the worker recorded, or the run's own code. */
function callerOf(context: HostCallContext | undefined): string {
  return context?.caller ?? MAIN_CALLER;
}

/** Host functions a run may call, by the name the guest uses. */
export const HOST_FUNCTIONS = ["fetch", "fetch.abort", "crypto.subtle", "mcp.call", "progress", "workspace.read", "workspace.write", "workspace.list", "workspace.remove"] as const;

export interface RunBridgeOptions {
  signal?: AbortSignal;
  onProgress?: (message: string, progress?: number, total?: number) => void;
  /** During a save's test: what the integration declared; requests beyond it fail the save. */
  declared?: { hosts: string[]; secrets: string[] };
  /** Puts approval questions to a person; without one, a call that needs approval is refused. */
  asker?: Asker;
  /** Names the run in approval questions and the audit log. */
  runId?: string;
  /** The run's trace: each fetch, upstream call and workspace operation becomes a child span. */
  trace?: RunSpans;
  /**
   * The hosts a saved integration declared (its `hosts`): a trusted integration's own
   * request goes unasked only to one of them. Without it, no request is trusted.
   */
  declaredHosts?: (integration: string) => readonly string[] | undefined;
}

/** `approvals` from config.json and where decisions are recorded. */
export interface BridgeApprovals {
  rules: ApprovalRules;
  log: ApprovalLog;
}

/** One run's view of the bridge: what the sandbox needs (a RunHost, redacting with the vault), and what the run touched. */
export interface RunBridge extends RunHost {
  hostFunctions: string[];
  secretNames: string[];
  secretNonce: string;
  /** Secrets whose values went into requests or keys, and hosts contacted, during the run. */
  usedSecrets: Set<string>;
  contactedHosts: Set<string>;
  /** The first violation of `declared`, if any (the request itself failed too). */
  undeclared: string[];
  /** Whether approvals need to know which integration made a call (RunInput.attributeCallers). */
  attributeCallers: boolean;
}

/**
 * The host side of everything guest code can ask for beyond pure computation:
 * fetch under the network policy with secrets substituted, workspace files, and
 * progress. Secrets and policy never leave the main thread.
 */
export class HostBridge {
  readonly policy: NetworkPolicy;

  constructor(
    private readonly network: NetworkSettings,
    readonly vault: SecretVault,
    private readonly workspace: Workspace,
    private readonly upstreams: { hub: UpstreamHub; callTimeoutMs: number } | undefined,
    private readonly limits: BridgeLimits = DEFAULT_LIMITS,
    private readonly approvals?: BridgeApprovals,
  ) {
    this.policy = new NetworkPolicy(network.allow);
  }

  /**
   * What a failed host call may tell the guest: our own errors as written (secrets
   * redacted), anything else without the host's paths or internals.
   */
  private guestSafeError(error: unknown): Error {
    const err = error instanceof Error ? error : new Error(String(error));
    const message = this.vault.redact(err.message);
    if (GUEST_FACING_ERRORS.has(err.name)) {
      return Object.assign(new Error(message), { name: err.name });
    }
    const code = (err as NodeJS.ErrnoException).code;
    return Object.assign(new Error(`The host could not complete the call${code ? ` (${code})` : ""}.`), { name: "HostError" });
  }

  forRun(options: RunBridgeOptions = {}): RunBridge {
    const nonce = SecretVault.newNonce();
    const usedSecrets = new Set<string>();
    const contactedHosts = new Set<string>();
    const undeclared: string[] = [];
    let requests = 0;
    const vault = this.vault;
    const declared = options.declared;
    const budget = new RunBudget({ maxConcurrent: this.limits.maxConcurrentHostCalls, maxBytes: this.limits.hostBytesInFlightMb * 1024 * 1024 });
    const progress = new ProgressReporter((text) => vault.redact(text), options.onProgress);
    const rules = this.approvals?.rules.active ? this.approvals.rules : undefined;
    // Made on the run's first covered call: a run that makes none pays nothing for approvals.
    let gateOfRun: ApprovalGate | undefined;
    const approvals = this.approvals;
    const gateFor = (): ApprovalGate => (gateOfRun ??= new ApprovalGate(options.runId ?? `run-${nonce}`, approvals!.log, rules!.timeoutMs, options.asker));
    const redact = (text: string) => vault.redact(text);

    /**
     * A Range request could fetch an echoed secret piece by piece, each piece too short
     * for redaction to recognize: refused wherever a secret may be sent.
     */
    const refuseRangeWhereSecretsGo = (request: PreparedRequest, target: SecretTarget): void => {
      if (!request.headers.some(([name]) => /^(if-)?range$/i.test(name))) return;
      const bound = vault.boundTo(target);
      if (bound.length === 0) return;
      throw new FetchError(
        `Refused a Range request to ${target.hostname}:${target.port}: secret ${bound.join(", ")} may be sent to this host, and a partial response could carry a piece of an echoed secret past redaction. Fetch the whole resource (drop the Range header).`,
      );
    };

    const prepare = (request: PreparedRequest, target: CheckedTarget): PreparedRequest => {
      const hostPort = `${target.hostname}:${target.port}`;
      const secretTarget: SecretTarget = { scheme: request.url.startsWith("https:") ? "https" : "http", hostname: target.hostname, port: target.port, address: target.address };
      refuseRangeWhereSecretsGo(request, secretTarget);
      if (declared && !NetworkPolicy.hostListMatches(declared.hosts, target)) {
        const message = `This integration's test fetched ${target.hostname} (port ${target.port}), which it does not declare. Add "${target.hostname}" to hosts in save_integration.`;
        undeclared.push(message);
        throw new NetworkRefusedError(message);
      }
      const usedHere = new Set<string>();
      const sub = (text: string) => vault.substitute(text, nonce, secretTarget, usedHere);
      const out: PreparedRequest = {
        url: sub(request.url),
        method: request.method,
        headers: request.headers.map(([name, value]) => [name, sub(value)] as [string, string]),
        body: request.body && request.body.includes(`_${nonce}`) ? Buffer.from(sub(request.body.toString("utf8")), "utf8") : request.body,
      };
      // A value the guest obtained some other way (e.g. echoed back by an API) must not reach another host either.
      vault.checkRawValues([request.url, ...request.headers.map(([, v]) => v), request.body?.toString("utf8") ?? ""].join("\n"), secretTarget);
      if (declared) {
        const missing = [...usedHere].filter((name) => !declared.secrets.includes(name));
        if (missing.length) {
          const message = `This integration's test used secret ${missing.join(", ")} without declaring it. Add ${missing.map((m) => `"${m}"`).join(", ")} to secrets in save_integration.`;
          undeclared.push(message);
          throw new NetworkRefusedError(message);
        }
      }
      for (const name of usedHere) usedSecrets.add(name);
      contactedHosts.add(hostPort);
      return out;
    };

    const crypto = new RunCrypto({
      lookup: (text) => vault.placeholdersIn(text, nonce),
      useSecrets: (names) => {
        const missing = declared ? names.filter((name) => !declared.secrets.includes(name)) : [];
        if (missing.length) {
          const message = `This integration's test made a key from secret ${missing.join(", ")} without declaring it. Add ${missing.map((m) => `"${m}"`).join(", ")} to secrets in save_integration.`;
          undeclared.push(message);
          throw new SecretRefusedError(message);
        }
        for (const name of names) usedSecrets.add(name);
      },
    });
    // The run's host calls share one signal, aborted when the run ends: its keys go with it.
    let cryptoDisposal = false;
    const disposeCryptoWith = (signal: AbortSignal) => {
      if (cryptoDisposal) return;
      cryptoDisposal = true;
      if (signal.aborted) crypto.dispose();
      else signal.addEventListener("abort", () => crypto.dispose(), { once: true });
    };
    // Guest fetches with an AbortSignal carry an abortId; "fetch.abort" stops the host request.
    const fetchAborts = new Map<number, AbortController>();
    const abortedFetches = new Set<number>();

    const costOf = (name: string, argsJson: string): CallCost => {
      const reply = name === "fetch" ? this.network.maxResponseBytes + FETCH_REPLY_OVERHEAD_CHARS : name === "workspace.read" ? MAX_WORKSPACE_FILE_BYTES : SMALL_REPLY_CHARS;
      return { args: argsJson.length, reply };
    };

    const onHostCall: HostCallHandler = async (name, argsJson, signal, backlog, context) => {
      try {
        // An abort must not wait behind the very requests it stops (the budget's slots).
        if (name === "fetch.abort") return await dispatch(name, argsJson, signal, context);
        return await budget.run(costOf(name, argsJson), backlog, signal, () => dispatch(name, argsJson, signal, context));
      } catch (error) {
        throw this.guestSafeError(error);
      }
    };

    /** Every hop of a fetch (redirects included) that a rule covers waits here for a person's answer. */
    const approveFetch = async (request: PreparedRequest, target: CheckedTarget, signal: AbortSignal, context: HostCallContext | undefined): Promise<void> => {
      const rule = rules?.forFetch(request.method, target);
      if (!rule) return;
      const what = `${request.method} ${showSecrets(request.url, nonce, redact)}`;
      const caller = callerOf(context);
      const trusted = rules!.trustedIntegration(caller);
      const declared = trusted === undefined ? undefined : options.declaredHosts?.(trusted);
      // Guest code shares the integration's realm and could bend where its request goes: trust covers its declared hosts only.
      if (declared && NetworkPolicy.hostListMatches([...declared], target)) return gateFor().pass({ caller, rule, kind: "fetch", what });
      await gateFor().check({
        question: { caller, rule, kind: "fetch", what, preview: bodyPreview(request.body, nonce, redact) },
        scope: `fetch ${request.method} ${target.hostname}:${target.port}`,
        signal,
        clock: context?.clock,
      });
    };

    const approveTool = async (server: string, tool: string, args: unknown, signal: AbortSignal, context: HostCallContext | undefined): Promise<void> => {
      if (!rules || !this.upstreams) return;
      if (rules.settings.destructiveTools) await this.upstreams.hub.settled(server);
      const listed = this.upstreams.hub.tools(server)?.find((t) => t.name === tool);
      const rule = rules.forTool(server, tool, listed?.annotations?.destructiveHint === true);
      if (!rule) return;
      const caller = callerOf(context);
      if (rules.trustsCaller(caller)) return gateFor().pass({ caller, rule, kind: "tool", what: `${server}/${tool}` });
      await gateFor().check({
        question: { caller, rule, kind: "tool", what: `${server}/${tool}`, preview: argumentsPreview(args, nonce, redact) },
        scope: `tool ${server}/${tool}`,
        signal,
        clock: context?.clock,
      });
    };

    /** Runs one host operation inside a span of the run's trace (when traced); a failure ends the span as the guest will see it. */
    const traced = async <T>(name: string, attributes: Record<string, string | number | boolean>, work: (span: TraceSpan | undefined) => Promise<T>): Promise<T> => {
      const span = options.trace?.child(name, attributes);
      try {
        const value = await work(span);
        span?.end();
        return value;
      } catch (error) {
        const safe = this.guestSafeError(error);
        span?.end({ name: safe.name, message: safe.message });
        throw error;
      }
    };

    const fetchOnHost = (args: Record<string, unknown>, signal: AbortSignal, context: HostCallContext | undefined) => {
      const request = args as unknown as GuestFetchRequest;
      return traced(fetchSpanName(request), fetchSpanAttributes(request, (text) => vault.named(text, nonce)), async (span) => {
        const reply = await hostFetch(request, {
            policy: this.policy,
            signal,
            timeoutMs: this.network.requestTimeoutMs,
            maxResponseBytes: this.network.maxResponseBytes,
            maxRedirects: this.network.maxRedirects,
            prepare,
            approve: rules ? (request, target) => approveFetch(request, target, signal, context) : undefined,
            filterText: (text) => vault.redact(text),
            filterBytes: (bytes) => vault.redactBytes(bytes),
          traceparent: span?.traceparent,
        });
        span?.set(fetchOutcomeAttributes(reply));
        // A response is not a failed call for the guest, but an HTTP error status is a failed span (OTel's HTTP conventions).
        if (reply.status >= HTTP_ERROR_STATUS) span?.end({ name: String(reply.status), message: `${request.method || "GET"} answered ${reply.status} ${reply.statusText}`.trim() });
        return reply;
      });
    };

    const dispatch = async (name: string, argsJson: string, signal: AbortSignal, context: HostCallContext | undefined): Promise<string | undefined> => {
      const args = JSON.parse(argsJson) as Record<string, unknown>;
      switch (name) {
        case "fetch": {
          if (++requests > this.network.maxRequestsPerRun) {
            throw new NetworkRefusedError(`This run made more than ${this.network.maxRequestsPerRun} requests (network.maxRequestsPerRun). Batch the work across runs or raise the limit.`);
          }
          const abortId = typeof args.abortId === "number" ? args.abortId : undefined;
          if (abortId === undefined) return JSON.stringify(await fetchOnHost(args, signal, context));
          if (abortedFetches.has(abortId)) throw new FetchError(`The request to ${String(args.url)} was aborted by its AbortSignal before it was sent.`);
          const controller = new AbortController();
          fetchAborts.set(abortId, controller);
          try {
            return JSON.stringify(await fetchOnHost(args, AbortSignal.any([signal, controller.signal]), context));
          } finally {
            fetchAborts.delete(abortId);
          }
        }
        case "fetch.abort": {
          const abortId = Number(args.abortId);
          const controller = fetchAborts.get(abortId);
          if (controller) controller.abort();
          else abortedFetches.add(abortId);
          return undefined;
        }
        case "crypto.subtle":
          disposeCryptoWith(signal);
          return JSON.stringify(await crypto.call(String(args.op), args.args));
        case "mcp.call": {
          if (!this.upstreams) throw unavailable("No upstream MCP servers are configured (mcpServers in config.json).");
          await approveTool(String(args.server), String(args.tool), args.args, signal, context);
          const upstreams = this.upstreams;
          const [server, tool] = [String(args.server), String(args.tool)];
          return traced(`tools/call ${tool}`, { "toolsmith.op": "mcp.call", "mcp.method.name": "tools/call", "toolsmith.mcp.server": server, "gen_ai.tool.name": tool }, async (span) => {
            const value = await upstreams.hub.call(server, tool, args.args, signal, upstreams.callTimeoutMs, span?.traceparent);
            return value === undefined ? undefined : JSON.stringify(value);
          });
        }
        case "progress":
          progress.report(String(args.message ?? ""), numberOrUndefined(args.progress), numberOrUndefined(args.total));
          return undefined;
        case "workspace.read":
          return traced(name, workspaceAttributes("read", args.path), async (span) => {
            const text = vault.redact(await this.workspace.read(args.path as string));
            span?.set({ "toolsmith.workspace.bytes": Buffer.byteLength(text, "utf8") });
            return JSON.stringify(text);
          });
        case "workspace.write":
          return traced(name, workspaceAttributes("write", args.path), async (span) => {
            const written = await this.workspace.write(args.path as string, args.text as string);
            span?.set({ "toolsmith.workspace.bytes": written.bytes });
            return JSON.stringify(written);
          });
        case "workspace.list":
          return traced(name, workspaceAttributes("list", args.path), async (span) => {
            const entries = await this.workspace.list(args.path as string);
            span?.set({ "toolsmith.workspace.entries": entries.length });
            return JSON.stringify(entries);
          });
        case "workspace.remove":
          return traced(name, workspaceAttributes("remove", args.path), async () => JSON.stringify(await this.workspace.remove(args.path as string)));
        default:
          throw unavailable(`'${name}' is not available`);
      }
    };

    // With approvals on, questions name the integration that asks, and approvals.trusted needs to know it; a save's test is never attributed.
    const attributeCallers = rules !== undefined && !declared;
    return { hostFunctions: [...HOST_FUNCTIONS], secretNames: vault.names(), secretNonce: nonce, onHostCall, redactor: vault, usedSecrets, contactedHosts, undeclared, attributeCallers };
  }
}

/** Errors a guest may see as they are: each was written for it, with no host detail. */
const GUEST_FACING_ERRORS = new Set(["ApprovalDeniedError", "WebCryptoError", "NetworkRefusedError", "FetchError", "SecretRefusedError", "WorkspaceError", "UpstreamToolError", "UpstreamError", "LimitError", "UnavailableError"]);

function unavailable(message: string): Error {
  return Object.assign(new Error(message), { name: "UnavailableError" });
}

function workspaceAttributes(op: string, path: unknown): Record<string, string> {
  return { "toolsmith.op": `workspace.${op}`, "toolsmith.workspace.op": op, "toolsmith.workspace.path": typeof path === "string" ? path : "." };
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

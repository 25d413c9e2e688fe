import { z } from "zod";
import { unknownKeys } from "./zod-issues.js";
import { parseHostPattern } from "../util/net/host-patterns.js";

/** Defaults for every limit, each with its unit in the name. Defined once, here. */
export const DEFAULT_LIMITS = {
  timeoutMs: 30_000,
  memoryMb: 64,
  maxOutputChars: 20_000,
  maxLogChars: 20_000,
  maxCodeChars: 200_000,
  maxHostCalls: 10_000,
  workspaceMb: 100,
  maxQueuedRuns: 256,
  /** Host calls of one run served at once; more wait their turn. */
  maxConcurrentHostCalls: 16,
  /** What one run's host calls may hold in this process: arguments, replies being read, replies the guest has not taken. */
  hostBytesInFlightMb: 64,
  /** After start, how long a search waits for upstream MCP servers still connecting (see search/upstream-servers.ts). */
  upstreamStartWaitMs: 10_000,
} as const;

/** Network defaults: per request, and per run. */
export const DEFAULT_NETWORK = {
  requestTimeoutMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRequestsPerRun: 500,
  maxRedirects: 5,
} as const;

/** Hard ceilings a config file may not exceed (a typo must not turn a limit off). */
export const LIMIT_CEILINGS = {
  timeoutMs: 15 * 60_000,
  memoryMb: 2048,
  maxOutputChars: 10_000_000,
  maxLogChars: 10_000_000,
  maxCodeChars: 10_000_000,
  maxHostCalls: 1_000_000,
  workspaceMb: 1_000_000,
  maxQueuedRuns: 100_000,
  maxConcurrentRuns: 1024,
  maxConcurrentHostCalls: 1_000,
  hostBytesInFlightMb: 16_384,
  upstreamStartWaitMs: 120_000,
} as const;

const limit = (min: number, max: number) => z.number().int().min(min).max(max);

export const LimitsSchema = z
  .object({
    timeoutMs: limit(10, LIMIT_CEILINGS.timeoutMs).default(DEFAULT_LIMITS.timeoutMs),
    memoryMb: limit(16, LIMIT_CEILINGS.memoryMb).default(DEFAULT_LIMITS.memoryMb),
    maxOutputChars: limit(200, LIMIT_CEILINGS.maxOutputChars).default(DEFAULT_LIMITS.maxOutputChars),
    maxLogChars: limit(0, LIMIT_CEILINGS.maxLogChars).default(DEFAULT_LIMITS.maxLogChars),
    maxCodeChars: limit(100, LIMIT_CEILINGS.maxCodeChars).default(DEFAULT_LIMITS.maxCodeChars),
    maxHostCalls: limit(0, LIMIT_CEILINGS.maxHostCalls).default(DEFAULT_LIMITS.maxHostCalls),
    workspaceMb: limit(0, LIMIT_CEILINGS.workspaceMb).default(DEFAULT_LIMITS.workspaceMb),
    maxQueuedRuns: limit(0, LIMIT_CEILINGS.maxQueuedRuns).default(DEFAULT_LIMITS.maxQueuedRuns),
    /** Runs in progress at once, including those waiting on fetch or upstream calls; default from memory (see run-capacity.ts). */
    maxConcurrentRuns: limit(1, LIMIT_CEILINGS.maxConcurrentRuns).optional(),
    maxConcurrentHostCalls: limit(1, LIMIT_CEILINGS.maxConcurrentHostCalls).default(DEFAULT_LIMITS.maxConcurrentHostCalls),
    hostBytesInFlightMb: limit(1, LIMIT_CEILINGS.hostBytesInFlightMb).default(DEFAULT_LIMITS.hostBytesInFlightMb),
    upstreamStartWaitMs: limit(0, LIMIT_CEILINGS.upstreamStartWaitMs).default(DEFAULT_LIMITS.upstreamStartWaitMs),
  })
  .strict();

export const NetworkSchema = z
  .object({
    allow: z.array(z.string().min(1)).default(["*"]),
    requestTimeoutMs: limit(100, 15 * 60_000).default(DEFAULT_NETWORK.requestTimeoutMs),
    maxResponseBytes: limit(0, 1024 * 1024 * 1024).default(DEFAULT_NETWORK.maxResponseBytes),
    maxRequestsPerRun: limit(0, 1_000_000).default(DEFAULT_NETWORK.maxRequestsPerRun),
    maxRedirects: limit(0, 20).default(DEFAULT_NETWORK.maxRedirects),
  })
  .strict();

export const StdioServerSchema = z
  .object({
    type: z.literal("stdio").optional(),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();

export const HttpServerSchema = z
  .object({
    type: z.enum(["http", "streamable-http", "streamableHttp"]).optional(),
    url: z.url().refine((u) => /^https?:/i.test(u), "url must start with http:// or https://"),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type StdioServer = z.infer<typeof StdioServerSchema>;
export type HttpServer = z.infer<typeof HttpServerSchema>;
export type UpstreamServer = StdioServer | HttpServer;

/**
 * One upstream in Claude Desktop's format: `command` (stdio) or `url` (Streamable HTTP).
 * Validated by whichever form it has, so errors name the real problem, not "invalid union".
 */
export const UpstreamServerSchema = z.unknown().transform((value, ctx): UpstreamServer => {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  const schema = isObject && "url" in value ? HttpServerSchema : isObject && "command" in value ? StdioServerSchema : undefined;
  if (!schema) {
    ctx.addIssue({ code: "custom", message: 'each server needs "command" (a stdio server) or "url" (a Streamable HTTP server)' });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: "custom", message: issue.code === "unrecognized_keys" ? unknownKeys(issue.keys) : issue.message } as never);
    return z.NEVER;
  }
  return parsed.data;
});

export const LibrarySettingsSchema = z
  .object({
    remote: z.string().min(1).optional(),
    branch: z.string().min(1).default("main"),
    pullIntervalSeconds: z.number().int().min(0).max(86_400).default(60),
  })
  .strict();

/** Package defaults (`npm:` imports, see docs/packages.md). */
export const DEFAULT_PACKAGES = {
  /** Largest package, as downloaded and as unpacked (date-fns 4 unpacks to 22 MB: every function in three module formats). */
  maxPackageMb: 64,
  /** Largest bundle (a package with its dependencies) one import may load into a run. */
  maxBundleMb: 5,
} as const;

export const PackagesSettingsSchema = z
  .object({
    /** The npm registry; by default the one the user's npm configuration names (npm_config_registry, ~/.npmrc). */
    registry: z.url().refine((u) => /^https?:/i.test(u), "registry must start with http:// or https://").optional(),
    /** Package name patterns that may be imported (exact names, `*` wildcards such as "@acme/*"). */
    allow: z.array(z.string().regex(/^[@a-z0-9*][a-z0-9._~*\/-]*$/i, 'a package name or pattern, e.g. "yaml", "@acme/*" or "*"')).default(["*"]),
    maxPackageMb: z.number().min(0.01).max(1024).default(DEFAULT_PACKAGES.maxPackageMb),
    maxBundleMb: z.number().min(0.01).max(256).default(DEFAULT_PACKAGES.maxBundleMb),
  })
  .strict();

export const SandboxSettingsSchema = z
  .object({
    wasmInlining: z.boolean().default(true),
    runtimeImages: z.boolean().default(true),
  })
  .strict();

/** A host name as a client writes it in Host or Origin (no scheme, no port, no path); also checks `serve --allowed-host`. */
export const HOST_NAME_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/;
const HostName = z.string().regex(HOST_NAME_PATTERN, "a host name or address without scheme, port or path, e.g. \"mcp.example.com\" or \"[2001:db8::1]\"");

/** The HTTP server (serve --http): names it answers to besides the address it is bound to. */
export const HttpSettingsSchema = z
  .object({
    /** Host header values accepted, e.g. the public name a reverse proxy forwards. */
    allowedHosts: z.array(HostName).default([]),
    /** Origin header host names accepted (browser clients), besides the allowed hosts. */
    allowedOrigins: z.array(HostName).default([]),
  })
  .strict();

/** How long a question to a person waits for an answer by default, and at most. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 300;
export const MAX_APPROVAL_TIMEOUT_SECONDS = 86_400;

const HostPatternText = z.string().superRefine((pattern, ctx) => {
  try {
    parseHostPattern(pattern);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});
/** An HTTP method, or "*" for any. */
const MethodText = z.string().regex(/^(\*|[A-Za-z]+)$/, 'an HTTP method such as "POST", or "*" for any method').transform((m) => m.toUpperCase());
/** `<server>/<tool pattern>`, `*` matching any run of characters in the tool part (and the server part). */
const ToolPatternText = z.string().regex(/^[A-Za-z0-9_.*-]{1,64}\/[^/\s]{1,128}$/, 'a tool pattern "<server>/<tool>", e.g. "github/delete_*" or "stripe/*"');
/** An integration name pattern: `stripe/refund`, `stripe/*`. */
const IntegrationPatternText = z.string().regex(/^[a-z0-9*][a-z0-9_*\/-]{0,127}$/, 'an integration name or pattern, e.g. "stripe/refund" or "stripe/*"');

export const ApprovalRuleSchema = z
  .object({
    fetch: z
      .object({
        hosts: z.array(HostPatternText).min(1, "list at least one host pattern, e.g. [\"*.stripe.com\"]"),
        /** Methods that need approval; default every method except GET, HEAD and OPTIONS. */
        methods: z.array(MethodText).min(1).optional(),
      })
      .strict()
      .optional(),
    tools: z.array(ToolPatternText).min(1).optional(),
  })
  .strict()
  .refine((rule) => rule.fetch !== undefined || rule.tools !== undefined, 'a rule needs "fetch" (hosts and methods) or "tools" (["<server>/<tool pattern>"])');

/** Which side effects a person approves before they happen (see docs/approvals.md). */
export const ApprovalsSchema = z
  .object({
    rules: z.array(ApprovalRuleSchema).default([]),
    /** Upstream tools annotated destructiveHint: true need approval too. */
    destructiveTools: z.boolean().default(true),
    /** Saved integrations whose own calls run without asking (name patterns). */
    trusted: z.array(IntegrationPatternText).default([]),
    /** A question unanswered this long is a denial. */
    timeoutSeconds: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_SECONDS).default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  })
  .strict();

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Tracing (see docs/telemetry.md): spans are exported over OTLP/HTTP only when `otlpEndpoint` is set. */
export const TelemetrySettingsSchema = z
  .object({
    /** The collector's OTLP/HTTP endpoint: its base URL (`/v1/traces` is appended) or the full traces URL. */
    otlpEndpoint: z.string().refine(isHttpUrl, 'an http:// or https:// URL, e.g. "http://localhost:4318"').optional(),
    /** `service.name` of the exported spans. */
    serviceName: z.string().min(1, "a name such as \"toolsmith\"; leave the key out for the default").max(200).default("toolsmith"),
  })
  .strict();

/** Runs kept per schedule or hook under workspace/runs/<id>/ unless schedules.keepRuns says otherwise. */
export const DEFAULT_KEEP_RUNS = 100;
/** Largest webhook body read, in KiB, unless hooks.maxBodyKb says otherwise. */
export const DEFAULT_HOOK_MAX_BODY_KB = 1024;
/**
 * How long a webhook caller waits for the export's result before getting 202 and a run id
 * (the run goes on). Senders commonly give up after 10 s (GitHub, Stripe, Slack: 3 s for
 * interactive payloads), so the default answers before most do.
 */
export const DEFAULT_HOOK_REPLY_TIMEOUT_MS = 8_000;

/** Schedules (schedules.json) and hooks (hooks.json) in this process: see docs/always-on.md. */
export const SchedulesSettingsSchema = z
  .object({
    /** This process fires schedules and answers /hooks/ (false on all but one replica sharing a library). */
    enabled: z.boolean().default(true),
    /** After downtime, run a missed firing once at start (a schedule's own catchUp wins). */
    catchUp: z.boolean().default(true),
    /** Outcomes kept per schedule or hook in workspace/runs/<id>/; the oldest are dropped. */
    keepRuns: z.number().int().min(1).max(100_000).default(DEFAULT_KEEP_RUNS),
    /** The built-in self-check: re-runs every integration's test on this cron (off when absent). */
    selfCheck: z
      .object({
        cron: z.string().min(1),
        tz: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const HooksSettingsSchema = z
  .object({
    maxBodyKb: z.number().int().min(1).max(64 * 1024).default(DEFAULT_HOOK_MAX_BODY_KB),
    replyTimeoutMs: z.number().int().min(0).max(LIMIT_CEILINGS.timeoutMs).default(DEFAULT_HOOK_REPLY_TIMEOUT_MS),
  })
  .strict();

export const ConfigSchema = z
  .object({
    limits: LimitsSchema.default(LimitsSchema.parse({})),
    network: NetworkSchema.default(NetworkSchema.parse({})),
    mcpServers: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "server names use letters, digits, '_', '.', '-'"), UpstreamServerSchema)
      .default({}),
    library: LibrarySettingsSchema.default(LibrarySettingsSchema.parse({})),
    sandbox: SandboxSettingsSchema.default(SandboxSettingsSchema.parse({})),
    http: HttpSettingsSchema.default(HttpSettingsSchema.parse({})),
    approvals: ApprovalsSchema.default(ApprovalsSchema.parse({})),
    telemetry: TelemetrySettingsSchema.default(TelemetrySettingsSchema.parse({})),
    packages: PackagesSettingsSchema.default(PackagesSettingsSchema.parse({})),
    schedules: SchedulesSettingsSchema.default(SchedulesSettingsSchema.parse({})),
    hooks: HooksSettingsSchema.default(HooksSettingsSchema.parse({})),
  })
  .strict();

export type Limits = z.infer<typeof LimitsSchema>;
export type NetworkSettings = z.infer<typeof NetworkSchema>;
export type PackagesSettings = z.infer<typeof PackagesSettingsSchema>;
export type SandboxSettings = z.infer<typeof SandboxSettingsSchema>;
export type TelemetrySettings = z.infer<typeof TelemetrySettingsSchema>;
export type SchedulesSettings = z.infer<typeof SchedulesSettingsSchema>;
export type HooksSettings = z.infer<typeof HooksSettingsSchema>;
export type Config = z.infer<typeof ConfigSchema>;
export type ApprovalSettings = z.infer<typeof ApprovalsSchema>;

export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}

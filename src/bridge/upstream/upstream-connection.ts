import type { Client, StandardSchemaV1, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import type { UpstreamServer } from "../../config/schema.js";
import { SERVER_VERSION } from "../../version.js";
import { withTimeout } from "../../util/with-timeout.js";

/** How long an upstream may take to start and list its tools. */
export const UPSTREAM_CONNECT_TIMEOUT_MS = 30_000;
/** Most pages of tools/list followed (a runaway cursor must not loop forever). */
const MAX_TOOL_PAGES = 100;
/** Lines of an upstream's stderr echoed per start, so a chatty server cannot flood ours. */
const MAX_STDERR_LINES = 50;

export interface UpstreamTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  /** Hints the server gives about the tool; `destructiveHint: true` makes a call need approval (approvals.destructiveTools). */
  annotations?: { destructiveHint?: boolean; readOnlyHint?: boolean };
}

export type UpstreamState =
  | { status: "connecting" }
  | { status: "ready"; tools: UpstreamTool[] }
  | { status: "unavailable"; reason: string; tools?: UpstreamTool[] };

export interface CallOutcome {
  isError: boolean;
  structuredContent?: unknown;
  content: Array<{ type: string; text?: string; [key: string]: unknown }>;
}

/**
 * The shape toolsmith reads from a tools/call result (toGuestValue treats every part
 * defensively). Checked instead of the SDK's full result schema and the tool's output
 * schema, which cost ~0.15 ms per call (a third of a fast upstream's own time) and
 * would only turn a server's schema slip into a failed call.
 */
const CALL_OUTCOME: StandardSchemaV1<unknown, CallOutcome> = {
  "~standard": {
    version: 1,
    vendor: "toolsmith",
    validate: (value) => {
      const result = value as Partial<CallOutcome> | null;
      if (typeof result !== "object" || result === null || Array.isArray(result)) return { issues: [{ message: "the tools/call result is not an object" }] };
      if (result.content !== undefined && !Array.isArray(result.content)) return { issues: [{ message: "the tools/call result's content is not an array" }] };
      return { value: { ...result, isError: result.isError === true, content: (result.content ?? []).filter((c) => typeof c === "object" && c !== null) } as CallOutcome };
    },
  },
};

/**
 * One upstream MCP server, reached as a client over stdio or Streamable HTTP.
 * A stdio server that exits is restarted on its next use; a failure is kept as
 * the reason search shows, never thrown at the rest of toolsmith.
 */
export class UpstreamConnection {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private state: UpstreamState = { status: "connecting" };
  private restarts = 0;
  /** The client of a connection attempt still in progress (closed with the rest on close()). */
  private pending: Client | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly config: UpstreamServer,
    private readonly log: (line: string) => void,
  ) {}

  get current(): UpstreamState {
    return this.state;
  }

  /** Connects (or reconnects) and lists tools; resolves either way, the state says how it went. */
  ensureConnected(): Promise<void> {
    if (this.closed || (this.client && this.state.status === "ready")) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Calls `tool`; `traceparent` is passed on as `_meta.traceparent` (the MCP key for W3C trace context). */
  async call(tool: string, args: unknown, signal: AbortSignal, timeoutMs: number, traceparent?: string): Promise<CallOutcome> {
    await this.ensureConnected();
    const client = this.client;
    if (!client || this.state.status !== "ready") {
      throw upstreamError(`Upstream MCP server '${this.name}' is unavailable: ${this.state.status === "unavailable" ? this.state.reason : "still starting"}.`);
    }
    try {
      return await client.request(
        { method: "tools/call", params: { name: tool, arguments: (args ?? {}) as Record<string, unknown>, ...(traceparent ? { _meta: { traceparent } } : {}) } },
        CALL_OUTCOME,
        { signal, timeout: timeoutMs, resetTimeoutOnProgress: true },
      );
    } catch (error) {
      if (signal.aborted) throw upstreamError(`The run ended while ${this.name}/${tool} was running; the call was cancelled.`);
      const message = (error as Error).message;
      if (!this.client) throw upstreamError(`Upstream MCP server '${this.name}' stopped during ${tool} (${message}). It will be restarted on next use.`);
      throw upstreamError(`${this.name}/${tool} failed: ${message}`);
    }
  }

  /**
   * Stops the server for good, including one still starting (a stdio child that has
   * not answered yet would otherwise keep the process alive until the connect timeout).
   */
  async close(): Promise<void> {
    this.closed = true;
    const clients = [this.client, this.pending];
    this.client = undefined;
    this.pending = undefined;
    if (this.state.status === "connecting") this.state = { status: "unavailable", reason: "toolsmith is shutting down" };
    await Promise.all(clients.map((c) => c?.close().catch(() => undefined)));
  }

  private async connect(): Promise<void> {
    const previousTools = this.state.status === "unavailable" ? this.state.tools : this.state.status === "ready" ? this.state.tools : undefined;
    // The MCP client is loaded when a home has upstream servers, not by every start (it is most of a megabyte of JavaScript).
    const sdk = await loadClientSdk();
    if (this.closed) return;
    const client = new sdk.Client({ name: "toolsmith", version: SERVER_VERSION });
    this.pending = client;
    try {
      const transport = this.transport(sdk);
      client.onclose = () => {
        if (this.client !== client) return;
        this.client = undefined;
        const reason = "the server exited; it will be restarted on next use";
        this.state = { status: "unavailable", reason, tools: this.state.status === "ready" ? this.state.tools : previousTools };
        this.log(`upstream '${this.name}': ${reason}`);
      };
      await withTimeout(client.connect(transport), UPSTREAM_CONNECT_TIMEOUT_MS, "connect");
      const tools = await withTimeout(listAllTools(client), UPSTREAM_CONNECT_TIMEOUT_MS, "tools/list");
      if (this.closed) throw new Error("toolsmith is shutting down");
      this.client = client;
      this.state = { status: "ready", tools };
      this.log(`upstream '${this.name}': ready with ${tools.length} tools`);
    } catch (error) {
      await client.close().catch(() => undefined);
      const reason = describeFailure(error);
      this.state = { status: "unavailable", reason, tools: previousTools };
      if (!this.closed) this.log(`upstream '${this.name}': unavailable: ${reason}`);
    } finally {
      if (this.pending === client) this.pending = undefined;
    }
  }

  private transport(sdk: ClientSdk): StdioClientTransport | StreamableHTTPClientTransport {
    if ("url" in this.config) {
      this.log(`upstream '${this.name}': connecting to ${this.config.url}`);
      return new sdk.StreamableHTTPClientTransport(new URL(this.config.url), { requestInit: { headers: this.config.headers } });
    }
    const { command, args, env, cwd } = this.config;
    this.log(`upstream '${this.name}': ${this.restarts++ === 0 ? "starting" : "restarting"} ${[command, ...args].join(" ")}`);
    // The SDK passes only its default environment (PATH, HOME, ...) plus the configured env, not ours.
    const transport = new sdk.StdioClientTransport({ command, args, env, cwd, stderr: "pipe" });
    let lines = 0;
    transport.stderr?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim() || lines >= MAX_STDERR_LINES) continue;
        lines++;
        this.log(`upstream '${this.name}' stderr: ${line.slice(0, 500)}`);
      }
    });
    return transport;
  }
}

/** Errors about an upstream, written for the guest (they name the server, never host paths). */
function upstreamError(message: string): Error {
  return Object.assign(new Error(message), { name: "UpstreamError" });
}

interface ClientSdk {
  Client: typeof Client;
  StreamableHTTPClientTransport: typeof StreamableHTTPClientTransport;
  StdioClientTransport: typeof StdioClientTransport;
}
let clientSdk: Promise<ClientSdk> | undefined;
function loadClientSdk(): Promise<ClientSdk> {
  clientSdk ??= Promise.all([import("@modelcontextprotocol/client"), import("@modelcontextprotocol/client/stdio")]).then(([main, stdio]) => ({
    Client: main.Client,
    StreamableHTTPClientTransport: main.StreamableHTTPClientTransport,
    StdioClientTransport: stdio.StdioClientTransport,
  }));
  return clientSdk;
}

async function listAllTools(client: Client): Promise<UpstreamTool[]> {
  const tools: UpstreamTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...(result.tools as UpstreamTool[]));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

function describeFailure(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return `the command was not found (${err.message})`;
  return err.message || String(error);
}

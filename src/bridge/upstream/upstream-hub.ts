import type { UpstreamServer } from "../../config/schema.js";
import { UpstreamConnection, type CallOutcome, type UpstreamState, type UpstreamTool } from "./upstream-connection.js";

export class UpstreamToolError extends Error {
  override name = "UpstreamToolError";
}

/**
 * Every configured upstream MCP server. Connections start in the background; a
 * broken upstream is reported (search shows why), never fatal to toolsmith.
 */
export class UpstreamHub {
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly listeners: Array<(server: string) => void> = [];
  private readonly firstAttempts = new Map<string, Promise<void>>();

  constructor(servers: Record<string, UpstreamServer>, log: (line: string) => void) {
    for (const [name, config] of Object.entries(servers)) this.connections.set(name, new UpstreamConnection(name, config, log));
  }

  /** Starts connecting to every upstream in parallel; returns at once. */
  start(): void {
    for (const [name, connection] of this.connections) {
      const attempt = connection.ensureConnected().then(() => this.changed(name));
      this.firstAttempts.set(name, attempt);
    }
  }

  /** Waits until the first connection attempt of `name` (or all) is over. */
  async settled(name?: string): Promise<void> {
    if (name !== undefined) await this.firstAttempts.get(name);
    else await Promise.all(this.firstAttempts.values());
  }

  onChange(listener: (server: string) => void): void {
    this.listeners.push(listener);
  }

  names(): string[] {
    return [...this.connections.keys()].sort();
  }

  has(name: string): boolean {
    return this.connections.has(name);
  }

  state(name: string): UpstreamState | undefined {
    return this.connections.get(name)?.current;
  }

  /** The tools of `name` as last listed (kept while a crashed server waits for its restart). */
  tools(name: string): UpstreamTool[] | undefined {
    const state = this.state(name);
    return state?.status === "ready" ? state.tools : state?.status === "unavailable" ? state.tools : undefined;
  }

  unavailable(): Array<{ server: string; reason: string }> {
    return this.names().flatMap((server) => {
      const state = this.state(server);
      return state?.status === "unavailable" ? [{ server, reason: state.reason }] : [];
    });
  }

  /**
   * Calls a tool and turns its result into the value guest code receives:
   * structured content, else the text parsed as JSON where it is JSON, else the text.
   * An upstream `isError` becomes an UpstreamToolError with the upstream's message.
   * `traceparent` (the call's span) goes to the upstream as `_meta.traceparent`.
   */
  async call(server: string, tool: string, args: unknown, signal: AbortSignal, timeoutMs: number, traceparent?: string): Promise<unknown> {
    const connection = this.connections.get(server);
    if (!connection) throw new UpstreamToolError(`No upstream MCP server named '${server}'.`);
    const wasReady = connection.current.status === "ready";
    const outcome = await connection.call(tool, args, signal, timeoutMs, traceparent);
    if (!wasReady) this.changed(server);
    return toGuestValue(server, tool, outcome);
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  private changed(server: string): void {
    for (const listener of this.listeners) listener(server);
  }
}

function toGuestValue(server: string, tool: string, outcome: CallOutcome): unknown {
  const texts = (outcome.content ?? []).filter((c) => c.type === "text").map((c) => c.text ?? "");
  if (outcome.isError) {
    throw new UpstreamToolError(`${server}/${tool} returned an error: ${texts.join("\n") || "(no message)"}`);
  }
  if (outcome.structuredContent !== undefined) return outcome.structuredContent;
  const content = outcome.content ?? [];
  if (content.length === 1 && content[0]!.type === "text") return parseMaybeJson(texts[0]!);
  if (content.length === 0) return null;
  return content.map((c) => (c.type === "text" ? parseMaybeJson(c.text ?? "") : c));
}

function parseMaybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{"\d-]|^(true|false|null)$/.test(trimmed)) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

import type { UpstreamHub } from "../bridge/upstream/upstream-hub.js";
import { MCP_PREFIX, toolIdentifiers } from "../bridge/upstream/upstream-modules.js";
import { tokenize } from "../library/search-index.js";

/*
 * Search never answers from a half-started server: until `limits.upstreamStartWaitMs`
 * after the upstream servers started connecting, a search waits for those still
 * connecting (it goes on as soon as they all answered); later searches never wait, and
 * what is still connecting is named in the response as not yet indexed.
 */

/** Words that ask about upstream servers themselves. */
const SERVER_WORDS = new Set(["mcp", "upstream", "upstreams", "server", "servers"]);

/** One configured upstream server as a listing shows it. */
export interface UpstreamServerListing {
  server: string;
  status: "ready" | "connecting" | "unavailable";
  /** The module to import its tools from. */
  module: string;
  /** Its tools, by the function names to import (search the server's name for their signatures). */
  tools: string[];
  reason?: string;
}

/** Waits, until the time `until` (performance.now() clock) at the latest, for the first connection attempt of every upstream still connecting. */
export async function waitForUpstreams(hub: UpstreamHub, until: number): Promise<void> {
  const ms = until - performance.now();
  if (ms <= 0 || connecting(hub).length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([hub.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Upstream servers whose tools are not known yet. */
export function connecting(hub: UpstreamHub): string[] {
  return hub.names().filter((name) => hub.state(name)?.status === "connecting");
}

/** True for an empty query and for one naming a configured server or asking for servers ("mcp"). */
export function asksForServers(hub: UpstreamHub, query: string | undefined): boolean {
  const words = tokenize(query ?? "");
  if (words.length === 0) return hub.names().length > 0;
  const names = new Set(hub.names().flatMap((n) => [n.toLowerCase(), ...tokenize(n)]));
  return words.some((w) => SERVER_WORDS.has(w) || names.has(w));
}

export function listServers(hub: UpstreamHub): UpstreamServerListing[] {
  return hub.names().map((server) => {
    const state = hub.state(server);
    const tools = hub.tools(server) ?? [];
    const ids = toolIdentifiers(tools);
    const listing: UpstreamServerListing = { server, status: state?.status ?? "connecting", module: `${MCP_PREFIX}${server}`, tools: tools.map((t) => ids.get(t.name)!) };
    if (state?.status === "unavailable") listing.reason = state.reason;
    return listing;
  });
}

import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY_CHARS } from "../limits-shared.js";
import type { UpstreamHub } from "../bridge/upstream/upstream-hub.js";
import { summarizeToolResult, type McpToolResult } from "../bridge/upstream/upstream-results.js";
import type { BuiltinEntry } from "../sandbox/guest/sandbox-world.js";
import type { CommitInfo } from "../library/git-repo.js";
import type { RemoteStatus } from "../library/remote-sync.js";
import type { SearchIndex } from "../library/search-index.js";
import { integrationResult, type Detail, type IntegrationResult } from "../library/search-results.js";
import type { UsageStats } from "../library/usage-stats.js";
import { prepareFacts } from "../library/facts-thread.js";
import type { LastVerification } from "../library/verification-records.js";
import type { IndexedEntry } from "./search-entries.js";
import { asksForServers, connecting, listServers, waitForUpstreams, type UpstreamServerListing } from "./upstream-servers.js";

export interface SearchOptions {
  query?: string;
  limit?: number;
  detail?: Detail;
}

export interface SearchResponse {
  /** How many entries matched the query (all of them for an empty query). */
  total: number;
  /** How many of them `results` holds (at most `limit`). */
  shown: number;
  results: Array<IntegrationResult | McpToolResult | BuiltinEntry>;
  /** For an empty query or one naming an upstream server (or "mcp"): every configured upstream server and its tools. */
  servers?: UpstreamServerListing[];
  /** The shared library remote, shown only when a push is pending or the last sync failed. */
  remote?: RemoteStatus;
  /** Upstream MCP servers that cannot be used right now (or are still connecting), and why. */
  unavailable?: Array<{ server: string; reason: string }>;
  hint?: string;
}

export interface SearchDeps {
  index: SearchIndex<IndexedEntry>;
  /** What results need of the library beyond the indexed records (LibraryStore, or a warm start's stand-in). */
  library: {
    declarationsFor(name: string): string | undefined;
    history(name: string, maxCount: number): Promise<CommitInfo[]>;
  };
  usage: UsageStats;
  /** The last re-run of an integration's test (verify), for the version it ran against. */
  lastVerification: (name: string, version: string | undefined) => LastVerification | undefined;
  hub: UpstreamHub;
  /** Names of the secrets configured on this machine (read fresh for each search). */
  configuredSecrets: () => Promise<ReadonlySet<string>>;
  /** Replaces secret values anywhere in the response. */
  redact: <T>(value: T) => T;
  remote: () => RemoteStatus | undefined;
  /** Until when (performance.now() clock) a search waits for upstream servers still connecting: see limits.upstreamStartWaitMs. */
  waitForUpstreamsUntil: number;
}

/** Versions listed per integration with detail "full". */
const HISTORY_IN_FULL_RESULTS = 5;
/** Most characters of a query quoted back in a hint; the model has the rest in its own context. */
const QUERY_ECHO_MAX_CHARS = 60;

/** search_library: ranked entries of the index, each shown as its kind shows it, with the counts and hints a model needs. */
export async function searchLibrary(deps: SearchDeps, options: SearchOptions): Promise<SearchResponse> {
  const { index, library, usage, hub } = deps;
  // The tool's schema refuses such a query first; this keeps every other caller (the CLI) as cheap.
  if (options.query && options.query.length > MAX_SEARCH_QUERY_CHARS) {
    return {
      total: 0,
      shown: 0,
      results: [],
      hint: `The query has ${options.query.length} characters; search takes at most ${MAX_SEARCH_QUERY_CHARS}. Search with a few words naming the service or the task (e.g. "github issues"), or an empty query to list everything.`,
    };
  }
  await waitForUpstreams(hub, deps.waitForUpstreamsUntil);
  const detail = options.detail ?? "summary";
  const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_SEARCH_LIMIT), MAX_SEARCH_LIMIT);
  const { total, hits } = index.search(options.query, limit);
  const configured = await deps.configuredSecrets();
  // What the results show of each hit's declarations, read off the main thread when it has no compiler yet (see facts-thread.ts).
  await prepareFacts(hits.flatMap((h) => (h.kind === "integration" ? [library.declarationsFor(h.record.name) ?? h.record.signature] : [])));
  const results = await Promise.all(
    hits.map(async (h): Promise<SearchResponse["results"][number]> => {
      if (h.kind === "integration") {
        return integrationResult(h.record, detail, {
          query: options.query,
          declarations: library.declarationsFor(h.record.name),
          configuredSecrets: configured,
          usage: usage.get(h.record.name),
          lastVerification: deps.lastVerification(h.record.name, h.record.version),
          history: detail === "full" ? (await library.history(h.record.name, HISTORY_IN_FULL_RESULTS)).map((c) => ({ version: c.sha, date: c.date, message: c.message })) : undefined,
        });
      }
      if (h.kind === "builtin") return h.result;
      const state = hub.state(h.result.server);
      const shown = detail === "summary" ? summarizeToolResult(h.result) : h.result;
      return state?.status === "unavailable" ? { ...shown, unavailable: state.reason } : shown;
    }),
  );
  const response: SearchResponse = { total, shown: results.length, results };
  if (asksForServers(hub, options.query)) response.servers = listServers(hub);
  const unavailable = [
    ...hub.unavailable(),
    ...connecting(hub).map((server) => ({ server, reason: "still connecting: its tools are not indexed yet; search again in a few seconds" })),
  ];
  if (unavailable.length) response.unavailable = unavailable;
  const remote = deps.remote();
  if (remote && (remote.pendingPush || remote.lastError)) response.remote = remote;
  response.hint = hintFor(options.query, total, results.length, limit);
  if (response.hint === undefined) delete response.hint;
  // Figures and metadata recorded before a secret was configured may hold its value.
  return deps.redact(response);
}

function hintFor(query: string | undefined, total: number, shown: number, limit: number): string | undefined {
  if (total === 0) {
    return query?.trim()
      ? `Nothing matches ${quoteQuery(query)}. Try other words, an empty query to list everything, or write the code with run_code and save it with save_integration.`
      : "The library is empty. Write code with run_code and save what works with save_integration.";
  }
  if (shown < total) {
    const more = limit < MAX_SEARCH_LIMIT ? `pass a larger "limit" (up to ${MAX_SEARCH_LIMIT}) or ` : "";
    return `Showing ${shown} of ${total} matches, best first; ${more}search with more specific words to see others.`;
  }
  return undefined;
}

/** The query as a hint quotes it: whole when short, else its start (never pages of it). */
function quoteQuery(query: string): string {
  const trimmed = query.trim();
  if (trimmed.length <= QUERY_ECHO_MAX_CHARS) return `'${trimmed}'`;
  // Cut at a word boundary, never inside a word.
  const head = trimmed.slice(0, QUERY_ECHO_MAX_CHARS + 1).replace(/\s+\S*$/, "") || trimmed.slice(0, QUERY_ECHO_MAX_CHARS);
  return `'${head}…' (${trimmed.length} characters)`;
}

export { DEFAULT_SEARCH_LIMIT };

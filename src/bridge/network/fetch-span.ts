import type { GuestFetchReply, GuestFetchRequest } from "./http-fetch.js";

// OTel's stable HTTP attribute names, written out: importing @opentelemetry/semantic-conventions
// loads every convention it defines, on every start, for these six strings.
const ATTR_HTTP_REQUEST_METHOD = "http.request.method";
const ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
const ATTR_SERVER_ADDRESS = "server.address";
const ATTR_SERVER_PORT = "server.port";
const ATTR_URL_PATH = "url.path";
const ATTR_URL_SCHEME = "url.scheme";
/** `http.response.body.size` (still "development" in the conventions, so not among the stable exports). */
const ATTR_HTTP_RESPONSE_BODY_SIZE = "http.response.body.size";
/** Statuses from here on mark a client span as failed (OTel's HTTP conventions). */
export const HTTP_ERROR_STATUS = 400;

/** The span of a guest fetch is named by its method, as OTel's HTTP client conventions name it. */
export function fetchSpanName(request: GuestFetchRequest): string {
  return (request.method || "GET").toUpperCase();
}

/**
 * What a fetch span records of the request: method, scheme, host, port and path.
 * Never the query (API keys travel there) nor headers or body; `named` turns the run's
 * secret placeholders into `[secret:NAME]` and redacts any secret value.
 */
export function fetchSpanAttributes(request: GuestFetchRequest, named: (text: string) => string): Record<string, string | number> {
  const method = fetchSpanName(request);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { "toolsmith.op": "fetch", [ATTR_HTTP_REQUEST_METHOD]: method };
  }
  const scheme = url.protocol.replace(/:$/, "");
  return {
    "toolsmith.op": "fetch",
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_SERVER_ADDRESS]: named(url.hostname),
    [ATTR_SERVER_PORT]: Number(url.port) || (scheme === "https" ? 443 : 80),
    [ATTR_URL_PATH]: named(decodePath(url.pathname)),
  };
}

/** Status and size of the body the guest received (decoded, after redaction). */
export function fetchOutcomeAttributes(reply: GuestFetchReply): Record<string, number> {
  const bytes = reply.bodyText !== undefined ? Buffer.byteLength(reply.bodyText, "utf8") : reply.bodyBase64 !== undefined ? Buffer.from(reply.bodyBase64, "base64").length : 0;
  return { [ATTR_HTTP_RESPONSE_STATUS_CODE]: reply.status, [ATTR_HTTP_RESPONSE_BODY_SIZE]: bytes };
}

/** A placeholder may be percent-encoded in a path (`encodeURIComponent(secret(...))` keeps it as is, but be safe). */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

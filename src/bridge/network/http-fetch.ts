import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { ACCEPTED_ENCODINGS, ContentDecodingError, decodeBody } from "./content-decoding.js";
import type { CheckedTarget, NetworkPolicy } from "./network-policy.js";
import { NetworkRefusedError } from "./network-policy.js";

/** What guest `fetch` sends to the host (see src/sandbox/guest/runtime/fetch.ts). */
export interface GuestFetchRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  bodyText?: string;
  bodyBase64?: string;
  redirect?: "follow" | "error" | "manual";
}

export interface GuestFetchReply {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  headers: Array<[string, string]>;
  bodyText?: string;
  bodyBase64?: string;
}

export interface FetchOptions {
  policy: NetworkPolicy;
  signal: AbortSignal;
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  /** Substitutes secrets and checks a request just before it is sent to `target`; may throw to refuse. */
  prepare?: (request: PreparedRequest, target: CheckedTarget) => PreparedRequest;
  /**
   * Waits for a person's approval where a rule asks for it, for every hop (a redirect is a
   * new request); throws to refuse. Sees the request as the guest wrote it (placeholders).
   */
  approve?: (request: PreparedRequest, target: CheckedTarget) => Promise<void>;
  /** Applied to everything textual the guest gets from a response: body, headers, status text, URL (secret redaction). */
  filterText?: (text: string) => string;
  /** Applied to a binary response body before the guest sees it. */
  filterBytes?: (bytes: Buffer) => Buffer;
  /** The W3C trace context of this request's span, sent as `traceparent` unless the guest set one itself. */
  traceparent?: string;
}

export interface PreparedRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body: Buffer | undefined;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const CROSS_ORIGIN_DROPPED = new Set(["authorization", "cookie", "proxy-authorization"]);
/** Headers the host sets itself (Accept-Encoding: only bodies the host can decode, and so redact, are asked for). */
const FORBIDDEN_REQUEST_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade", "accept-encoding", "te"]);
/** Response headers that describe an encoded body as it was sent, not as the guest gets it (decoded). */
const ENCODED_BODY_HEADERS = new Set(["content-encoding", "content-length"]);

export class FetchError extends Error {
  override name = "FetchError";
}

/**
 * Performs a guest fetch on the host: policy check on the resolved address, a
 * connection pinned to that address, redirects followed here (each re-checked),
 * a per-request timeout, a response size cap, cancellation with the run.
 *
 * Every message names the request as the guest wrote it (placeholders, not values):
 * the substituted URL is only ever handed to the connection.
 */
export async function hostFetch(input: GuestFetchRequest, options: FetchOptions): Promise<GuestFetchReply> {
  const clean = options.filterText ?? ((text: string) => text);
  let url = parseUrl(input.url, undefined, clean);
  let method = (input.method || "GET").toUpperCase();
  let headers = input.headers.filter(([name]) => !FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase()));
  let body = input.bodyBase64 !== undefined ? Buffer.from(input.bodyBase64, "base64") : input.bodyText !== undefined ? Buffer.from(input.bodyText, "utf8") : undefined;
  let redirected = false;
  for (let hop = 0; ; hop++) {
    const target = await options.policy.check(url);
    if (options.approve) await options.approve({ url: url.href, method, headers, body }, target);
    const prepared = options.prepare ? options.prepare({ url: url.href, method, headers, body }, target) : { url: url.href, method, headers, body };
    const shown = clean(`${method} ${url.href}`);
    const response = await send(prepared, target, options, shown);
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(response.statusCode ?? 0) && location && input.redirect !== "manual") {
      response.resume();
      if (input.redirect === "error") throw new FetchError(clean(`${method} ${url.href} redirected to ${location}, and redirect: "error" was set.`));
      if (hop >= options.maxRedirects) throw new FetchError(`Too many redirects (more than ${options.maxRedirects}, network.maxRedirects) starting at ${clean(input.url)}.`);
      const next = parseUrl(location, url, clean);
      if (next.origin !== url.origin) headers = headers.filter(([name]) => !CROSS_ORIGIN_DROPPED.has(name.toLowerCase()));
      if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
        headers = headers.filter(([name]) => !/^content-/i.test(name));
      }
      url = next;
      redirected = true;
      continue;
    }
    const bytes = await readBody(response, options, shown);
    const decoded = isEncoded(response.headers["content-encoding"]);
    const reply: GuestFetchReply = {
      status: response.statusCode ?? 0,
      statusText: clean(response.statusMessage ?? ""),
      url: clean(url.href),
      redirected,
      headers: rawHeaderPairs(response.rawHeaders)
        .filter(([name]) => !(decoded && ENCODED_BODY_HEADERS.has(name)))
        .map(([name, value]) => [name, clean(value)]),
    };
    if (bytes.length > 0) {
      const text = decodeUtf8(bytes);
      if (text === undefined) reply.bodyBase64 = (options.filterBytes ? options.filterBytes(bytes) : bytes).toString("base64");
      else reply.bodyText = clean(text);
    }
    return reply;
  }
}

function parseUrl(text: string, base: URL | undefined, clean: (text: string) => string): URL {
  try {
    return new URL(text, base);
  } catch {
    throw new FetchError(clean(`Invalid URL: ${text}`));
  }
}

/** Sends the prepared (substituted) request; `shown` is how errors name it (see hostFetch). */
function send(request: PreparedRequest, target: CheckedTarget, options: FetchOptions, shown: string): Promise<IncomingMessage> {
  const url = new URL(request.url);
  // The connection goes to the address that was checked: no second DNS lookup can rebind it.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const requestFn = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new FetchError("The run ended; the request was not sent."));
      return;
    }
    let req: ReturnType<typeof requestFn>;
    try {
      req = requestFn(
        {
          protocol: url.protocol,
          hostname: target.hostname,
          port: target.port,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: headerObject(request.headers, request.body, options.traceparent),
          lookup: pinned,
          servername: /^[\d.]+$|:/.test(target.hostname) ? undefined : target.hostname,
          signal: options.signal,
          timeout: options.timeoutMs,
          agent: false,
        },
        resolve,
      );
    } catch (error) {
      // E.g. a header value with a character HTTP does not allow: Node's text may quote it.
      reject(describeRequestError(error as Error, shown, options));
      return;
    }
    req.on("timeout", () => req.destroy(new FetchError(`Request timed out after ${options.timeoutMs} ms (network.requestTimeoutMs): ${shown}`)));
    req.on("error", (error) => reject(describeRequestError(error, shown, options)));
    if (request.body) req.end(request.body);
    else req.end();
  });
}

function headerObject(pairs: Array<[string, string]>, body: Buffer | undefined, traceparent: string | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  if (body) out["content-length"] = String(body.length);
  out["user-agent"] ??= "toolsmith";
  if (traceparent) out.traceparent ??= traceparent;
  out["accept-encoding"] = ACCEPTED_ENCODINGS;
  return out;
}

/** The body, decoded (see content-decoding.ts) and at most `maxResponseBytes` long both as sent and as decoded. */
async function readBody(response: IncomingMessage, options: FetchOptions, shown: string): Promise<Buffer> {
  const raw = await readRawBody(response, options, shown);
  try {
    return await decodeBody(raw, response.headers["content-encoding"], options.maxResponseBytes);
  } catch (error) {
    if (!(error instanceof ContentDecodingError)) throw error;
    if (error.tooLarge) throw tooLarge(shown, options.maxResponseBytes);
    throw new FetchError(`The response to ${shown} ${error.message}; nothing of it was passed on.`);
  }
}

function readRawBody(response: IncomingMessage, options: FetchOptions, shown: string): Promise<Buffer> {
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
    response.destroy();
    return Promise.reject(tooLarge(shown, options.maxResponseBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxResponseBytes) {
        reject(tooLarge(shown, options.maxResponseBytes));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks)));
    response.on("error", (error) => reject(describeRequestError(error, shown, options)));
    response.on("aborted", () => reject(new FetchError(`The response to ${shown} was cut off.`)));
  });
}

function tooLarge(shown: string, max: number): FetchError {
  return new FetchError(`The response to ${shown} is larger than ${max} bytes (network.maxResponseBytes). Ask for less (pagination, filters) or raise the limit.`);
}

/** A Node error as the guest may see it: the request as written and an error code, never Node's own text. */
function describeRequestError(error: Error, shown: string, options: FetchOptions): Error {
  if (error instanceof FetchError || error instanceof NetworkRefusedError) return error;
  if (options.signal.aborted || error.name === "AbortError") return new FetchError(`The run ended while ${shown} was in flight; it was aborted.`);
  const code = (error as NodeJS.ErrnoException).code;
  return new FetchError(`${shown} failed: ${code ?? "the connection failed"}.`);
}

function isEncoded(header: string | undefined): boolean {
  return (header ?? "").split(",").some((coding) => !["", "identity"].includes(coding.trim().toLowerCase()));
}

function rawHeaderPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

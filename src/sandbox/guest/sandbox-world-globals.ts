import type { BuiltinEntry } from "./builtin-entry.js";

const GLOBAL_IMPORT = "// a global: no import needed";

/** The globals of the sandbox, one entry per group (see `runtime/prelude.ts`, `runtime/polyfills.ts`, `runtime/fetch.ts`). */
export const GLOBAL_ENTRIES: readonly BuiltinEntry[] = [
  {
    kind: "builtin",
    name: "console",
    description: "console.log/info/warn/error/debug: each call is one line of the run's logs, formatted like Node's (objects as JSON).",
    import: GLOBAL_IMPORT,
    signature: `/**
 * Each call becomes one line of the run's \`logs\`, formatted like Node's console
 * (printf-style %s %d %i %f %j %o %O, objects as JSON, Errors with their stack).
 * Past the log limit (limits.maxLogChars) lines are dropped and a note says so.
 */
interface Console {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  /** Like debug (no stack is printed). */
  trace(...data: unknown[]): void;
  /** Logs the value as JSON. */
  dir(value: unknown): void;
  /** Logs the value as JSON (no table drawing). */
  table(value: unknown): void;
}
declare var console: Console;`,
  },
  {
    kind: "builtin",
    name: "fetch",
    description:
      "fetch(url, init) with Request, Response and Headers: the host makes the request under the network policy and substitutes secret() placeholders for their hosts only.",
    import: GLOBAL_IMPORT,
    signature: `/** A header list: [name, value] pairs, a record, or another Headers. */
type HeadersInit = [string, string][] | Record<string, string> | Headers;
/** A request or response body: text, bytes, form fields (URLSearchParams), a multipart form (FormData) or a Blob. No streams. */
type BodyInit = string | ArrayBuffer | ArrayBufferView | URLSearchParams | FormData | Blob;
/** Header names are case-insensitive; values of the same name are joined with ", ". */
declare class Headers {
  constructor(init?: HeadersInit);
  append(name: string, value: string): void;
  delete(name: string): void;
  /** The values of that header joined with ", ", or null when absent. */
  get(name: string): string | null;
  /** Each Set-Cookie value on its own. */
  getSetCookie(): string[];
  has(name: string): boolean;
  set(name: string, value: string): void;
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}
/** Reading a body consumes it: a second read rejects with "Body has already been used". */
interface Body {
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  /** The body parsed as JSON; rejects with a SyntaxError that quotes its start when it is not JSON. */
  json(): Promise<any>;
  text(): Promise<string>;
  /** The body as a Blob whose type is the content-type header. */
  blob(): Promise<Blob>;
  /** A multipart/form-data or application/x-www-form-urlencoded body as FormData; a TypeError for anything else. */
  formData(): Promise<FormData>;
}
interface RequestInit {
  /** Default "GET". CONNECT, TRACE and TRACK are refused. */
  method?: string;
  headers?: HeadersInit;
  /** Not allowed with GET or HEAD. A string sets content-type text/plain, URLSearchParams a form, unless headers set one. */
  body?: BodyInit | null;
  /** "follow" (default; each hop is checked against the network policy again), "error" (a redirect throws FetchError) or "manual" (the 3xx response is returned). */
  redirect?: "follow" | "error" | "manual";
  /** Aborting it rejects fetch with the signal's reason (an AbortError by default) and stops the host's request (the connection is closed). */
  signal?: AbortSignal | null;
}
declare class Request implements Body {
  constructor(input: string | URL | Request, init?: RequestInit);
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly redirect: "follow" | "error" | "manual";
  readonly signal: AbortSignal | null;
  clone(): Request;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  json(): Promise<any>;
  text(): Promise<string>;
  blob(): Promise<Blob>;
  formData(): Promise<FormData>;
}
interface ResponseInit {
  /** 200 to 599; default 200. */
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}
/** A response. fetch resolves to one for every HTTP status: check \`ok\` or \`status\` yourself. */
declare class Response implements Body {
  constructor(body?: BodyInit | null, init?: ResponseInit);
  readonly status: number;
  /** status is 200 to 299. */
  readonly ok: boolean;
  readonly statusText: string;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly redirected: boolean;
  readonly type: "default" | "basic" | "error";
  readonly headers: Headers;
  clone(): Response;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  json(): Promise<any>;
  text(): Promise<string>;
  blob(): Promise<Blob>;
  formData(): Promise<FormData>;
  /** A response whose body is the value as JSON (content-type application/json), e.g. for a fake fetch in tests. */
  static json(data: unknown, init?: ResponseInit): Response;
  static error(): Response;
  static redirect(url: string | URL, status?: 301 | 302 | 303 | 307 | 308): Response;
}
/**
 * An HTTP request made by the host. Resolves to a Response for any status (a 404 or 500
 * does not throw). Rejects with an Error whose \`name\` says why:
 * - "NetworkRefusedError": the host is not allowed by network.allow, resolves to a private
 *   or loopback address, or the run made more than network.maxRequestsPerRun requests;
 * - "SecretRefusedError": a secret placeholder (or value) was headed for another host;
 * - "ApprovalDeniedError": the request needs a person's approval (approvals in config.json)
 *   and was denied, not answered in time, or could not be asked; nothing was sent;
 * - "FetchError": DNS or connection failure, timeout (network.requestTimeoutMs), too many
 *   redirects, a response over network.maxResponseBytes, an invalid URL;
 * - "LimitError": the run made more host calls than limits.maxHostCalls.
 * Secret values in the response are replaced by "[secret:NAME]".
 */
declare function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;`,
  },
  {
    kind: "builtin",
    name: "URL",
    description: "URL and URLSearchParams as in browsers (parsing is Node's WHATWG URL): build query strings and read URL parts.",
    import: GLOBAL_IMPORT,
    signature: `/** A parsed URL (WHATWG rules, as Node parses them). The constructor throws a TypeError for an invalid URL. */
declare class URL {
  constructor(url: string | URL, base?: string | URL);
  /** Whether \`new URL(url, base)\` would succeed. */
  static canParse(url: string | URL, base?: string | URL): boolean;
  href: string;
  readonly origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  /** Live view of the query: changing it changes \`search\` and \`href\`. */
  readonly searchParams: URLSearchParams;
  hash: string;
  toString(): string;
  toJSON(): string;
}
/** Form-encoded fields (a query string without "?"). Order is kept; a name may repeat. */
declare class URLSearchParams {
  /** A query string ("a=1&b=2", a leading "?" is ignored), a record, or [name, value] pairs. */
  constructor(init?: string | Record<string, string> | Iterable<[string, string]> | URLSearchParams);
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  /** "a=1&b=x+y" (spaces as +), without "?". */
  toString(): string;
}`,
  },
  {
    kind: "builtin",
    name: "TextEncoder",
    description: "TextEncoder and TextDecoder (UTF-8 only): strings to bytes and back.",
    import: GLOBAL_IMPORT,
    signature: `/** Strings to UTF-8 bytes. */
declare class TextEncoder {
  readonly encoding: "utf-8";
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
/** UTF-8 bytes to strings. Other encodings throw a RangeError. */
declare class TextDecoder {
  /** label: "utf-8" (default) or an alias of it. fatal: throw a TypeError on invalid bytes instead of inserting U+FFFD. */
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: "utf-8";
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  /** stream: more bytes follow, keep an incomplete character for the next call. */
  decode(input?: ArrayBuffer | ArrayBufferView | null, options?: { stream?: boolean }): string;
}`,
  },
  {
    kind: "builtin",
    name: "atob",
    description: "atob and btoa: base64 of binary strings (one character per byte).",
    import: GLOBAL_IMPORT,
    signature: `/** Base64 of a binary string; throws an InvalidCharacterError for characters above U+00FF (encode text with TextEncoder first). */
declare function btoa(data: string): string;
/** The binary string (one character per byte) that base64 text encodes; throws an InvalidCharacterError when it is not base64. */
declare function atob(data: string): string;`,
  },
  {
    kind: "builtin",
    name: "setTimeout",
    description: "setTimeout and clearTimeout (no setInterval): timers on the run's event loop; the run waits for pending timers and ends at its deadline.",
    import: GLOBAL_IMPORT,
    signature: `/**
 * Calls callback after ms milliseconds with the extra arguments, and returns its id.
 * The run ends only when no timer is pending, and no later than its time limit. There is
 * no setInterval: call setTimeout again from the callback. An error thrown by the
 * callback is logged, not thrown.
 */
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: unknown[]): number;
/** Cancels a timer that has not fired yet; unknown ids are ignored. */
declare function clearTimeout(id: number | undefined): void;`,
  },
];

/**
 * Fake HTTP for integration tests: route `fetch` to a handler of your own, so write
 * functions (POST, PUT, DELETE) are tested without touching the real service.
 */

/** Answers one request: a Response, or a promise of one. Throwing makes that fetch reject. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** The handlers in force, innermost last; `fetch` is the last one's while any is active. */
const active: Array<typeof fetch> = [];
/** The sandbox's own fetch, put back when the last fake ends. */
let original: typeof fetch | undefined;

/**
 * Runs `fn` with every `fetch` answered by `handler(request)` instead of the network, and
 * resolves to what `fn` returns. `fetch` is restored when `fn` settles (also when it
 * throws). The request is a real `Request`: read `method`, `url`, `headers` and
 * `await request.json()` / `.text()`. `secret()` placeholders stay placeholders here (the
 * host substitutes values only in requests that reach the network), so a handler can check
 * that the right secret was sent: `request.headers.get("authorization") === "Bearer " + secret("API_TOKEN")`.
 *
 * Scoping is by time, not by async context: while `fn` runs, every fetch in the run goes
 * to the innermost active handler, including fetches from other work running concurrently
 * (an un-awaited promise, a timer). Await each `withFakeFetch` before starting the next, and
 * nest them for a different handler inside. A handler that must not be reached can throw.
 */
export async function withFakeFetch<T>(handler: FetchHandler, fn: () => T | Promise<T>): Promise<T> {
  if (typeof handler !== "function" || typeof fn !== "function") throw new TypeError("withFakeFetch(handler, fn) takes two functions: handler(request) answers each fetch, fn runs the code under test.");
  const fake = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input instanceof URL ? input.href : input, init);
    const response = await handler(request);
    if (!(response instanceof Response)) {
      throw new TypeError(`withFakeFetch: the handler returned ${response === null ? "null" : typeof response} for ${request.method} ${request.url}; return a Response, e.g. json({ id: 1 }) or new Response("", { status: 204 }).`);
    }
    return response;
  }) as typeof fetch;
  if (active.length === 0) original = globalThis.fetch;
  active.push(fake);
  globalThis.fetch = fake;
  try {
    return await fn();
  } finally {
    active.splice(active.lastIndexOf(fake), 1);
    globalThis.fetch = active.at(-1) ?? original!;
    if (active.length === 0) original = undefined;
  }
}

/** A JSON Response (status 200 unless given), for handlers: `json({ id: 7 }, 201)`. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A handler that records every request it answers (`calls`), answering each with `respond`. */
export function recorder(respond: FetchHandler): FetchHandler & { calls: Array<{ method: string; url: string; headers: Record<string, string>; body: string }> } {
  const calls: Array<{ method: string; url: string; headers: Record<string, string>; body: string }> = [];
  const handler = async (request: Request): Promise<Response> => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => (headers[key] = value));
    calls.push({ method: request.method, url: request.url, headers, body: await request.clone().text() });
    return respond(request);
  };
  return Object.assign(handler, { calls });
}

/**
 * Fake HTTP for integration tests: route `fetch` to a handler of your own, so write
 * functions (POST, PUT, DELETE) are tested without touching the real service.
 */
/** Answers one request: a Response, or a promise of one. Throwing makes that fetch reject. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;
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
export declare function withFakeFetch<T>(handler: FetchHandler, fn: () => T | Promise<T>): Promise<T>;
/** A JSON Response (status 200 unless given), for handlers: `json({ id: 7 }, 201)`. */
export declare function json(body: unknown, status?: number, headers?: Record<string, string>): Response;
/** A handler that records every request it answers (`calls`), answering each with `respond`. */
export declare function recorder(respond: FetchHandler): FetchHandler & {
    calls: Array<{
        method: string;
        url: string;
        headers: Record<string, string>;
        body: string;
    }>;
};

/**
 * `globalThis` as the guest scripts see it: ES2022's globals plus the ones the guest scripts
 * install for each other (DOMException, TextEncoder, Blob, ...) and the hand-over globals
 * (`__toolsmith_*`) each script takes and deletes. Those are loaded lazily and replaced by
 * agent code at will, so each use checks what it finds (`typeof G.DOMException === "function"`).
 */
export type GuestGlobal = typeof globalThis & Record<string, any>;

/** What guest fetch sends to the host (see bridge/network/http-fetch.ts for the host's side). */
export interface FetchRequestMessage {
  url: string;
  /** Upper case. */
  method: string;
  /** Names lower-cased, sorted; Set-Cookie values apart. */
  headers: [string, string][];
  redirect: "follow" | "error" | "manual";
  /** At most one body field. */
  bodyText?: string;
  bodyBase64?: string;
  /** Set when the request has a signal: the prelude's __toolsmith_fetch_abort(abortId) stops it. */
  abortId?: number;
}

/** A host channel for fetch: resolves to the host's reply, rejects with an Error on a network failure. */
export type HostFetch = (request: FetchRequestMessage) => Promise<unknown>;

/** What the prelude hands runtime/fetch.ts through globals when fetch is first used; fetch.ts takes and deletes them. */
export interface FetchHandOver {
  __toolsmith_fetch_host: HostFetch;
  __toolsmith_fetch_abort(abortId: number): void;
}

/** What runtime/fetch.ts leaves for the prelude (which takes and deletes it): a fetch over another host channel (see bindCaller). */
export interface FetchFactory {
  __toolsmith_fetch_with(hostFetch: HostFetch): (input: unknown, init?: unknown) => Promise<unknown>;
}

/** What the prelude hands runtime/web-crypto.ts when crypto is first used; web-crypto.ts takes and deletes it. */
export interface CryptoHandOver {
  __toolsmith_crypto_host: {
    /** `count` random bytes from the host, byte b as the character U+0100 + b. */
    random(count: number): string;
    /** The host's `crypto.subtle[op](...args)`, values encoded as bridge/crypto/crypto-values.ts says. */
    call(op: string, args: unknown): Promise<unknown>;
  };
}

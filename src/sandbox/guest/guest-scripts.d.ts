/**
 * The guest runtime's scripts as the text the worker evaluates: compiled from runtime/*.ts by
 * scripts/build-guest-scripts.mjs into dist/sandbox/guest/guest-scripts.js at build time
 * (`npm run build`). Each is a global script (the prelude's completion value is its internals),
 * except the `toolsmith` module, an ES module.
 */
/** runtime/prelude.ts: console, timers, host calls, result serialization, the lazy web globals. */
export declare const GUEST_PRELUDE_JS: string;
/** runtime/polyfills.ts: URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa. */
export declare const GUEST_POLYFILLS_JS: string;
/** runtime/fetch.ts: fetch, Headers, Request, Response. */
export declare const GUEST_FETCH_JS: string;
/** runtime/abort.ts: DOMException, Event, EventTarget, AbortController, AbortSignal. */
export declare const GUEST_ABORT_JS: string;
/** runtime/form-data.ts: Blob, File, FormData. */
export declare const GUEST_FORM_DATA_JS: string;
/** runtime/structured-clone.ts: structuredClone. */
export declare const GUEST_STRUCTURED_CLONE_JS: string;
/** runtime/web-crypto.ts: crypto, Crypto, CryptoKey, SubtleCrypto. */
export declare const GUEST_WEB_CRYPTO_JS: string;
/** runtime/toolsmith-module.ts: the `toolsmith` module (an ES module). */
export declare const GUEST_TOOLSMITH_MODULE_JS: string;

import type { BuiltinEntry } from "./builtin-entry.js";

const GLOBAL_IMPORT = "// a global: no import needed";

/**
 * The Web APIs beyond fetch and URL (see `runtime/web-crypto.ts`, `runtime/abort.ts`, `runtime/form-data.ts`,
 * `runtime/structured-clone.ts`, and `runtime/prelude.ts` for queueMicrotask and performance), one entry per group.
 */
export const WEB_API_ENTRIES: readonly BuiltinEntry[] = [
  {
    kind: "builtin",
    name: "crypto",
    description:
      "Web Crypto as in browsers: crypto.getRandomValues, crypto.randomUUID and crypto.subtle (digest SHA-1/256/384/512, HMAC, RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA, AES, HKDF, PBKDF2...). Keys live on the host; importKey accepts a secret() placeholder as key material (sign/verify only, never extractable): sign AWS SigV4, webhook HMACs and JWTs (HS256, RS256, ES256) without seeing the secret.",
    import: GLOBAL_IMPORT,
    signature: `type BufferSource = ArrayBuffer | ArrayBufferView;
type KeyUsage = "encrypt" | "decrypt" | "sign" | "verify" | "deriveKey" | "deriveBits" | "wrapKey" | "unwrapKey";
type KeyFormat = "raw" | "pkcs8" | "spki" | "jwk";
/** An algorithm name ("SHA-256", "HMAC", "ECDSA"...) or its parameters, e.g. { name: "HMAC", hash: "SHA-256" }, { name: "ECDSA", hash: "SHA-256" }, { name: "ECDSA", namedCurve: "P-256" }. */
type AlgorithmIdentifier = string | { name: string; [param: string]: unknown };
interface JsonWebKey {
  kty?: string; alg?: string; crv?: string; k?: string; n?: string; e?: string; d?: string; p?: string; q?: string; dp?: string; dq?: string; qi?: string; x?: string; y?: string;
  ext?: boolean; key_ops?: string[]; use?: string;
  [field: string]: unknown;
}
/**
 * A handle on a key held by the host for this run (keys do not outlive the run that made
 * them). JSON.stringify gives {} and structuredClone refuses it: nothing of the key's bytes
 * is in the sandbox. A key made from a secret has no algorithm.length.
 */
declare class CryptoKey {
  private constructor();
  readonly type: "secret" | "private" | "public";
  readonly extractable: boolean;
  readonly algorithm: { name: string; [param: string]: unknown };
  readonly usages: KeyUsage[];
}
interface CryptoKeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}
/**
 * crypto.subtle: runs on the host (Node's WebCrypto). Failures reject with a DOMException
 * (name "DataError", "NotSupportedError", "InvalidAccessError", "OperationError", "SyntaxError")
 * or a TypeError, as in browsers.
 *
 * Secrets as keys: importKey("raw" | "pkcs8" | "jwk", ...) accepts key material holding a
 * secret() placeholder: the placeholder as a string, its TextEncoder bytes, text around it
 * (new TextEncoder().encode("AWS4" + secret("AWS_SECRET_ACCESS_KEY"))), a PEM private key
 * stored as a secret (pkcs8), or placeholders in a JWK's fields. The host puts the value in;
 * the key is never extractable and may only sign and verify (HMAC, RSASSA-PKCS1-v1_5,
 * RSA-PSS, ECDSA, Ed25519): exportKey, wrapKey, encrypt, deriveBits and deriveKey with it
 * reject with an InvalidAccessError. Signatures go wherever you send them; the secret's
 * value still only goes to its own hosts.
 */
declare class SubtleCrypto {
  private constructor();
  digest(algorithm: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" | AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer>;
  importKey(format: "jwk", keyData: JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey>;
  /** keyData may also be a string: a secret() placeholder (or text holding one), taken as its UTF-8 bytes. */
  importKey(format: "raw" | "pkcs8" | "spki", keyData: BufferSource | string, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey>;
  /** Only for an extractable key that was not made from a secret. */
  exportKey(format: "jwk", key: CryptoKey): Promise<JsonWebKey>;
  exportKey(format: "raw" | "pkcs8" | "spki", key: CryptoKey): Promise<ArrayBuffer>;
  generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey | CryptoKeyPair>;
  sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
  encrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  decrypt(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
  deriveBits(algorithm: AlgorithmIdentifier, baseKey: CryptoKey, length?: number | null): Promise<ArrayBuffer>;
  deriveKey(algorithm: AlgorithmIdentifier, baseKey: CryptoKey, derivedKeyType: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey>;
  wrapKey(format: KeyFormat, key: CryptoKey, wrappingKey: CryptoKey, wrapAlgorithm: AlgorithmIdentifier): Promise<ArrayBuffer>;
  unwrapKey(format: KeyFormat, wrappedKey: BufferSource, unwrappingKey: CryptoKey, unwrapAlgorithm: AlgorithmIdentifier, unwrappedKeyAlgorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey>;
}
declare class Crypto {
  private constructor();
  readonly subtle: SubtleCrypto;
  /** Fills an integer typed array (at most 65536 bytes) with random bytes from the host's entropy (different in every run), and returns it. */
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
  /** A random version 4 UUID, e.g. "3b241101-e2bb-4255-8caf-4136c566a962". */
  randomUUID(): \`\${string}-\${string}-\${string}-\${string}-\${string}\`;
}
declare var crypto: Crypto;`,
  },
  {
    kind: "builtin",
    name: "AbortController",
    description:
      "AbortController, AbortSignal (abort, timeout, any), Event, EventTarget and DOMException: cancel a fetch (the host's request really stops) or your own work.",
    import: GLOBAL_IMPORT,
    signature: `/** An error with a name, as Web APIs throw: "AbortError", "TimeoutError", "DataError", "DataCloneError"... */
declare class DOMException extends Error {
  constructor(message?: string, name?: string);
  readonly name: string;
  /** The legacy numeric code of the name (20 for AbortError), 0 for names without one. */
  readonly code: number;
}
declare class Event {
  constructor(type: string, init?: { bubbles?: boolean; cancelable?: boolean; composed?: boolean });
  readonly type: string;
  readonly target: EventTarget | null;
  readonly currentTarget: EventTarget | null;
  readonly defaultPrevented: boolean;
  readonly timeStamp: number;
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
}
type EventListenerOrObject = ((event: Event) => void) | { handleEvent(event: Event): void };
/** Listeners run in the order added; an error thrown by one is logged, not thrown. */
declare class EventTarget {
  constructor();
  addEventListener(type: string, listener: EventListenerOrObject | null, options?: { once?: boolean; signal?: AbortSignal }): void;
  removeEventListener(type: string, listener: EventListenerOrObject | null): void;
  dispatchEvent(event: Event): boolean;
}
/** Tells work to stop. Passed to fetch, an abort rejects the fetch and stops the host's request. */
declare class AbortSignal extends EventTarget {
  private constructor();
  readonly aborted: boolean;
  /** Why it was aborted: what abort() was given, else a DOMException named "AbortError" ("TimeoutError" for timeout()). */
  readonly reason: any;
  onabort: ((event: Event) => void) | null;
  throwIfAborted(): void;
  static abort(reason?: unknown): AbortSignal;
  /** Aborts after ms milliseconds (a timer of the run: it ends with the run). */
  static timeout(ms: number): AbortSignal;
  /** Aborts when the first of the signals does, with its reason. */
  static any(signals: Iterable<AbortSignal>): AbortSignal;
}
declare class AbortController {
  constructor();
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}`,
  },
  {
    kind: "builtin",
    name: "FormData",
    description: "Blob, File and FormData: binary bodies and multipart/form-data uploads with fetch (the boundary and content-type are set for you), and Response.formData().",
    import: GLOBAL_IMPORT,
    signature: `/** Bytes with a MIME type. Parts: strings (as UTF-8), bytes or other Blobs. No stream(). */
declare class Blob {
  constructor(parts?: Iterable<string | ArrayBuffer | ArrayBufferView | Blob>, options?: { type?: string; endings?: "transparent" | "native" });
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number, contentType?: string): Blob;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
}
declare class File extends Blob {
  constructor(parts: Iterable<string | ArrayBuffer | ArrayBufferView | Blob>, name: string, options?: { type?: string; lastModified?: number });
  readonly name: string;
  readonly lastModified: number;
}
/**
 * Form fields for a multipart/form-data body: fetch(url, { method: "POST", body: form })
 * sets content-type with its boundary (do not set it yourself). A Blob value becomes a
 * File named "blob" unless a filename is given.
 */
declare class FormData {
  constructor();
  append(name: string, value: string | Blob, filename?: string): void;
  set(name: string, value: string | Blob, filename?: string): void;
  get(name: string): string | File | null;
  getAll(name: string): Array<string | File>;
  has(name: string): boolean;
  delete(name: string): void;
  forEach(callback: (value: string | File, name: string, form: FormData) => void, thisArg?: unknown): void;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string | File>;
  entries(): IterableIterator<[string, string | File]>;
  [Symbol.iterator](): IterableIterator<[string, string | File]>;
}`,
  },
  {
    kind: "builtin",
    name: "structuredClone",
    description: "structuredClone (deep copies with Map, Set, Date, typed arrays, cycles), queueMicrotask, and performance.now (sub-millisecond time since the run started).",
    import: GLOBAL_IMPORT,
    signature: `/**
 * A deep copy: plain objects and arrays, Map, Set, Date, RegExp, ArrayBuffer, typed arrays,
 * DataView, Errors, Blob and File, with cycles and shared references kept; class instances
 * become plain objects. Functions, symbols, Promises, CryptoKeys and other host objects
 * throw a DOMException named "DataCloneError". transfer is not supported.
 */
declare function structuredClone<T>(value: T, options?: { transfer?: unknown[] }): T;
/** Runs callback after the current job, before any timer; an error it throws is logged. */
declare function queueMicrotask(callback: () => void): void;
interface Performance {
  /** Milliseconds (fractional) since the run started, from the host's monotonic clock. */
  now(): number;
  /** Epoch milliseconds at which the run started. */
  readonly timeOrigin: number;
  toJSON(): { timeOrigin: number };
}
declare var performance: Performance;`,
  },
];

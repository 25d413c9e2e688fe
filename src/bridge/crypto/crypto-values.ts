/**
 * How Web Crypto values cross between the guest and the host inside a host call's JSON
 * (see src/sandbox/guest/runtime/web-crypto.ts for the guest's side):
 *   bytes (BufferSource, ArrayBuffer)  ⇄ { "$bytes": "<one character per byte (latin1)>" }
 *   CryptoKey                          → { "$key": <id in the run's key table> } (guest to host)
 *                                      ← { "$key": <id>, type, extractable, algorithm, usages } (host to guest)
 * Everything else is plain JSON. Bytes go as latin1 text, not base64: QuickJS turns bytes
 * into such a string with String.fromCharCode natively, where a base64 loop is interpreted.
 */
import { webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;
/** The class of Node's CryptoKey objects (a global in Node 20, not exported by node:crypto). */
const CryptoKeyClass = (globalThis as unknown as { CryptoKey: new () => CryptoKey }).CryptoKey;

/** Nesting a Web Crypto argument never needs (an algorithm inside an algorithm at most). */
const MAX_DEPTH = 8;

export interface KeyRef {
  $key: number;
}

export class CryptoArgumentError extends Error {
  override name = "TypeError";
}

export function isKeyRef(value: unknown): value is KeyRef {
  return typeof value === "object" && value !== null && typeof (value as KeyRef).$key === "number" && Object.keys(value).length === 1;
}

/** Decodes a guest value: bytes become Uint8Array, key references are resolved by `key`. */
export function decodeValue(value: unknown, key: (id: number) => CryptoKey, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new CryptoArgumentError("A Web Crypto argument is nested too deeply.");
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => decodeValue(item, key, depth + 1));
  const record = value as Record<string, unknown>;
  if (typeof record.$bytes === "string" && Object.keys(record).length === 1) return new Uint8Array(Buffer.from(record.$bytes, "latin1"));
  if (isKeyRef(record)) return key(record.$key);
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(record)) if (name !== "__proto__") out[name] = decodeValue(item, key, depth + 1);
  return out;
}

/** Encodes a host value for the guest: bytes as latin1 text, keys by `key` (which registers them). */
export function encodeValue(value: unknown, key: (k: CryptoKey) => unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new CryptoArgumentError("A Web Crypto result is nested too deeply.");
  if (value instanceof ArrayBuffer) return { $bytes: Buffer.from(value).toString("latin1") };
  if (ArrayBuffer.isView(value)) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1") };
  if (value instanceof CryptoKeyClass) return key(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => encodeValue(item, key, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) out[name] = encodeValue(item, key, depth + 1);
  return out;
}

/** Every key reference in a guest value (to check the policy of each key an operation touches). */
export function keyRefsIn(value: unknown, depth = 0): number[] {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return [];
  if (isKeyRef(value)) return [value.$key];
  return Object.values(value as Record<string, unknown>).flatMap((item) => keyRefsIn(item, depth + 1));
}

/**
 * `crypto.subtle` for one run, on the host (Node's WebCrypto). Keys live here, in a
 * table that is dropped when the run ends; the guest holds `{ $key: id }` handles.
 *
 * A key made from a secret (see secret-key-material.ts) may only sign and verify:
 * - its algorithm must be a signature or MAC (SECRET_KEY_ALGORITHMS) and its usages
 *   a subset of sign/verify; it is never extractable, whatever the guest asked;
 * - any other operation that touches it (exportKey, wrapKey, encrypt, deriveBits,
 *   deriveKey, ECDH's `public`) is refused, so no path returns its bytes;
 * - its `algorithm.length` is neither shown nor accepted (it would tell the secret's length).
 * A signature over chosen data reveals nothing of a MAC or signing key, and signing
 * sends nothing anywhere: the secret's host binding still governs where the value
 * itself may go (fetch), which is nowhere but its hosts.
 */
import { createHash, createHmac, KeyObject, timingSafeEqual, webcrypto } from "node:crypto";
import { CryptoArgumentError, decodeValue, encodeValue, keyRefsIn } from "./crypto-values.js";
import { resolveKeyMaterial, type SecretLookup } from "./secret-key-material.js";

const subtle = webcrypto.subtle;
type CryptoKey = webcrypto.CryptoKey;
type AlgorithmIdentifier = webcrypto.AlgorithmIdentifier;
type KeyUsage = webcrypto.KeyUsage;

/** Keys one run may hold at once (each is host memory). */
export const MAX_KEYS_PER_RUN = 1000;

/** Algorithms a secret may be imported for: MACs and signatures, whose outputs reveal nothing of the key. */
const SECRET_KEY_ALGORITHMS = new Set(["HMAC", "RSASSA-PKCS1-V1_5", "RSA-PSS", "ECDSA", "ED25519"]);
const SECRET_KEY_USAGES = new Set(["sign", "verify"]);
/** The operations of SubtleCrypto, by the name the guest sends. */
const OPERATIONS = new Set(["digest", "importKey", "exportKey", "generateKey", "sign", "verify", "encrypt", "decrypt", "deriveBits", "deriveKey", "wrapKey", "unwrapKey"]);
/** Node's hash names for the Web Crypto ones (the synchronous fast paths use node:crypto directly). */
const NODE_HASHES: Record<string, string> = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

/** A Web Crypto failure as the guest should see it: `name` is the DOMException name (or TypeError). */
export class WebCryptoError extends Error {
  override name = "WebCryptoError";
  constructor(
    readonly domName: string,
    message: string,
  ) {
    super(`${domName}: ${message}`);
  }
}

interface KeyEntry {
  key: CryptoKey;
  /** Secrets the key was made from (empty: an ordinary key). */
  secrets: string[];
  /** For synchronous HMAC, made on the key's first HMAC use: its bytes, Node's hash name, its usages (Node copies key.usages on every read). */
  hmac?: { bytes: Buffer; hash: string | undefined; usages: ReadonlySet<string> };
}

export interface RunCryptoOptions {
  /** This run's placeholders in a text, with their values (throws for an unknown secret). */
  lookup: SecretLookup;
  /** Called before secrets become a key: throws to refuse (e.g. undeclared during a save's test). */
  useSecrets: (names: string[]) => void;
}

export class RunCrypto {
  private readonly keys = new Map<number, KeyEntry>();
  private nextId = 1;

  constructor(private readonly options: RunCryptoOptions) {}

  /** Performs `op` with the guest's encoded `args`; resolves to the encoded result. */
  async call(op: string, args: unknown): Promise<unknown> {
    if (!OPERATIONS.has(op) || !Array.isArray(args)) throw new WebCryptoError("NotSupportedError", `crypto.subtle.${String(op)} is not available in the sandbox.`);
    try {
      return await this.perform(op, args);
    } catch (error) {
      throw asWebCryptoError(error);
    }
  }

  /** Forgets every key (the run is over). */
  dispose(): void {
    this.keys.clear();
  }

  private async perform(op: string, encoded: unknown[]): Promise<unknown> {
    const touched = keyRefsIn(encoded).map((id) => this.entry(id));
    const secret = touched.find((entry) => entry.secrets.length > 0);
    if (secret && op !== "sign" && op !== "verify") throw refusedForSecret(op, secret.secrets);
    const args = decodeValue(encoded, (id) => this.entry(id).key) as unknown[];
    switch (op) {
      case "digest":
        return this.encode(digestSync(args[0], args[1]) ?? (await subtle.digest(args[0] as AlgorithmIdentifier, bytes(args[1]))));
      case "importKey":
        return this.importKey(args);
      case "sign": {
        const entry = touched[0];
        const fast = entry && this.hmacSync(entry, args[0], "sign", bytes(args[2]));
        return this.encode(fast ?? (await subtle.sign(args[0] as AlgorithmIdentifier, args[1] as CryptoKey, bytes(args[2]))));
      }
      case "verify": {
        const entry = touched[0];
        const mac = entry && this.hmacSync(entry, args[0], "verify", bytes(args[3]));
        if (mac) {
          const signature = bytes(args[2]);
          return signature.byteLength === mac.byteLength && timingSafeEqual(signature, mac);
        }
        return subtle.verify(args[0] as AlgorithmIdentifier, args[1] as CryptoKey, bytes(args[2]), bytes(args[3]));
      }
      default: {
        // The rest take their arguments as Web Crypto defines them; Node checks them.
        const method = (subtle as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op]!;
        return this.encode(await method.apply(subtle, args));
      }
    }
  }

  private async importKey(args: unknown[]): Promise<unknown> {
    const [format, keyData, algorithm, extractable, usages] = args;
    const resolved = resolveKeyMaterial(String(format), keyData, this.options.lookup);
    if (resolved.secrets.length === 0) {
      return this.encode(await subtle.importKey(format as "raw", keyData as Uint8Array, algorithm as AlgorithmIdentifier, extractable as boolean, usages as KeyUsage[]));
    }
    const names = resolved.secrets;
    const algorithmName = String(typeof algorithm === "string" ? algorithm : (algorithm as { name?: unknown } | null)?.name ?? "").toUpperCase();
    if (!SECRET_KEY_ALGORITHMS.has(algorithmName)) {
      throw new WebCryptoError("NotSupportedError", `Secret ${names.join(", ")} can only be imported as a signing or MAC key (HMAC, RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA, Ed25519), not for ${describeAlgorithm(algorithm)}: a key made from a secret may only sign and verify, so its bytes can never come back.`);
    }
    // HMAC's `length` must equal the key's: trying lengths would tell the secret's length.
    if (algorithm !== null && typeof algorithm === "object" && (algorithm as { length?: unknown }).length !== undefined) {
      throw new WebCryptoError("NotSupportedError", `A key made from secret ${names.join(", ")} cannot be given a length: leave "length" out of the algorithm (the key's length is the secret's).`);
    }
    const wanted = Array.isArray(usages) ? usages.map(String) : [];
    const extra = wanted.filter((usage) => !SECRET_KEY_USAGES.has(usage));
    if (extra.length) {
      throw new WebCryptoError("SyntaxError", `A key made from secret ${names.join(", ")} may only have the usages "sign" and "verify"; remove ${extra.map((u) => `"${u}"`).join(", ")}.`);
    }
    this.options.useSecrets(names);
    // Never extractable, whatever was asked: exportKey and wrapKey must not return the value.
    const key = await subtle.importKey(format as "raw", resolved.keyData as Uint8Array, algorithm as AlgorithmIdentifier, false, wanted as KeyUsage[]);
    return this.register(key, names);
  }

  /** HMAC on the calling thread: Node's WebCrypto sends each signature through the thread pool (~50 µs), node:crypto takes ~3 µs. */
  private hmacSync(entry: KeyEntry, algorithm: unknown, usage: KeyUsage, data: Uint8Array): Buffer | undefined {
    const named = typeof algorithm === "string" ? algorithm : (algorithm as { name?: unknown } | null)?.name;
    if (typeof named !== "string" || named.toUpperCase() !== "HMAC") return undefined;
    if (!entry.hmac) {
      const { key } = entry;
      if (key.algorithm.name !== "HMAC") return undefined;
      entry.hmac = { bytes: KeyObject.from(key).export(), hash: NODE_HASHES[(key.algorithm as webcrypto.HmacKeyAlgorithm).hash.name], usages: new Set(key.usages) };
    }
    const { bytes, hash, usages } = entry.hmac;
    if (!hash) return undefined;
    if (!usages.has(usage)) throw new WebCryptoError("InvalidAccessError", `The key's usages (${[...usages].join(", ") || "none"}) do not include "${usage}".`);
    return createHmac(hash, bytes).update(data).digest();
  }

  private entry(id: number): KeyEntry {
    const entry = this.keys.get(id);
    if (!entry) throw new CryptoArgumentError("This CryptoKey does not belong to this run (keys live only as long as the run that made them).");
    return entry;
  }

  private encode(value: unknown): unknown {
    return encodeValue(value, (key) => this.register(key, []));
  }

  private register(key: CryptoKey, secrets: string[]): unknown {
    if (this.keys.size >= MAX_KEYS_PER_RUN) throw new WebCryptoError("QuotaExceededError", `This run holds ${MAX_KEYS_PER_RUN} keys, the most one run may hold. Reuse keys instead of importing one per operation.`);
    const id = this.nextId++;
    this.keys.set(id, { key, secrets });
    const algorithm = encodeValue(key.algorithm, () => undefined) as Record<string, unknown>;
    if (secrets.length > 0) delete algorithm.length;
    return { $key: id, type: key.type, extractable: key.extractable, algorithm, usages: [...key.usages], ...(secrets.length ? { secret: true } : {}) };
  }
}

function digestSync(algorithm: unknown, data: unknown): Buffer | undefined {
  const named = typeof algorithm === "string" ? algorithm : (algorithm as { name?: unknown } | null)?.name;
  const hash = typeof named === "string" ? NODE_HASHES[named.toUpperCase()] : undefined;
  return hash ? createHash(hash).update(bytes(data)).digest() : undefined;
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new CryptoArgumentError("Expected an ArrayBuffer, a typed array or a DataView for the data.");
}

function describeAlgorithm(algorithm: unknown): string {
  const name = typeof algorithm === "string" ? algorithm : (algorithm as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : "this algorithm";
}

function refusedForSecret(op: string, names: string[]): WebCryptoError {
  return new WebCryptoError(
    "InvalidAccessError",
    `crypto.subtle.${op} is refused for a key made from secret ${names.join(", ")}: such a key may only sign and verify, so that its bytes can never come back to the sandbox.`,
  );
}

/** Node's DOMExceptions keep their name; its argument errors are TypeErrors; anything else is the host's own. */
function asWebCryptoError(error: unknown): unknown {
  if (error instanceof WebCryptoError) return error;
  if (error instanceof CryptoArgumentError) return new WebCryptoError("TypeError", error.message);
  // Node 20 names one of its errors "InvalidAccessException": browsers say InvalidAccessError.
  if (error instanceof DOMException) return new WebCryptoError(error.name.replace(/Exception$/, "Error"), error.message);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_")) return new WebCryptoError("TypeError", (error as Error).message);
  return error;
}

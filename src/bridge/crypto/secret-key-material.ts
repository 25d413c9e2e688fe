/**
 * Key material that names a secret: `crypto.subtle.importKey` given a placeholder (as
 * text, or as its UTF-8 bytes, possibly with text around it, e.g. `"AWS4" + secret(...)`)
 * gets the secret's value on the host. The value never enters the guest, and the key
 * made from it is restricted (see SECRET_KEY_RULES in run-crypto.ts).
 */
import { CryptoArgumentError } from "./crypto-values.js";

/** Finds this run's placeholders in `text` and gives each one's value (throws if one is unknown). */
export type SecretLookup = (text: string) => Array<{ placeholder: string; name: string; value: string; index: number }>;

export interface ResolvedMaterial {
  keyData: Uint8Array | Record<string, unknown>;
  /** Names of the secrets substituted (empty: the material names none). */
  secrets: string[];
}

const PEM = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----\s*$/;

/** Replaces placeholders in the key data of an importKey call (bytes for raw/pkcs8/spki, an object for jwk). */
export function resolveKeyMaterial(format: string, keyData: unknown, lookup: SecretLookup): ResolvedMaterial {
  if (keyData instanceof Uint8Array) return resolveBytes(format, keyData, lookup);
  if (format === "jwk" && keyData !== null && typeof keyData === "object" && !Array.isArray(keyData)) return resolveJwk(keyData as Record<string, unknown>, lookup);
  return { keyData: keyData as Uint8Array, secrets: [] };
}

function resolveBytes(format: string, bytes: Uint8Array, lookup: SecretLookup): ResolvedMaterial {
  // latin1 maps each byte to one character, so indexes in the text are byte offsets.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const found = lookup(text);
  if (found.length === 0) return { keyData: bytes, secrets: [] };
  const parts: Buffer[] = [];
  let from = 0;
  for (const { placeholder, value, index } of found) {
    parts.push(outside(bytes, from, index), Buffer.from(value, "utf8"));
    from = index + placeholder.length;
  }
  parts.push(outside(bytes, from, bytes.byteLength));
  let material: Buffer = Buffer.concat(parts);
  if (format === "pkcs8" || format === "spki") material = fromPem(material);
  return { keyData: new Uint8Array(material), secrets: [...new Set(found.map((f) => f.name))] };
}

/**
 * Bytes the guest put around a placeholder. A NUL byte is refused: HMAC pads a short key
 * with zeros, so `secret + "\0"` signing like `secret` would tell the guest the secret's length.
 */
function outside(bytes: Uint8Array, from: number, to: number): Buffer {
  const part = Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from);
  if (part.includes(0)) throw new CryptoArgumentError("Key material that contains a secret placeholder cannot also contain NUL bytes. Pass the placeholder alone, or with plain text around it (e.g. \"AWS4\" + secret(\"AWS_SECRET_ACCESS_KEY\")).");
  return part;
}

/** A secret holding a PEM private or public key becomes its DER bytes, as importKey("pkcs8" | "spki") takes them. */
function fromPem(material: Buffer): Buffer {
  const match = PEM.exec(material.toString("utf8"));
  return match ? Buffer.from(match[2]!.replace(/\s+/g, ""), "base64") : material;
}

function resolveJwk(jwk: Record<string, unknown>, lookup: SecretLookup): ResolvedMaterial {
  const names = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(jwk)) {
    if (typeof value !== "string") {
      out[field] = value;
      continue;
    }
    let text = value;
    const found = lookup(value);
    for (const { placeholder, name, value: secretValue } of found) {
      text = text.split(placeholder).join(secretValue);
      names.add(name);
    }
    out[field] = text;
  }
  return { keyData: out, secrets: [...names] };
}
